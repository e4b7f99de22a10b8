// SPDX-License-Identifier: MIT
// Event: set wakes every waiter in order, clear does not take a wake-up back,
// cancelled waiters. Expected traces come from python/sync_reference.py.
#include <asim/event.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <string>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::Coro;
using asim::Event;
using asim::Task;
using asim::testing::Events;
using asim::testing::join_all;
using asim::testing::py;
using asim::testing::run_traced;
using asim::testing::Trace;

Coro<void> waiter(Trace& rec, Event& ev, std::string name) {
  rec(name + " waits");
  const bool r = co_await ev.wait();
  rec(name + " woke " + py(r) + " is_set=" + py(ev.is_set()));
}

Coro<void> event_set_wakes_all(Trace& rec) {
  Event ev;
  std::vector<Task<void>> tasks;
  for (const char* name : {"A", "B", "C"}) tasks.push_back(asim::create_task(waiter(rec, ev, name), name));
  co_await asim::sleep(0);
  ev.set();
  ev.clear();
  rec("set and cleared");
  co_await join_all(rec, tasks);
  auto d = asim::create_task(waiter(rec, ev, "D"), "D");
  co_await asim::sleep(0);
  ev.set();
  const bool r = co_await ev.wait();
  rec("main wait on set event " + py(r));
  co_await join_all(rec, d);
}

Coro<void> cancellable_waiter(Trace& rec, Event& ev, std::string name) {
  try {
    co_await ev.wait();
  } catch (const asim::CancelledError&) {
    rec(name + " cancelled");
    throw;
  }
  rec(name + " woke");
}

Coro<void> event_cancel_waiter(Trace& rec) {
  Event ev;
  auto a = asim::create_task(cancellable_waiter(rec, ev, "A"), "A");
  auto b = asim::create_task(cancellable_waiter(rec, ev, "B"), "B");
  co_await asim::sleep(0);
  ev.set();
  a.cancel();
  co_await join_all(rec, a, b);
}

}  // namespace

TEST(Event, SetWakesEveryWaiterInOrderAndAClearAfterwardsDoesNotStopThem) {
  EXPECT_EQ(run_traced(event_set_wakes_all),
            (Events{"2:A waits", "2:B waits", "2:C waits", "2:set and cleared", "3:A woke True is_set=False",
                    "3:B woke True is_set=False", "3:C woke True is_set=False", "5:D waits",
                    "5:main wait on set event True", "6:D woke True is_set=True"}));
}

TEST(Event, WaiterCancelledAfterSetRaisesCancelledErrorAndOthersStillWake) {
  EXPECT_EQ(run_traced(event_cancel_waiter), (Events{"3:A cancelled", "3:B woke", "4:A ended cancelled"}));
}

TEST(Event, StartsClearAndFollowsSetAndClear) {
  Event ev;
  EXPECT_FALSE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.clear();
  EXPECT_FALSE(ev.is_set());
}

namespace {
Coro<std::string> waiter_label(Event& ev) {
  auto task = asim::create_task(ev.wait());
  co_await asim::sleep(0);
  std::string label = task.task().awaiting()->describe();
  task.cancel();
  try {
    co_await task;
  } catch (const asim::CancelledError&) {
  }
  co_return label + " waiters=" + std::to_string(ev.waiter_count());
}
}  // namespace

TEST(Event, AWaitingTaskAwaitsAFutureLabelledEventWaitAndCancellationUnlinksIt) {
  asim::testing::ManualLoop loop;
  Event ev;
  EXPECT_EQ(loop.run_until_complete(waiter_label(ev)), "Event.wait waiters=0");
  EXPECT_EQ(loop.ready_count(), 0U);
}
