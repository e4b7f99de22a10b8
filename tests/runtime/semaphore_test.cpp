// SPDX-License-Identifier: MIT
// Semaphore and BoundedSemaphore: the concurrency limit, FIFO hand-over of permits,
// cancellation before and after the wake-up, misuse. Expected traces come from
// python/sync_reference.py on CPython 3.11.7.
#include <asim/semaphore.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::BoundedSemaphore;
using asim::Coro;
using asim::Semaphore;
using asim::Task;
using asim::testing::Events;
using asim::testing::join_all;
using asim::testing::py;
using asim::testing::run_traced;
using asim::testing::Trace;

std::string value_of(const Semaphore& sem) { return "value=" + std::to_string(sem.value()); }

Coro<void> limited_worker(Trace& rec, Semaphore& sem, std::string name) {
  co_await sem.acquire();
  rec(name + " in " + value_of(sem));
  co_await asim::sleep(0);
  co_await asim::sleep(0);
  sem.release();
  rec(name + " out");
}

Coro<void> semaphore_fifo_and_limit(Trace& rec) {
  Semaphore sem(2);
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C", "D", "E"}) {
    tasks.push_back(asim::create_task(limited_worker(rec, sem, name), name));
  }
  co_await join_all(rec, tasks);
  rec(value_of(sem));
}

Coro<void> cancellable_worker(Trace& rec, Semaphore& sem, std::string name) {
  try {
    co_await sem.acquire();
  } catch (const asim::CancelledError&) {
    rec(name + " cancelled " + value_of(sem));
    throw;
  }
  rec(name + " got " + value_of(sem));
  sem.release();
}

Coro<void> semaphore_cancel_woken(Trace& rec) {
  Semaphore sem(0);
  auto a = asim::create_task(cancellable_worker(rec, sem, "A"), "A");
  auto b = asim::create_task(cancellable_worker(rec, sem, "B"), "B");
  co_await asim::sleep(0);
  sem.release();
  a.cancel();
  rec("released, cancelled A " + value_of(sem) + " locked=" + py(sem.locked()));
  co_await join_all(rec, a, b);
  rec(value_of(sem));
}

Coro<void> semaphore_cancel_waiting(Trace& rec) {
  Semaphore sem(0);
  auto a = asim::create_task(cancellable_worker(rec, sem, "A"), "A");
  auto b = asim::create_task(cancellable_worker(rec, sem, "B"), "B");
  co_await asim::sleep(0);
  a.cancel();
  rec("cancelled A locked=" + py(sem.locked()));
  co_await asim::sleep(0);
  sem.release();
  co_await join_all(rec, a, b);
  rec(value_of(sem));
}

Coro<void> plain_worker(Trace& rec, Semaphore& sem, std::string name) {
  co_await sem.acquire();
  rec(name + " got " + value_of(sem));
}

Coro<void> semaphore_woken_waiter_wakes_next(Trace& rec) {
  Semaphore sem(0);
  auto a = asim::create_task(plain_worker(rec, sem, "A"), "A");
  co_await asim::sleep(0);
  sem.release();
  sem.release();
  rec("released twice " + value_of(sem) + " locked=" + py(sem.locked()));
  auto c = asim::create_task(plain_worker(rec, sem, "C"), "C");
  co_await join_all(rec, a, c);
  rec(value_of(sem));
}

Coro<void> releasing_worker(Trace& rec, Semaphore& sem, std::string name) {
  co_await sem.acquire();
  rec(name + " got");
  sem.release();
}

Coro<void> semaphore_newcomer_does_not_overtake(Trace& rec) {
  Semaphore sem(0);
  auto a = asim::create_task(releasing_worker(rec, sem, "A"), "A");
  co_await asim::sleep(0);
  sem.release();
  rec("main acquires locked=" + py(sem.locked()));
  co_await sem.acquire();
  rec("main got");
  sem.release();
  co_await join_all(rec, a);
  rec(value_of(sem));
}

}  // namespace

TEST(Semaphore, AtMostValueHoldersAtOnceAndWaitersEnterInFifoOrder) {
  EXPECT_EQ(run_traced(semaphore_fifo_and_limit),
            (Events{"2:A in value=1", "2:B in value=0", "4:A out", "4:B out", "5:C in value=0", "5:D in value=0",
                    "7:C out", "7:D out", "8:E in value=1", "10:E out", "11:value=2"}));
}

