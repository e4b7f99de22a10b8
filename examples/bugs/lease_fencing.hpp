// SPDX-License-Identifier: MIT
// Two report jobs share one output file; a lease service (10 ms leases) decides who
// may write it. Every message is one network hop: 0.5 ms, now and then (asim::random:
// a retransmission, a congested link) a few milliseconds more.
//
// The bug: a lease that expires while its holder is still writing. Job A takes the
// lease and writes its four chunks, sized to finish 2 ms before the lease ends; job B
// polls for the lease and starts writing as soon as it has it. Nothing stops A's
// chunks that arrive after the lease passed to B: the file gets B's header followed
// by A's tail. In CPython's order on an idle machine A is done and has released the
// lease long before B gets it; a loop that runs a little behind along A's chain of
// writes (a late wake-up or a stall postpones every later chunk) lets A's lease run
// out under it, as a GC pause would; so does one of A's chunks held up on the wire.
//
// The fix: fencing tokens (Kleppmann). Every grant carries a larger token, every
// write carries its holder's token, and the storage refuses a write whose token is
// older than one it has already accepted; the old holder learns it lost the lease and
// stops.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/random.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <optional>
#include <string>
#include <vector>

namespace asim::examples::bugs::lease_fencing {

enum class Variant { buggy, fixed };

inline constexpr double network_delay = 0.0005;
inline constexpr double lease_ttl = 0.01;
inline constexpr double chunk_time = 0.001;  // preparing one chunk
inline constexpr int chunks = 4;

/// One network hop: usually `network_delay`; one in fifty takes 1 to 5 ms more.
inline double hop_delay() {
  if (asim::random::bernoulli(0.02, "lease_fencing: slow hop")) {
    return network_delay + 0.001 * static_cast<double>(asim::random::uniform_int(1, 5, "lease_fencing: extra ms"));
  }
  return network_delay;
}

/// The lease service: one lease, free once released or expired.
class LeaseService {
 public:
  /// A grant's fencing token, or nullopt while someone else holds the lease.
  asim::Coro<std::optional<int>> acquire(std::string who) {
    co_await asim::sleep(hop_delay());
    const double now = asim::get_running_loop().time();
    std::optional<int> granted;
    if (holder_.empty() || now >= expires_at_) {
      holder_ = who;
      expires_at_ = now + lease_ttl;
      granted = ++token_;
    }
    co_await asim::sleep(hop_delay());
    co_return granted;
  }
  asim::Coro<void> release(std::string who) {
    co_await asim::sleep(hop_delay());
    if (holder_ == who) holder_.clear();
  }

 private:
  std::string holder_;
  double expires_at_ = 0;
  int token_ = 0;
};

/// The shared file. Every accepted write is logged with its writer and token.
class Storage {
 public:
  explicit Storage(Variant variant) : variant_(variant) {}

  struct Write {
    std::string writer;
    int token;
    std::string chunk;
  };

  /// Writes `chunk`; false if refused (fixed variant: a stale token).
  asim::Coro<bool> write(std::string writer, int token, std::string chunk) {
    co_await asim::sleep(hop_delay());
    bool accepted = true;
    if (variant_ == Variant::fixed && token < newest_token_) {
      accepted = false;
    } else {
      if (token > newest_token_) newest_token_ = token;
      log_.push_back({std::move(writer), token, std::move(chunk)});
    }
    co_await asim::sleep(hop_delay());
    co_return accepted;
  }
  [[nodiscard]] const std::vector<Write>& log() const noexcept { return log_; }

 private:
  Variant variant_;
  int newest_token_ = 0;
  std::vector<Write> log_;
};

/// A report job: waits for the lease (polling every `poll` seconds), writes its
/// chunks, releases the lease.
inline asim::Coro<void> job(LeaseService& leases, Storage& storage, std::string name, double start, double poll) {
  co_await asim::sleep(start);
  std::optional<int> token = co_await leases.acquire(name);
  while (!token) {
    co_await asim::sleep(poll);
    token = co_await leases.acquire(name);
  }
  for (int i = 1; i <= chunks; ++i) {
    co_await asim::sleep(chunk_time);
    const bool accepted = co_await storage.write(name, *token, name + " chunk " + std::to_string(i));
    if (!accepted) co_return;  // fenced off: someone newer holds the lease
  }
  co_await leases.release(name);
}

inline asim::Coro<void> scenario(Variant variant) {
  LeaseService leases;
  Storage storage(variant);
  asim::Task<void> a = asim::create_task(job(leases, storage, "A", 0.0, 0.0025), "job-A");
  asim::Task<void> b = asim::create_task(job(leases, storage, "B", 0.003, 0.0025), "job-B");
  co_await a;
  co_await b;
  int newest = 0;
  for (const Storage::Write& write : storage.log()) {
    if (write.token < newest) {
      throw asim::RuntimeError("two writers at once: '" + write.chunk + "' (lease token " +
                               std::to_string(write.token) + ") was written after a write under token " +
                               std::to_string(newest) + "; " + write.writer +
                               "'s lease expired while it was still writing");
    }
    newest = write.token;
  }
}

}  // namespace asim::examples::bugs::lease_fencing
