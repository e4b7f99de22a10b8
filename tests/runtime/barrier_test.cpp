// SPDX-License-Identifier: MIT
// Barrier: release order, rounds, abort, reset, cancellation, misuse. Expected traces
// come from python/barrier_reference.py (CPython 3.11).
#include <asim/barrier.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <string>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::Barrier;
using asim::BrokenBarrierError;
using asim::Coro;
using asim::Task;
using asim::testing::Events;
using asim::testing::join_all;
using asim::testing::py;
using asim::testing::run_traced;
using asim::testing::Trace;

std::string str(std::size_t n) { return std::to_string(n); }

Coro<void> arriving_worker(Trace& rec, Barrier& barrier, std::string name) {
  rec(name + " arrives waiting=" + str(barrier.n_waiting()));
  const std::size_t index = co_await barrier.wait();
  rec(name + " passed index=" + str(index) + " waiting=" + str(barrier.n_waiting()));
}

Coro<void> barrier_releases_all(Trace& rec) {
  Barrier barrier(3);
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C", "D", "E", "F"}) {
    tasks.push_back(asim::create_task(arriving_worker(rec, barrier, name), name));
  }
  co_await join_all(rec, tasks);
  rec("done waiting=" + str(barrier.n_waiting()) + " broken=" + py(barrier.broken()));
}

Coro<void> round_worker(Trace& rec, Barrier& barrier, std::string name) {
  for (int round = 0; round < 2; ++round) {
    const std::size_t index = co_await barrier.wait();
    rec(name + " round " + std::to_string(round) + " index=" + str(index));
  }
}

Coro<void> barrier_two_rounds(Trace& rec) {
  Barrier barrier(2);
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C", "D"})
    tasks.push_back(asim::create_task(round_worker(rec, barrier, name), name));
  co_await join_all(rec, tasks);
  rec("done waiting=" + str(barrier.n_waiting()));
}

Coro<void> breakable_worker(Trace& rec, Barrier& barrier, std::string name) {
  try {
    const std::size_t index = co_await barrier.wait();
    rec(name + " passed " + str(index));
  } catch (const BrokenBarrierError& error) {
    rec(name + " broken: " + error.what());
  }
}

Coro<void> barrier_abort(Trace& rec) {
  Barrier barrier(3);
  auto a = asim::create_task(breakable_worker(rec, barrier, "A"), "A");
  auto b = asim::create_task(breakable_worker(rec, barrier, "B"), "B");
  co_await asim::sleep(0);
  rec("aborting waiting=" + str(barrier.n_waiting()));
  co_await barrier.abort();
  rec("aborted broken=" + py(barrier.broken()) + " waiting=" + str(barrier.n_waiting()));
  co_await join_all(rec, a, b);
  try {
    co_await barrier.wait();
  } catch (const BrokenBarrierError& error) {
    rec(std::string("late wait broken: ") + error.what());
  }
}

Coro<void> barrier_reset(Trace& rec) {
  Barrier barrier(3);
  auto a = asim::create_task(breakable_worker(rec, barrier, "A"), "A");
  auto b = asim::create_task(breakable_worker(rec, barrier, "B"), "B");
  co_await asim::sleep(0);
  co_await barrier.reset();
  rec("reset waiting=" + str(barrier.n_waiting()) + " broken=" + py(barrier.broken()));
  auto late = asim::create_task(breakable_worker(rec, barrier, "C"), "C");
  co_await join_all(rec, a, b);
  rec("after reset waiting=" + str(barrier.n_waiting()));
  auto d = asim::create_task(breakable_worker(rec, barrier, "D"), "D");
  auto e = asim::create_task(breakable_worker(rec, barrier, "E"), "E");
  co_await join_all(rec, late, d, e);
  rec("done waiting=" + str(barrier.n_waiting()));
}

Coro<void> cancellable_worker(Trace& rec, Barrier& barrier, std::string name) {
  try {
    const std::size_t index = co_await barrier.wait();
    rec(name + " passed " + str(index));
  } catch (const asim::CancelledError&) {
    rec(name + " cancelled waiting=" + str(barrier.n_waiting()));
    throw;
  }
}