TEST(Semaphore, WokenWaiterCancelledBeforeItRunsGivesThePermitToTheNext) {
  EXPECT_EQ(run_traced(semaphore_cancel_woken),
            (Events{"2:released, cancelled A value=0 locked=True", "3:A cancelled value=0", "4:B got value=0",
                    "4:A ended cancelled", "4:value=1"}));
}

TEST(Semaphore, WaiterCancelledBeforeTheReleaseTakesNoPermit) {
  EXPECT_EQ(run_traced(semaphore_cancel_waiting), (Events{"2:cancelled A locked=True", "3:A cancelled value=0",
                                                          "3:A ended cancelled", "4:B got value=0", "5:value=1"}));
}

TEST(Semaphore, AWokenWaiterThatFindsPermitsLeftWakesTheNextWaiter) {
  EXPECT_EQ(run_traced(semaphore_woken_waiter_wakes_next),
            (Events{"2:released twice value=1 locked=True", "3:A got value=1", "3:C got value=0", "4:value=0"}));
}

TEST(Semaphore, NewcomerCannotTakeAPermitHandedToAWokenWaiter) {
  EXPECT_EQ(run_traced(semaphore_newcomer_does_not_overtake),
            (Events{"2:main acquires locked=True", "3:A got", "4:main got", "4:value=1"}));
}

TEST(Semaphore, NegativeInitialValueRaisesValueError) {
  try {
    Semaphore sem(-1);
    FAIL() << "Semaphore(-1) did not throw";
  } catch (const asim::ValueError& error) {
    EXPECT_STREQ(error.what(), "Semaphore initial value must be >= 0");
  }
  EXPECT_THROW(BoundedSemaphore(-1), asim::ValueError);
}

TEST(Semaphore, LockedIsTrueOnlyWhenNoPermitIsFree) {
  Semaphore sem(1);
  EXPECT_FALSE(sem.locked());
  Semaphore empty(0);
  EXPECT_TRUE(empty.locked());
  empty.release();
  EXPECT_FALSE(empty.locked());
  EXPECT_EQ(empty.value(), 1);
}

TEST(Semaphore, PlainSemaphoreMayBeReleasedAboveItsInitialValue) {
  Semaphore sem(1);
  sem.release();
  EXPECT_EQ(sem.value(), 2);
}

namespace {
Coro<int> acquire_release_bounded(BoundedSemaphore& sem) {
  co_await sem.acquire();
  co_await sem.acquire();
  sem.release();
  sem.release();
  co_return sem.value();
}
}  // namespace

TEST(BoundedSemaphore, ReleaseAboveTheInitialValueRaisesValueError) {
  asim::testing::ManualLoop loop;
  BoundedSemaphore sem(2);
  EXPECT_EQ(loop.run_until_complete(acquire_release_bounded(sem)), 2);
  try {
    sem.release();
    FAIL() << "over-release did not throw";
  } catch (const asim::ValueError& error) {
    EXPECT_STREQ(error.what(), "BoundedSemaphore released too many times");
  }
  EXPECT_EQ(sem.value(), 2);
  // Through the base class too: release is virtual.
  Semaphore& base = sem;
  EXPECT_THROW(base.release(), asim::ValueError);
}

namespace {
Coro<void> scoped_holder(Trace& rec, BoundedSemaphore& sem, std::string name) {
  auto guard = co_await sem.scoped();
  rec(name + " in " + value_of(sem));
  co_await asim::sleep(0);
}
Coro<void> bounded_scoped(Trace& rec) {
  BoundedSemaphore sem(1);
  auto a = asim::create_task(scoped_holder(rec, sem, "A"), "A");
  auto b = asim::create_task(scoped_holder(rec, sem, "B"), "B");
  co_await join_all(rec, a, b);
  rec(value_of(sem));
}
}  // namespace

TEST(BoundedSemaphore, ScopedGuardReleasesExactlyOnce) {
  EXPECT_EQ(run_traced(bounded_scoped), (Events{"2:A in value=0", "4:B in value=0", "6:value=1"}));
}

TEST(Semaphore, CancellingAnyWaiterAtAnyIterationNeverLosesAPermitOrStrandsTheOthers) {
  asim::testing::sweep_cancellations(
      4, [] { return Semaphore(2); }, [](const Semaphore& sem, const asim::testing::Occupancy& seen) {
        EXPECT_EQ(seen.max_inside, 2);
        EXPECT_GE(seen.rounds_done, 6);  // the three other workers always finish both rounds
        EXPECT_EQ(sem.value(), 2);
        EXPECT_EQ(sem.waiter_count(), 0U);
      });
}
