// SPDX-License-Identifier: MIT
// The lifetime traps of issue 14, as main coroutines: each leaves tasks that use the
// main coroutine's locals after it has finished. Run on asim::run and on seed sweeps;
// each must end in a reported failure or a pass, never a crash (AddressSanitizer
// builds turn a use of a freed frame into one).
#pragma once

#include <asim/asim.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace lifetime_traps {

/// What the leftover tasks saw, kept outside every frame.
struct Record {
  int cleanups = 0;           // cleanups that ran (catch blocks and destructors)
  int freed_reads = 0;        // cleanups that found the main coroutine's local overwritten
  std::size_t pending_at_return = 0;
  bool timed_out = false;
  void reset() { *this = Record{}; }
};

inline constexpr std::uint64_t kAlive = 0x5AFE5AFE5AFE5AFEULL;

/// The main coroutine's local state that its tasks use: plain data, so its storage
/// is all the cleanup needs (see README "Lifetimes").
struct Ledger {
  std::uint64_t alive = kAlive;
  int balance = 100;
};

inline void check_ledger(const Ledger& ledger, Record* rec) {
  if (ledger.alive != kAlive) ++rec->freed_reads;
  ++rec->cleanups;
}

/// Withdraws after `delay` and again much later; when cancelled, its cleanup reads
/// the ledger, then re-raises.
inline asim::Coro<void> worker(Ledger* ledger, Record* rec, double delay) {
  try {
    co_await asim::sleep(delay);
    ledger->balance -= 10;
    co_await asim::sleep(100);
    ledger->balance -= 10;
  } catch (const asim::CancelledError&) {
    check_ledger(*ledger, rec);
    throw;
  }
}

inline asim::Coro<void> failing(double delay) {
  co_await asim::sleep(delay);
  throw asim::ValueError("child failed");
}