Coro<void> barrier_cancel_waiter(Trace& rec) {
  Barrier barrier(2);
  auto a = asim::create_task(cancellable_worker(rec, barrier, "A"), "A");
  co_await asim::sleep(0);
  rec("A waits waiting=" + str(barrier.n_waiting()));
  a.cancel();
  co_await join_all(rec, a);
  rec("after cancel waiting=" + str(barrier.n_waiting()));
  auto b = asim::create_task(cancellable_worker(rec, barrier, "B"), "B");
  auto c = asim::create_task(cancellable_worker(rec, barrier, "C"), "C");
  co_await join_all(rec, b, c);
}

Coro<void> passing_worker(Trace& rec, Barrier& barrier, std::string name) {
  const std::size_t index = co_await barrier.wait();
  rec(name + " passed " + str(index));
}

Coro<void> barrier_arrival_while_draining(Trace& rec) {
  Barrier barrier(2);
  auto a = asim::create_task(passing_worker(rec, barrier, "A"), "A");
  auto b = asim::create_task(passing_worker(rec, barrier, "B"), "B");
  co_await asim::sleep(0);
  co_await asim::sleep(0);
  rec("draining waiting=" + str(barrier.n_waiting()));
  auto c = asim::create_task(passing_worker(rec, barrier, "C"), "C");
  auto d = asim::create_task(passing_worker(rec, barrier, "D"), "D");
  co_await join_all(rec, a, b, c, d);
}

}  // namespace

TEST(Barrier, TheLastArrivalPassesFirstThenReleasesTheOthersWhileLaterArrivalsWaitForTheDrain) {
  EXPECT_EQ(
      run_traced(barrier_releases_all),
      (Events{"2:A arrives waiting=0", "2:B arrives waiting=1", "2:C arrives waiting=2", "2:C passed index=2 waiting=0",
              "2:D arrives waiting=0", "2:E arrives waiting=0", "2:F arrives waiting=0", "3:A passed index=0 waiting=0",
              "3:B passed index=1 waiting=0", "4:F passed index=2 waiting=0", "5:D passed index=0 waiting=0",
              "5:E passed index=1 waiting=0", "6:done waiting=0 broken=False"}));
}

TEST(Barrier, ItCanBeUsedForManyRounds) {
  EXPECT_EQ(run_traced(barrier_two_rounds),
            (Events{"2:B round 0 index=1", "3:A round 0 index=0", "4:B round 1 index=1", "5:A round 1 index=0",
                    "6:D round 0 index=1", "7:C round 0 index=0", "8:D round 1 index=1", "9:C round 1 index=0",
                    "10:done waiting=0"}));
}

TEST(Barrier, AbortBreaksCurrentAndLaterWaitsWithBrokenBarrierError) {
  EXPECT_EQ(run_traced(barrier_abort),
            (Events{"2:aborting waiting=2", "2:aborted broken=True waiting=0", "3:A broken: Abort or reset of barrier",
                    "3:B broken: Abort or reset of barrier", "4:late wait broken: Barrier aborted"}));
}

TEST(Barrier, ResetBreaksTheWaitersAndLaterArrivalsStartANewRound) {
  EXPECT_EQ(run_traced(barrier_reset),
            (Events{"2:reset waiting=0 broken=False", "3:A broken: Abort or reset of barrier",
                    "3:B broken: Abort or reset of barrier", "4:after reset waiting=1", "5:E passed 2", "6:C passed 0",
                    "6:D passed 1", "7:done waiting=0"}));
}

TEST(Barrier, ACancelledWaiterLeavesTheCountAsIfItNeverArrived) {
  EXPECT_EQ(run_traced(barrier_cancel_waiter),
            (Events{"2:A waits waiting=1", "3:A cancelled waiting=0", "4:A ended cancelled", "4:after cancel waiting=0",
                    "5:C passed 1", "6:B passed 0"}));
}

