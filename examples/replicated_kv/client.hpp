// SPDX-License-Identifier: MIT
// The store's client and its checker, for either loop: write distinct keys through
// the primary, remember which writes were acknowledged, and later check that every
// acknowledged write reads back (the "linearizability-lite" check: an acknowledged
// write is never lost; an unacknowledged one may or may not have happened).
#pragma once

#include "replicated_kv.hpp"

#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/sleep.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace asim::examples::replicated_kv {

/// One write the client attempted.
struct Write {
  std::string key;
  std::string value;
  /// The primary answered OK.
  bool acknowledged = false;
  /// The loop's time when the answer (or the give-up) came.
  double at = 0;
  /// The answer, or why there was none ("timeout or connection error").
  std::string answer;
};

/// A client's connection to the primary, opened on first use and dropped after any
/// error or timeout (a late reply must not answer the next request).
class Connection {
 public:
  explicit Connection(Peer primary) : primary_(std::move(primary)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // No destructor of our own: a StreamWriter nobody closed closes its transport when
  // it goes (unless the loop is gone), as asyncio's StreamWriter.__del__ does.

  /// Sends `line` and returns the reply line without its '\n'; nullopt when there was
  /// none within `timeout` seconds (connecting included) or the connection failed.
  Coro<std::optional<std::string>> call(std::string line, double timeout) {
    try {
      std::string reply = co_await asim::wait_for(exchange(std::move(line)), timeout);
      if (!reply.empty() && reply.back() == '\n') {
        reply.pop_back();
        co_return reply;
      }
    } catch (const asim::TimeoutError&) {
    } catch (const asim::OSError&) {
    }
    close();
    co_return std::nullopt;
  }

  void close() {
    if (writer_) writer_->close();
    writer_.reset();
    reader_.reset();
  }

 private:
  Coro<std::string> exchange(std::string line) {
    if (!writer_) {
      auto [reader, writer] = co_await asim::open_connection(primary_.host, primary_.port);
      reader_ = std::move(reader);
      writer_ = std::move(writer);
    }
    // Copies: close() may drop the members while this coroutine waits.
    std::shared_ptr<asim::StreamReader> reader = reader_;
    std::shared_ptr<asim::StreamWriter> writer = writer_;
    writer->write(line);
    co_await writer->drain();
    co_return co_await reader->readline();
  }

  Peer primary_;
  std::shared_ptr<asim::StreamReader> reader_;
  std::shared_ptr<asim::StreamWriter> writer_;
};

/// Writes key<i> = value<i> for i in [0, count) on one connection, one at a time,
/// pausing `pause` seconds after each, and stops early once `*stop` is true; a write
/// without an answer within `timeout` is given up (not retried: it counts as
/// unacknowledged).
inline Coro<std::vector<Write>> write_keys(Peer primary, int count, double pause, double timeout,
                                           std::shared_ptr<const bool> stop = nullptr) {
  Connection connection(std::move(primary));
  std::vector<Write> writes;
  for (int i = 0; i < count && !(stop && *stop); ++i) {
    Write write{"key" + std::to_string(i), "value" + std::to_string(i)};
    std::optional<std::string> reply = co_await connection.call("PUT " + write.key + " " + write.value + "\n", timeout);
    write.acknowledged = reply && *reply == "OK";
    write.answer = reply ? *reply : std::string("timeout or connection error");
    write.at = asim::get_running_loop().time();
    writes.push_back(std::move(write));
    if (pause > 0) co_await asim::sleep(pause);
  }
  connection.close();
  co_return writes;
}

/// Reads `key` on `connection`, retrying every `retry` seconds (the primary may be
/// down or recovering) at most `attempts` times; "VALUE v" or "NONE".
inline Coro<std::string> read_key(Connection& connection, std::string key, double timeout, double retry, int attempts) {
  for (int attempt = 0; attempt < attempts; ++attempt) {
    std::optional<std::string> reply = co_await connection.call("GET " + key + "\n", timeout);
    if (reply) co_return *reply;
    co_await asim::sleep(retry);
  }
  throw asim::RuntimeError("the primary did not answer GET " + key + " in " + std::to_string(attempts) + " attempts");
}

/// Waits until the primary answers (it recovers from its backups before it serves).
inline Coro<void> wait_until_serving(Peer primary, double timeout) {
  Connection connection(std::move(primary));
  (void)co_await read_key(connection, "probe", timeout, 0.01, 1000);
  connection.close();
}

/// Checks that every acknowledged write reads back; throws asim::RuntimeError naming
/// the first lost one.
inline Coro<void> check_writes(Peer primary, std::vector<Write> writes, double timeout, double retry, int attempts) {
  Connection connection(std::move(primary));
  for (const Write& write : writes) {
    if (!write.acknowledged) continue;
    const std::string got = co_await read_key(connection, write.key, timeout, retry, attempts);
    if (got != "VALUE " + write.value) {
      char at[32];
      std::snprintf(at, sizeof at, "%.4f", write.at);
      throw asim::RuntimeError("acknowledged write lost: PUT " + write.key + " " + write.value +
                               " was acknowledged (OK at " + at + " s) but GET " + write.key + " answers '" + got +
                               "' once the cluster has healed");
    }
  }
  connection.close();
}

/// What a fault-free run did: the client's writes and what each key read back.
struct ClientRun {
  std::vector<Write> writes;
  std::vector<std::string> reads;
};

/// Writes `count` keys through the primary, reads each back and checks them: the
/// workload of the runs without faults (README, the loopback test).
inline Coro<ClientRun> write_then_read(Peer primary, int count, double timeout) {
  ClientRun run;
  co_await wait_until_serving(primary, timeout);
  run.writes = co_await write_keys(primary, count, 0, timeout);
  Connection connection(primary);
  for (const Write& write : run.writes) {
    run.reads.push_back(co_await read_key(connection, write.key, timeout, 0.01, 3));
  }
  connection.close();
  co_await check_writes(primary, run.writes, timeout, 0.01, 3);
  co_return run;
}

}  // namespace asim::examples::replicated_kv
