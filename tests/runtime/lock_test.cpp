// SPDX-License-Identifier: MIT
// Lock: FIFO fairness, cancellation before and after the wake-up, misuse, loop
// binding. Expected traces come from python/sync_reference.py on CPython 3.11.7.
#include <asim/lock.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::Coro;
using asim::Lock;
using asim::Task;
using asim::testing::Events;
using asim::testing::join_all;
using asim::testing::py;
using asim::testing::run_traced;
using asim::testing::Trace;

Coro<void> fifo_worker(Trace& rec, Lock& lock, std::string name) {
  rec(name + " wants");
  co_await lock.acquire();
  rec(name + " got");
  co_await asim::sleep(0);
  lock.release();
  rec(name + " released");
}

Coro<void> lock_fifo(Trace& rec) {
  Lock lock;
  co_await lock.acquire();
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C"}) tasks.push_back(asim::create_task(fifo_worker(rec, lock, name), name));
  co_await asim::sleep(0);
  rec("main releases");
  lock.release();
  co_await join_all(rec, tasks);
}

Coro<void> cancellable_worker(Trace& rec, Lock& lock, std::string name) {
  try {
    co_await lock.acquire();
  } catch (const asim::CancelledError&) {
    rec(name + " cancelled locked=" + py(lock.locked()));
    throw;
  }
  rec(name + " got");
  lock.release();
}

Coro<void> lock_cancel_woken(Trace& rec) {
  Lock lock;
  co_await lock.acquire();
  auto a = asim::create_task(cancellable_worker(rec, lock, "A"), "A");
  auto b = asim::create_task(cancellable_worker(rec, lock, "B"), "B");
  co_await asim::sleep(0);
  lock.release();
  a.cancel();
  rec("released and cancelled A locked=" + py(lock.locked()));
  co_await join_all(rec, a, b);
}

Coro<void> lock_cancel_waiting(Trace& rec) {
  Lock lock;
  co_await lock.acquire();
  auto a = asim::create_task(cancellable_worker(rec, lock, "A"), "A");
  auto b = asim::create_task(cancellable_worker(rec, lock, "B"), "B");
  co_await asim::sleep(0);
  a.cancel();
  co_await asim::sleep(0);
  rec("main releases");
  lock.release();
  co_await join_all(rec, a, b);
}

Coro<void> simple_worker(Trace& rec, Lock& lock, std::string name) {
  co_await lock.acquire();
  rec(name + " got");
  lock.release();
}

Coro<void> lock_newcomer_queues_behind_woken(Trace& rec) {
  Lock lock;
  co_await lock.acquire();
  auto a = asim::create_task(simple_worker(rec, lock, "A"), "A");
  co_await asim::sleep(0);
  lock.release();
  rec("main re-acquires locked=" + py(lock.locked()));
  co_await lock.acquire();
  rec("main got");
  lock.release();
  co_await join_all(rec, a);
}

Coro<void> lock_fast_path_when_all_waiters_cancelled(Trace& rec) {
  Lock lock;
  co_await lock.acquire();
  auto a = asim::create_task(cancellable_worker(rec, lock, "A"), "A");
  co_await asim::sleep(0);
  a.cancel();
  lock.release();
  co_await lock.acquire();
  rec("main got at once");
  lock.release();
  co_await join_all(rec, a);
}

}  // namespace

TEST(Lock, WaitersAcquireInFifoOrderOneIterationAfterEachRelease) {
  EXPECT_EQ(run_traced(lock_fifo), (Events{"2:A wants", "2:B wants", "2:C wants", "2:main releases", "3:A got",
                                           "4:A released", "5:B got", "6:B released", "7:C got", "8:C released"}));
}

TEST(Lock, WokenWaiterCancelledBeforeItRunsPassesTheWakeUpToTheNext) {
  EXPECT_EQ(run_traced(lock_cancel_woken), (Events{"2:released and cancelled A locked=False",
                                                   "3:A cancelled locked=False", "4:B got", "4:A ended cancelled"}));
}

TEST(Lock, WaiterCancelledBeforeTheReleaseLeavesTheQueueToTheNext) {
  EXPECT_EQ(run_traced(lock_cancel_waiting),
            (Events{"3:A cancelled locked=True", "3:main releases", "3:A ended cancelled", "4:B got"}));
}

TEST(Lock, NewcomerQueuesBehindAWokenWaiterInsteadOfTakingTheFreeLock) {
  EXPECT_EQ(run_traced(lock_newcomer_queues_behind_woken),
            (Events{"2:main re-acquires locked=False", "3:A got", "4:main got"}));
}

TEST(Lock, FreeLockWithOnlyCancelledWaitersIsTakenWithoutYielding) {
  EXPECT_EQ(run_traced(lock_fast_path_when_all_waiters_cancelled),
            (Events{"2:main got at once", "3:A cancelled locked=False", "4:A ended cancelled"}));
}

namespace {
Coro<bool> acquire_twice_then_release(Lock& lock) {
  const bool first = co_await lock.acquire();
  lock.release();
  const bool second = co_await lock.acquire();
  lock.release();
  co_return first&& second && !lock.locked();
}
}  // namespace

TEST(Lock, UncontendedAcquireReturnsTrueWithoutRunningAnIteration) {
  asim::testing::ManualLoop loop;
  Lock lock;
  EXPECT_TRUE(loop.run_until_complete(acquire_twice_then_release(lock)));
  // One iteration for the task's step, one for asyncio's _run_until_complete_cb.
  EXPECT_EQ(loop.iteration(), 2U);
}

TEST(Lock, ReleasingAnUnlockedLockRaisesRuntimeError) {
  Lock lock;
  try {
    lock.release();
    FAIL() << "release() of an unlocked lock did not throw";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "Lock is not acquired.");
  }
}