TEST(Barrier, ArrivalsDuringTheDrainCountForTheNextRound) {
  EXPECT_EQ(run_traced(barrier_arrival_while_draining),
            (Events{"2:B passed 1", "3:A passed 0", "3:draining waiting=0", "4:D passed 1", "5:C passed 0"}));
}

namespace {

Coro<void> sweep_worker(Barrier& barrier, int& passes) {
  for (int round = 0; round < 2; ++round) {
    try {
      co_await barrier.wait();
      ++passes;
    } catch (const BrokenBarrierError&) {
      co_return;
    }
  }
}

// One case of `barrier_reference.py cancel_sweep`.
Coro<std::string> cancel_sweep_case(int victim, int iterations) {
  Barrier barrier(3);
  int passes = 0;
  std::vector<Task<void>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(asim::create_task(sweep_worker(barrier, passes)));
  for (int i = 0; i < iterations; ++i) co_await asim::sleep(0);
  tasks[static_cast<std::size_t>(victim)].cancel();
  for (int i = 0; i < 4; ++i) co_await asim::sleep(0);
  const std::size_t waiting = barrier.n_waiting();
  co_await barrier.abort();
  for (Task<void>& task : tasks) {
    try {
      co_await task;
    } catch (const asim::CancelledError&) {
    }
  }
  co_return std::to_string(victim) + "/" + std::to_string(iterations) + ": passes=" + std::to_string(passes) +
      " waiting=" + str(waiting);
}

}  // namespace

TEST(Barrier, CancellingAWaiterAtEachIterationGivesAsyncioOutcomes) {
  // Three workers wait twice on Barrier(3); one is cancelled after k iterations, then
  // the barrier is aborted. Each line is what CPython prints for that case.
  const Events expected{
      "0/0: passes=0 waiting=2", "0/1: passes=2 waiting=2", "0/2: passes=3 waiting=2", "0/3: passes=6 waiting=0",
      "0/4: passes=6 waiting=0", "0/5: passes=6 waiting=0", "0/6: passes=6 waiting=0", "0/7: passes=6 waiting=0",
      "1/0: passes=0 waiting=2", "1/1: passes=2 waiting=2", "1/2: passes=5 waiting=0", "1/3: passes=5 waiting=0",
      "1/4: passes=6 waiting=0", "1/5: passes=6 waiting=0", "1/6: passes=6 waiting=0", "1/7: passes=6 waiting=0",
      "2/0: passes=0 waiting=2", "2/1: passes=3 waiting=2", "2/2: passes=3 waiting=2", "2/3: passes=5 waiting=0",
      "2/4: passes=6 waiting=0", "2/5: passes=6 waiting=0", "2/6: passes=6 waiting=0", "2/7: passes=6 waiting=0"};
  Events seen;
  for (int victim = 0; victim < 3; ++victim) {
    for (int iterations = 0; iterations < 8; ++iterations) {
      asim::testing::ManualLoop loop;
      const std::size_t baseline = loop.callbacks_in_use();
      seen.push_back(loop.run_until_complete(cancel_sweep_case(victim, iterations)));
      EXPECT_EQ(loop.ready_count(), 0U);
      EXPECT_EQ(loop.timer_count(), 0U);
      EXPECT_EQ(loop.callbacks_in_use(), baseline);
    }
  }
  EXPECT_EQ(seen, expected);
}

TEST(Barrier, ZeroPartiesRaisesValueError) {
  try {
    Barrier barrier(0);
    FAIL() << "Barrier(0) did not throw";
  } catch (const asim::ValueError& error) {
    EXPECT_STREQ(error.what(), "parties must be > 0");
  }
}

TEST(Barrier, BrokenBarrierErrorIsARuntimeError) {
  const asim::RuntimeError& error = BrokenBarrierError("x");
  EXPECT_STREQ(error.what(), "x");
}

TEST(Barrier, DescribeShowsStateAndWaitersAsAsyncioRepr) {
  Barrier barrier(3);
  EXPECT_EQ(barrier.describe(), "Barrier [filling, waiters:0/3]");
  EXPECT_EQ(barrier.parties(), 3U);
}