/// Holds a pointer to the ledger and reads it in its destructor, as RAII cleanup does.
struct Registration {
  Ledger* ledger;
  Record* rec;
  Registration(Ledger* l, Record* r) : ledger(l), rec(r) {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { check_ledger(*ledger, rec); }
};

inline asim::Coro<void> registered_worker(Ledger* ledger, Record* rec, double delay) {
  Registration registration{ledger, rec};
  co_await asim::sleep(delay);
  ledger->balance -= 1;
  co_await asim::sleep(100);
}

/// Trap 1: gather raises the first child's error; the siblings go on (asyncio's
/// gather does not cancel them) after the main coroutine has ended with it.
/// Ends with ValueError; 3 cleanups (the sibling waking in the same iteration too).
inline asim::Coro<void> gather_failure(Record* rec) {
  Ledger ledger;
  std::vector<asim::Task<void>> tasks;
  tasks.push_back(asim::create_task(worker(&ledger, rec, 1.0)));
  tasks.push_back(asim::create_task(failing(0.001)));
  tasks.push_back(asim::create_task(worker(&ledger, rec, 0.001)));
  tasks.push_back(asim::create_task(worker(&ledger, rec, 2.0)));
  (void)co_await asim::gather(tasks);
}

/// Trap 2: wait(FIRST_EXCEPTION), then return with the other tasks still pending.
/// Passes; 2 cleanups.
inline asim::Coro<void> wait_first_exception_then_return(Record* rec) {
  Ledger ledger;
  asim::Task<void> slow = asim::create_task(worker(&ledger, rec, 1.0));
  asim::Task<void> bad = asim::create_task(failing(0.001));
  asim::Task<void> slower = asim::create_task(worker(&ledger, rec, 2.0));
  asim::WaitResult result = co_await asim::wait(asim::futures(slow, bad, slower), std::nullopt, asim::FIRST_EXCEPTION);
  rec->pending_at_return = result.pending.size();
}

/// Trap 3: a timeout around children (wait_for over their gather), and a task no one
/// awaits. Passes; 3 cleanups: the gathered two cancelled by wait_for while the main
/// coroutine runs, the other by the run's end.
inline asim::Coro<void> timeout_around_children(Record* rec) {
  Ledger ledger;
  asim::Task<void> leftover = asim::create_task(worker(&ledger, rec, 5.0));
  try {
    (void)co_await asim::wait_for(
        asim::gather(asim::create_task(worker(&ledger, rec, 1.0)), asim::create_task(worker(&ledger, rec, 2.0))),
        0.01);
  } catch (const asim::TimeoutError&) {
    rec->timed_out = true;
  }
}

inline asim::Coro<void> group_body(asim::TaskGroup& group, Ledger* ledger, Record* rec) {
  group.create_task(worker(ledger, rec, 1.0));
  group.create_task(failing(0.001));
  group.create_task(worker(ledger, rec, 2.0));
  co_await asim::sleep(10);
}

/// Trap 4: a TaskGroup aborts (a child fails: the group cancels the others and
/// raises ExceptionGroup), while a task outside the group still runs. Ends with
/// ExceptionGroup; 3 cleanups.
inline asim::Coro<void> task_group_abort(Record* rec) {
  Ledger ledger;
  asim::Task<void> outside = asim::create_task(worker(&ledger, rec, 5.0));
  co_await asim::task_group(&group_body, &ledger, rec);
}

/// Trap 5: the main coroutine returns while tasks it created still run, each holding
/// a pointer to its local and cleaning up in a destructor. Passes; 3 cleanups.
inline asim::Coro<void> leftover_tasks_with_destructors(Record* rec) {
  Ledger ledger;
  for (int i = 1; i <= 3; ++i) asim::create_task(registered_worker(&ledger, rec, 0.001 * i));
  co_await asim::sleep(0.001);
}

/// Trap 6: the main coroutine is cancelled (by one of its tasks) while others run.
/// Ends with CancelledError; 2 cleanups.
inline asim::Coro<void> cancel_main(asim::AnyTask main) {
  co_await asim::sleep(0.001);
  main.cancel("stop");
}
inline asim::Coro<void> main_cancelled(Record* rec) {
  Ledger ledger;
  asim::create_task(cancel_main(asim::current_task()));
  asim::create_task(worker(&ledger, rec, 1.0));
  asim::create_task(registered_worker(&ledger, rec, 1.0));
  co_await asim::sleep(10);
}

/// Trap 7: the loop fails (a simulated deadlock) or is destroyed while the main
/// coroutine and its tasks are pending. Nothing more runs; the loop's teardown destroys
/// the frames newest first, so the destructors find the main coroutine's frame intact.
/// On a SimLoop it ends with DeadlockError; 3 cleanups.
inline asim::Coro<void> deadlock_with_leftovers(Record* rec) {
  Ledger ledger;
  asim::Future<void> never = asim::get_running_loop().create_future<void>();
  for (int i = 0; i < 3; ++i) {
    asim::create_task([](Ledger* l, Record* r, asim::Future<void> f) -> asim::Coro<void> {
      Registration registration{l, r};
      co_await f;
    }(&ledger, rec, never));
  }
  co_await never;
}

/// Swallows the first cancellation and then waits forever: the run's cleanup cannot
/// finish it.
inline asim::Coro<void> stubborn(Ledger* ledger, Record* rec) {
  Registration registration(ledger, rec);
  asim::Outcome<void> first = co_await asim::outcome_of(asim::get_running_loop().create_future<void>());
  (void)first;  // a cancellation, ignored
  co_await asim::get_running_loop().create_future<void>();
}

/// Trap 8 (simulated loop only; asyncio.run would hang): the main coroutine returns
/// and a leftover task ignores the cancellation, so the cleanup deadlocks. The loop
/// keeps the main coroutine's frame until teardown has destroyed the leftover, whose
/// destructor still reads it. Ends with DeadlockError; 1 cleanup.
inline asim::Coro<void> leftover_ignoring_cancellation(Record* rec) {
  Ledger ledger;
  asim::create_task(stubborn(&ledger, rec));
  co_await asim::sleep(0.001);
}

}  // namespace lifetime_traps
