// SPDX-License-Identifier: MIT
// An append-only journal: an append takes the journal's lock, writes the record to
// disk (4 ms), hands it to the indexer task and waits for its acknowledgement, then
// releases the lock. Each client request runs under a 5 ms deadline (asim::timeout).
//
// The bug: the author released the lock on every error of the disk write (the
// obvious await) but not around the hand-off to the indexer, an in-memory step that
// "cannot fail". It cannot fail, but it suspends: for two loop iterations the append
// waits on the indexer while callbacks are ready. A deadline that expires exactly
// there (the machine paused between those iterations, a legal stall) cancels the
// append at that await and the lock stays held; every later append times out waiting
// for it. Late timers alone never find it: a deadline that fires in the same
// iteration as the disk write's completion is delivered at the disk write's await,
// which is guarded. In CPython's order on an idle machine each append finishes 1 ms
// before its deadline.
//
// The fix: hold the lock through a guard (`co_await lock.scoped()`, asyncio's
// `async with lock`), released on every exit, cancellation included.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/lock.hpp>
#include <asim/loop.hpp>
#include <asim/queues.hpp>
#include <asim/scoped_release.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <asim/timeout.hpp>

#include <string>
#include <utility>
#include <vector>

namespace asim::examples::bugs::lock_leak {

enum class Variant { buggy, fixed };

inline constexpr double disk_write_time = 0.004;
inline constexpr double request_deadline = 0.005;

/// Keeps an in-memory index of the journal; acknowledges each record it indexed.
class Indexer {
 public:
  struct Entry {
    std::string record;
    asim::Future<void> indexed;
  };

  /// Hands `record` to the indexer task and waits until it is indexed.
  asim::Coro<void> add(std::string record) {
    asim::Future<void> indexed = asim::get_running_loop().create_future<void>();
    inbox_.put_nowait(Entry{std::move(record), indexed});
    co_await indexed;
  }

  /// The indexer task's loop.
  asim::Coro<void> run() {
    for (;;) {
      Entry entry = co_await inbox_.get();
      records_.push_back(std::move(entry.record));
      if (!entry.indexed.done()) entry.indexed.set_result();
    }
  }

 private:
  asim::Queue<Entry> inbox_;
  std::vector<std::string> records_;
};

class Journal {
 public:
  Journal(Variant variant, Indexer& indexer) : variant_(variant), indexer_(indexer) {}

  asim::Coro<void> append(std::string record) {
    if (variant_ == Variant::fixed) {
      auto held = co_await lock_.scoped();
      co_await asim::sleep(disk_write_time);
      ++written_;
      co_await indexer_.add(std::move(record));
      co_return;
    }
    co_await lock_.acquire();
    try {
      co_await asim::sleep(disk_write_time);  // the disk write
      ++written_;
    } catch (...) {
      lock_.release();
      throw;
    }
    co_await indexer_.add(std::move(record));  // in memory: "cannot fail"
    lock_.release();
  }

  [[nodiscard]] bool locked() const noexcept { return lock_.locked(); }
  [[nodiscard]] int written() const noexcept { return written_; }

 private:
  Variant variant_;
  Indexer& indexer_;
  asim::Lock lock_;
  int written_ = 0;
};

/// One client: three appends, one after the other, each under its deadline.
inline asim::Coro<void> client(Journal& journal, int& timed_out) {
  for (int i = 1; i <= 3; ++i) {
    try {
      co_await asim::timeout(request_deadline, journal.append("record-" + std::to_string(i)));
    } catch (const asim::TimeoutError&) {
      ++timed_out;
    }
  }
}

inline asim::Coro<void> scenario(Variant variant) {
  Indexer indexer;
  Journal journal(variant, indexer);
  asim::Task<void> indexing = asim::create_task(indexer.run(), "indexer");
  int timed_out = 0;
  try {
    co_await asim::create_task(client(journal, timed_out), "client");
  } catch (const asim::CancelledError&) {
    // The client went away (its connection dropped): legal, but it must not take the
    // journal with it.
  }
  indexing.cancel();
  try {
    co_await indexing;
  } catch (const asim::CancelledError&) {
  }
  if (journal.locked()) {
    throw asim::RuntimeError("lock leaked: the journal's lock is still held after every append returned (" +
                             std::to_string(timed_out) + " of 3 appends timed out, " +
                             std::to_string(journal.written()) +
                             " written); a deadline cancelled an append "
                             "while it waited for the indexer, past the error handling");
  }
}

}  // namespace asim::examples::bugs::lock_leak