namespace {
Coro<void> hold_for(Lock& lock, double seconds) {
  co_await lock.acquire();
  co_await asim::sleep(seconds);
  lock.release();
}
Coro<std::string> wait_and_describe(Lock& lock) {
  auto holder = asim::create_task(hold_for(lock, 1.0));
  co_await asim::sleep(0);
  auto waiter = asim::create_task(hold_for(lock, 0.0));
  co_await asim::sleep(0);
  std::string label = waiter.task().awaiting() != nullptr ? waiter.task().awaiting()->describe() : "nothing";
  co_await holder;
  co_await waiter;
  co_return label;
}
}  // namespace

TEST(Lock, AWaitingTaskAwaitsAFutureLabelledLockAcquire) {
  asim::testing::ManualLoop loop;
  Lock lock;
  EXPECT_EQ(loop.run_until_complete(wait_and_describe(lock)), "Lock.acquire");
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(lock.waiter_count(), 0U);
  EXPECT_EQ(loop.timer_count(), 0U);
}

namespace {
Coro<void> contend(Lock& lock) {
  co_await lock.acquire();
  auto waiter = asim::create_task(hold_for(lock, 0.0));
  co_await asim::sleep(0);
  lock.release();
  co_await waiter;
}
}  // namespace

TEST(Lock, WaitingFromASecondLoopRaisesRuntimeError) {
  Lock lock;
  {
    asim::testing::ManualLoop first;
    first.run_until_complete(contend(lock));  // binds the lock to `first`
  }
  asim::testing::ManualLoop second;
  try {
    second.run_until_complete(contend(lock));
    FAIL() << "waiting from a second loop did not throw";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "Lock is bound to a different event loop");
  }
  EXPECT_FALSE(lock.locked());
}

namespace {
Coro<void> use_uncontended(Lock& lock) {
  co_await lock.acquire();
  lock.release();
}
}  // namespace

TEST(Lock, ALockThatNeverMadeATaskWaitIsUsableFromAnyLoop) {
  Lock lock;
  {
    asim::testing::ManualLoop first;
    first.run_until_complete(use_uncontended(lock));
  }
  asim::testing::ManualLoop second;
  EXPECT_NO_THROW(second.run_until_complete(contend(lock)));
}

namespace {
Coro<void> scoped_worker(Trace& rec, Lock& lock, std::string name) {
  auto guard = co_await lock.scoped();
  rec(name + " inside locked=" + py(lock.locked()));
  co_await asim::sleep(0);
}
Coro<void> scoped_scenario(Trace& rec) {
  Lock lock;
  auto a = asim::create_task(scoped_worker(rec, lock, "A"), "A");
  auto b = asim::create_task(scoped_worker(rec, lock, "B"), "B");
  co_await join_all(rec, a, b);
  rec("after locked=" + py(lock.locked()));
}
}  // namespace

TEST(Lock, ScopedGuardReleasesWhenItGoesOutOfScopeLikeAsyncWith) {
  // asyncio: `async with lock: rec(...); await asyncio.sleep(0)` in two tasks.
  EXPECT_EQ(run_traced(scoped_scenario),
            (Events{"2:A inside locked=True", "4:B inside locked=True", "6:after locked=False"}));
}

namespace {
Coro<void> wait_forever_on(Lock& lock) { co_await lock.acquire(); }
Coro<void> park_waiter(Lock& lock) {
  co_await lock.acquire();
  asim::create_task(wait_forever_on(lock));
  co_await asim::sleep(0);
}
}  // namespace

TEST(Lock, ReleaseErrorIsWhatReleaseWouldRaiseGivenBack) {
  Lock lock;
  const std::exception_ptr error = lock.release_error();
  ASSERT_NE(error, nullptr);
  try {
    std::rethrow_exception(error);
  } catch (const asim::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Lock is not acquired.");
  }
  EXPECT_THROW(lock.release(), asim::RuntimeError);
  asim::run([&lock]() -> Coro<void> {
    co_await lock.acquire();
    EXPECT_EQ(lock.release_error(), nullptr);
    lock.release();
  }());
}

TEST(Lock, DestroyingTheLoopWithAParkedWaiterUnlinksIt) {
  Lock lock;
  {
    asim::testing::ManualLoop loop;
    loop.set_exception_handler([](asim::EventLoop&, const asim::ExceptionContext&) {});
    loop.run_until_complete(asim::Future<void>(loop.create_task(park_waiter(lock))));  // leaves the waiter pending
    EXPECT_EQ(lock.waiter_count(), 1U);
  }
  EXPECT_EQ(lock.waiter_count(), 0U);
}

TEST(Lock, DestroyingTheLockBeforeTheLoopLeavesTheParkedWaiterDetached) {
  asim::testing::ManualLoop loop;
  loop.set_exception_handler([](asim::EventLoop&, const asim::ExceptionContext&) {});
  {
    Lock lock;
    loop.run_until_complete(asim::Future<void>(loop.create_task(park_waiter(lock))));  // leaves the waiter pending
    EXPECT_EQ(lock.waiter_count(), 1U);
  }
  // The loop's destructor now destroys the waiting frame; its waiter must not touch
  // the dead lock (AddressSanitizer checks this).
}

TEST(Lock, CancellingAnyWaiterAtAnyIterationNeverStrandsTheOthersOrLeaksTheLock) {
  asim::testing::sweep_cancellations(3, [] { return Lock(); }, [](const Lock& lock, const asim::testing::Occupancy& seen) {
    EXPECT_EQ(seen.max_inside, 1);
    EXPECT_GE(seen.rounds_done, 4);  // the two other workers always finish both rounds
    EXPECT_FALSE(lock.locked());
    EXPECT_EQ(lock.waiter_count(), 0U);
  });
}
