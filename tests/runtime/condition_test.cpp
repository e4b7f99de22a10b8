// SPDX-License-Identifier: MIT
// Condition: notify / notify_all order, wait_for, re-acquiring the lock on
// cancellation, misuse. Expected traces come from python/sync_reference.py.
#include <asim/condition.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <string>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::Condition;
using asim::Coro;
using asim::Task;
using asim::testing::Events;
using asim::testing::join_all;
using asim::testing::py;
using asim::testing::run_traced;
using asim::testing::Trace;

Coro<void> notified_waiter(Trace& rec, Condition& cond, std::string name) {
  auto guard = co_await cond.scoped();
  rec(name + " waits");
  const bool r = co_await cond.wait();
  rec(name + " woke " + py(r) + " locked=" + py(cond.locked()));
}

Coro<void> condition_notify(Trace& rec) {
  Condition cond;
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C", "D"}) {
    tasks.push_back(asim::create_task(notified_waiter(rec, cond, name), name));
  }
  co_await asim::sleep(0);
  {
    auto guard = co_await cond.scoped();
    cond.notify();
    cond.notify();
    rec("notified 2");
    co_await asim::sleep(0);
    rec("main still holds");
  }
  co_await asim::sleep(0);
  {
    auto guard = co_await cond.scoped();
    cond.notify_all();
    rec("notified all");
  }
  co_await join_all(rec, tasks);
}

Coro<void> consumer(Trace& rec, Condition& cond, int& state, std::string name, int target) {
  auto guard = co_await cond.scoped();
  struct Pred {
    int* state;
    int target;
    int operator()() const { return *state >= target ? *state : 0; }
  };
  const int r = co_await cond.wait_for(Pred{&state, target});
  rec(name + " saw " + std::to_string(r));
}

Coro<void> condition_wait_for(Trace& rec) {
  Condition cond;
  int state = 0;
  auto a = asim::create_task(consumer(rec, cond, state, "A", 2), "A");
  auto b = asim::create_task(consumer(rec, cond, state, "B", 1), "B");
  for (int i = 0; i < 3; ++i) {
    co_await asim::sleep(0);
    auto guard = co_await cond.scoped();
    state += 1;
    rec("state " + std::to_string(state));
    cond.notify_all();
  }
  co_await join_all(rec, a, b);
}

Coro<void> cancellable_waiter(Trace& rec, Condition& cond, std::string name) {
  co_await cond.acquire();
  try {
    co_await cond.wait();
    rec(name + " woke");
  } catch (const asim::CancelledError& error) {
    rec(name + " cancelled locked=" + py(cond.locked()) + " msg=(" + error.message() + ")");
    cond.release();
    throw;
  }
  cond.release();
}

Coro<void> condition_cancel_while_waiting(Trace& rec) {
  Condition cond;
  auto a = asim::create_task(cancellable_waiter(rec, cond, "A"), "A");
  co_await asim::sleep(0);
  co_await cond.acquire();
  a.cancel();
  rec("main holds lock, cancelled A");
  co_await asim::sleep(0);
  co_await asim::sleep(0);
  rec("main releases");
  cond.release();
  co_await join_all(rec, a);
}

Coro<void> condition_cancel_while_reacquiring(Trace& rec) {
  Condition cond;
  auto a = asim::create_task(cancellable_waiter(rec, cond, "A"), "A");
  co_await asim::sleep(0);
  co_await cond.acquire();
  cond.notify();
  co_await asim::sleep(0);
  rec("A now waits for the lock");
  a.cancel("stop");
  co_await asim::sleep(0);
  rec("main releases");
  cond.release();
  co_await join_all(rec, a);
}

}  // namespace

TEST(Condition, NotifyWakesWaitersInFifoOrderEachReacquiringTheLockInTurn) {
  EXPECT_EQ(run_traced(condition_notify),
            (Events{"2:A waits", "2:B waits", "2:C waits", "2:D waits", "2:notified 2", "3:main still holds",
                    "4:A woke True locked=True", "5:B woke True locked=True", "6:notified all",
                    "7:C woke True locked=True", "7:D woke True locked=True"}));
}

TEST(Condition, WaitForReturnsThePredicateValueOnceItHolds) {
  EXPECT_EQ(run_traced(condition_wait_for), (Events{"2:state 1", "3:B saw 1", "3:state 2", "4:A saw 2", "4:state 3"}));
}

TEST(Condition, CancelledWaiterRaisesOnlyAfterItHoldsTheLockAgain) {
  // asyncio prints msg=() here: the message of the cancel is not carried.
  EXPECT_EQ(run_traced(condition_cancel_while_waiting),
            (Events{"2:main holds lock, cancelled A", "4:main releases", "5:A cancelled locked=True msg=()",
                    "6:A ended cancelled"}));
}

TEST(Condition, CancelWhileReacquiringKeepsWaitingForTheLockThenRaisesAFreshCancelledError) {
  EXPECT_EQ(run_traced(condition_cancel_while_reacquiring),
            (Events{"3:A now waits for the lock", "4:main releases", "5:A cancelled locked=True msg=()",
                    "6:A ended cancelled"}));
}

namespace {
Coro<void> wait_unlocked(Condition& cond) { co_await cond.wait(); }
}  // namespace

TEST(Condition, WaitAndNotifyWithoutTheLockRaiseRuntimeError) {
  asim::testing::ManualLoop loop;
  Condition cond;
  try {
    loop.run_until_complete(wait_unlocked(cond));
    FAIL() << "wait() without the lock did not throw";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "cannot wait on un-acquired lock");
  }
  try {
    cond.notify();
    FAIL() << "notify() without the lock did not throw";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "cannot notify on un-acquired lock");
  }
  EXPECT_THROW(cond.notify_all(), asim::RuntimeError);
}

namespace {
Coro<bool> shares_lock(asim::Lock& lock, Condition& cond) {
  co_await lock.acquire();
  const bool seen = cond.locked();
  cond.release();
  co_return seen && !lock.locked();
}
}  // namespace

TEST(Condition, AConditionOverAGivenLockUsesThatLock) {
  asim::testing::ManualLoop loop;
  asim::Lock lock;
  Condition cond(lock);
  EXPECT_TRUE(loop.run_until_complete(shares_lock(lock, cond)));
}
