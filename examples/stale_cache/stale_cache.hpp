// SPDX-License-Identifier: MIT
// A read-through cache in front of a networked backend, with the classic look-aside
// race: a fetch that read the old value can store it after a writer's invalidation.
//
// Ordinary asim user code (no simulator types): examples/stale_cache.cpp runs it on
// the real loop, `asim demo` runs it on SimLoop under many schedules.
//
// The story: a reader misses the cache and fetches from the backend; the request
// takes one network hop, the backend reads its value, the answer takes another hop,
// then the cache stores what the answer carried. Meanwhile a writer updates the
// backend (one hop there, one hop back for the acknowledgement) and then invalidates
// the cache. Every hop takes the same `network_delay`, so the reader's and the
// writer's messages arrive at the same instants; which one is handled first is not
// defined (asyncio does not order timers with equal deadlines, and a late loop wakes
// for both at once). If the backend answers the fetch before it applies the write,
// and the writer's invalidation lands before the fetch's store, the cache keeps the
// old value after the invalidation and serves it until the next write: forever.
//
// Variant::fixed closes the race the usual way: the cache counts invalidations and a
// fetch stores its value only if no invalidation happened while it was in flight.
#pragma once

#include <asim/coro.hpp>
#include <asim/loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stale_cache {

/// One network hop between the service and the backend, in seconds.
inline constexpr double network_delay = 0.01;
/// How long the reader waits between two reads.
inline constexpr double read_interval = 0.05;
/// How long the program waits, once reader and writer are done, before its final
/// read: nothing is in flight any more, so the cache must agree with the backend.
inline constexpr double settle_time = 0.1;

/// One thing that happened: when (loop time, ns), in which task, what.
struct Note {
  std::int64_t time_ns = 0;
  std::string task;
  std::string text;
};

/// What the program did, in order. With `echo`, each note is also printed as
/// "<task>: <text>" (the example's output, the same as its Python twin's).
class Journal {
 public:
  explicit Journal(bool echo = false) : echo_(echo) {}

  /// Records `text` under the current task's name at the loop's current time.
  void note(std::string text) {
    Note entry;
    entry.time_ns = asim::get_running_loop().time_ns();
    asim::AnyTask task = asim::current_task();
    entry.task = task ? task.get_name() : std::string("-");
    entry.text = std::move(text);
    if (echo_) std::printf("%s: %s\n", entry.task.c_str(), entry.text.c_str());
    notes_.push_back(std::move(entry));
  }
  [[nodiscard]] const std::vector<Note>& notes() const noexcept { return notes_; }

 private:
  bool echo_;
  std::vector<Note> notes_;
};

/// The service behind the cache. Every call is a round trip over the network.
class Backend {
 public:
  Backend(std::string value, Journal& journal) : value_(std::move(value)), journal_(journal) {}

  /// The value the backend holds now (its own view, no network).
  [[nodiscard]] const std::string& value() const noexcept { return value_; }

  /// GET: the request travels, the backend reads its value, the answer travels back
  /// carrying the value as it was when read.
  asim::Coro<std::string> fetch() {
    co_await asim::sleep(network_delay);
    std::string read = value_;
    journal_.note("backend answers the fetch with " + read);
    co_await asim::sleep(network_delay);
    co_return read;
  }

  /// PUT: the request travels, the backend stores the value, the acknowledgement
  /// travels back.
  asim::Coro<void> update(std::string value) {
    co_await asim::sleep(network_delay);
    value_ = std::move(value);
    journal_.note("backend stores " + value_);
    co_await asim::sleep(network_delay);
  }

 private:
  std::string value_;
  Journal& journal_;
};

/// Racy: the textbook read-through cache. Fixed: stores a fetched value only if no
/// invalidation happened while the fetch was in flight.
enum class Variant { racy, fixed };

/// A read-through cache of the backend's single value.
class Cache {
 public:
  Cache(Backend& backend, Variant variant, Journal& journal)
      : backend_(backend), variant_(variant), journal_(journal) {}

  /// The cached value, or (on a miss) the backend's, which is then cached.
  asim::Coro<std::string> get() {
    if (entry_) {
      journal_.note("cache hit: " + *entry_);
      co_return *entry_;
    }
    journal_.note("cache miss, fetching");
    const std::uint64_t generation = generation_;
    std::string value = co_await backend_.fetch();
    if (variant_ == Variant::fixed && generation != generation_) {
      // The value may predate the write that caused the invalidation: hand it to this
      // caller (it was current when read) but do not keep it.
      journal_.note("cache drops " + value + " (invalidated during the fetch)");
    } else {
      entry_ = value;
      journal_.note("cache stores " + value);
    }
    co_return value;
  }

  /// Forgets the cached value; the next get() fetches.
  void invalidate() {
    entry_.reset();
    ++generation_;
    journal_.note("cache invalidated");
  }

 private:
  Backend& backend_;
  Variant variant_;
  Journal& journal_;
  std::optional<std::string> entry_;
  std::uint64_t generation_ = 0;  // invalidations so far
};

/// The final check: what get() returned once everything settled, and what the
/// backend holds. They must be equal.
struct Outcome {
  std::string served;
  std::string backend;
  [[nodiscard]] bool consistent() const { return served == backend; }
};

/// Reads the value a few times, pausing between reads.
inline asim::Coro<void> reader(Cache& cache, Journal& journal) {
  for (int i = 0; i < 3; ++i) {
    std::string value = co_await cache.get();
    journal.note("reader sees " + value);
    co_await asim::sleep(read_interval);
  }
}

/// Updates the backend, then invalidates the cache (write-through-and-invalidate).
inline asim::Coro<void> writer(Backend& backend, Cache& cache, std::string value) {
  co_await backend.update(std::move(value));
  cache.invalidate();
}

/// The whole program: the backend holds "v1"; a reader and a writer (which writes
/// "v2") start together; once both are done and the cache has settled, one more read.
/// Runs as a task; names it "main" so that notes read the same on every loop.
inline asim::Coro<Outcome> service(Variant variant, Journal& journal) {
  asim::current_task().set_name("main");
  Backend backend("v1", journal);
  Cache cache(backend, variant, journal);
  asim::Task<void> reading = asim::create_task(reader(cache, journal), "reader");
  asim::Task<void> writing = asim::create_task(writer(backend, cache, "v2"), "writer");
  co_await reading;
  co_await writing;
  co_await asim::sleep(settle_time);
  Outcome outcome;
  outcome.served = co_await cache.get();
  outcome.backend = backend.value();
  journal.note("after settling, get() returns " + outcome.served + " and the backend holds " + outcome.backend);
  co_return outcome;
}

}  // namespace stale_cache
