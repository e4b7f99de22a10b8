// SPDX-License-Identifier: MIT
// Tests of EventLoop: scheduling order, timers, run/stop/close, errors, teardown.
#include <asim/future.hpp>
#include <asim/loop.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::testing::ManualLoop;
using asim::testing::Recorder;
using asim::testing::WouldBlockForever;

/// Counts live instances, so a test can prove a coroutine frame was destroyed.
struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  Counted& operator=(const Counted&) = default;
  ~Counted() { --live; }
};

asim::Coro<int> return_value(int value) { co_return value; }

asim::Coro<void> hold_until(asim::Future<void> never, Counted held, bool* finished) {
  (void)held;
  co_await never;
  *finished = true;
}

asim::Coro<void> record_current_task(asim::TaskBase** seen) {
  *seen = asim::get_running_loop().current_task();
  co_return;
}

asim::Coro<void> wait_on(asim::Future<void> future) { co_await future; }

asim::Coro<void> call_run_forever(std::string* error) {
  try {
    asim::get_running_loop().run_forever();
  } catch (const asim::RuntimeError& e) {
    *error = e.what();
  }
  co_return;
}

}  // namespace

// -- call_soon ----------------------------------------------------------------

TEST(EventLoop, CallSoonRunsCallbacksInFifoOrder) {
  ManualLoop loop;
  Recorder rec;
  for (const char* name : {"a", "b", "c", "d"}) loop.call_soon([&rec, name] { rec(name); });
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(loop.ready_count(), 0u);
}

TEST(EventLoop, CallSoonPassesArguments) {
  ManualLoop loop;
  int sum = 0;
  loop.call_soon([&sum](int a, int b) { sum = a + b; }, 2, 40);
  loop.run_once();
  EXPECT_EQ(sum, 42);
}

TEST(EventLoop, WhatACallbackSchedulesRunsInTheNextIteration) {
  ManualLoop loop;
  Recorder rec;
  loop.call_soon([&] {
    rec("first:" + std::to_string(loop.iteration()));
    loop.call_soon([&] { rec("nested:" + std::to_string(loop.iteration())); });
  });
  loop.call_soon([&] { rec("second:" + std::to_string(loop.iteration())); });
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"first:1", "second:1"}));
  EXPECT_EQ(loop.ready_count(), 1u);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"first:1", "second:1", "nested:2"}));
}

TEST(EventLoop, RunOnceWithNothingToDoWouldBlockForever) {
  ManualLoop loop;
  EXPECT_THROW(loop.run_once(), WouldBlockForever);
}

TEST(EventLoop, GetRunningLoopInsideACallbackIsTheLoopAndOutsideThrows) {
  ManualLoop loop;
  asim::EventLoop* seen = nullptr;
  loop.call_soon([&seen] { seen = &asim::get_running_loop(); });
  loop.run_once();
  EXPECT_EQ(seen, &loop);
  EXPECT_EQ(asim::running_loop(), nullptr);
  EXPECT_THROW((void)asim::get_running_loop(), asim::RuntimeError);
}

// -- timers -------------------------------------------------------------------

TEST(EventLoop, CallLaterFiresInDeadlineOrderAndAdvancesTheManualClock) {
  ManualLoop loop;
  Recorder rec;
  loop.call_later(0.003, [&] { rec("3ms"); });
  loop.call_later(0.001, [&] { rec("1ms"); });
  loop.call_later(0.002, [&] { rec("2ms"); });
  EXPECT_EQ(loop.timer_count(), 3u);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"1ms"}));
  EXPECT_EQ(loop.time_ns(), 1'000'000);
  loop.run_once();
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"1ms", "2ms", "3ms"}));
  EXPECT_DOUBLE_EQ(loop.time(), 0.003);
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(EventLoop, TimerCountStaysExactWhenACancelledTimerComesDueInABatch) {
  // The cancelled timer is not at the top of the heap, so it leaves the heap by coming
  // due with the live one (asyncio's cancelled count is not decreased on that path).
  ManualLoop loop;
  Recorder rec;
  loop.call_later(1.0, [&] { rec("live"); });
  asim::TimerHandle cancelled = loop.call_later(1.0, [&] { rec("cancelled"); });
  loop.call_later(5.0, [&] { rec("later"); });
  cancelled.cancel();
  EXPECT_EQ(loop.timer_count(), 2u);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"live"}));
  EXPECT_EQ(loop.timer_count(), 1u);
}

TEST(EventLoop, DueTimersFireInOneBatchInDeadlineOrderAfterReadyCallbacks) {
  ManualLoop loop;
  Recorder rec;
  loop.call_later(0.002, [&] { rec("t2"); });
  loop.call_later(0.001, [&] { rec("t1"); });
  loop.call_soon([&] { rec("ready"); });
  loop.manual_clock().set(5'000'000);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"ready", "t1", "t2"}));
  EXPECT_EQ(loop.iteration(), 1u);
}

TEST(EventLoop, ATimerIsDueWhenItsDeadlineIsBeforeNowPlusOneNanosecond) {
  ManualLoop loop;
  Recorder rec;
  loop.manual_clock().set(1000);
  loop.call_soon([&] { rec("ready"); });
  loop.call_at_ns(1001, [&] { rec("now+1ns"); });
  loop.call_at_ns(1000, [&] { rec("now"); });
  loop.run_once();  // polls with timeout 0: the clock stays at 1000
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"ready", "now"}));
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"ready", "now", "now+1ns"}));
  EXPECT_EQ(loop.time_ns(), 1001);
}

TEST(EventLoop, TimersWithEqualDeadlinesFireInArmingOrder) {
  ManualLoop loop;
  Recorder rec;
  for (const char* name : {"a", "b", "c", "d", "e"}) loop.call_later(1.0, [&rec, name] { rec(name); });
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(EventLoop, NegativeDelaysAreDueAtOnceInDeadlineOrder) {
  ManualLoop loop;
  Recorder rec;
  loop.manual_clock().set(10'000'000'000);
  loop.call_later(-1.0, [&] { rec("-1s"); });
  loop.call_later(-2.0, [&] { rec("-2s"); });
  loop.call_later(0.0, [&] { rec("0s"); });
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"-2s", "-1s", "0s"}));
  EXPECT_EQ(loop.time_ns(), 10'000'000'000);
}

TEST(EventLoop, CallAtUsesLoopTimeInSeconds) {
  ManualLoop loop;
  Recorder rec;
  loop.manual_clock().set(2'000'000'000);
  asim::TimerHandle handle = loop.call_at(2.5, [&] { rec("at 2.5"); });
  EXPECT_DOUBLE_EQ(handle.when(), 2.5);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"at 2.5"}));
  EXPECT_EQ(loop.time_ns(), 2'500'000'000);
}

TEST(EventLoop, CallLaterWithAChronoDuration) {
  ManualLoop loop;
  bool fired = false;
  asim::TimerHandle handle = loop.call_later(std::chrono::milliseconds(250), [&fired] { fired = true; });
  EXPECT_DOUBLE_EQ(handle.when(), 0.25);
  loop.run_once();
  EXPECT_TRUE(fired);
}

TEST(EventLoop, NanOrInfiniteDelaysThrowInvalidArgument) {
  ManualLoop loop;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(loop.call_later(nan, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.call_later(inf, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.call_later(-inf, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.call_at(nan, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.call_at(inf, [] {}), std::invalid_argument);
  EXPECT_EQ(loop.timer_count(), 0u);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(EventLoop, HugeDelaysSaturateInsteadOfOverflowing) {
  ManualLoop loop;
  Recorder rec;
  loop.manual_clock().set(1'000'000'000);
  asim::TimerHandle far = loop.call_later(1e300, [&] { rec("far"); });
  loop.call_later(1.0, [&] { rec("near"); });
  EXPECT_GT(far.when(), 1e9);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"near"}));
}

// -- handles ------------------------------------------------------------------

TEST(Handle, CancelBeforeRunSkipsTheCallback) {
  ManualLoop loop;
  Recorder rec;
  asim::Handle handle = loop.call_soon([&] { rec("cancelled"); });
  loop.call_soon([&] { rec("kept"); });
  EXPECT_FALSE(handle.cancelled());
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"kept"}));
}

TEST(Handle, CancelTwiceIsHarmless) {
  ManualLoop loop;
  int runs = 0;
  asim::Handle handle = loop.call_soon([&runs] { ++runs; });
  handle.cancel();
  handle.cancel();
  loop.call_soon([] {});
  loop.run_once();
  EXPECT_EQ(runs, 0);
  EXPECT_TRUE(handle.cancelled());
}

TEST(Handle, CancelAfterRunOnlyMarksItCancelled) {
  ManualLoop loop;
  int runs = 0;
  asim::Handle handle = loop.call_soon([&runs] { ++runs; });
  loop.run_once();
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());  // asyncio sets _cancelled even after the run
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(loop.ready_count(), 0u);
}

TEST(Handle, CallbackCancellingItselfWhileRunningFinishesNormally) {
  ManualLoop loop;
  asim::Handle handle;
  int after = 0;
  handle = loop.call_soon([&handle, &after] {
    handle.cancel();
    ++after;  // the callable must still be alive here
  });
  loop.run_once();
  EXPECT_EQ(after, 1);
}

TEST(Handle, DefaultHandleRefersToNothing) {
  asim::Handle handle;
  EXPECT_FALSE(handle);
  EXPECT_FALSE(handle.cancelled());
  handle.cancel();
  asim::TimerHandle timer;
  EXPECT_EQ(timer.when(), 0.0);
}

TEST(Handle, CopiesShareOneCallbackFreedWithTheLastCopy) {
  ManualLoop loop;
  {
    asim::Handle a = loop.call_soon([] {});
    asim::Handle b = a;
    b.cancel();
    EXPECT_TRUE(a.cancelled());
    loop.call_soon([] {});
    loop.run_once();
    EXPECT_EQ(loop.callbacks_in_use(), 1u);  // a and b still hold the node
  }
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(TimerHandle, CancelBeforeItFiresSkipsIt) {
  ManualLoop loop;
  Recorder rec;
  asim::TimerHandle first = loop.call_later(1.0, [&] { rec("1s"); });
  loop.call_later(2.0, [&] { rec("2s"); });
  first.cancel();
  EXPECT_TRUE(first.cancelled());
  EXPECT_EQ(loop.timer_count(), 1u);
  loop.run_once();  // drops the cancelled head, then waits for the 2s timer
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"2s"}));
  EXPECT_EQ(loop.time_ns(), 2'000'000'000);
}

TEST(TimerHandle, WhenIsTheDeadlineInLoopSeconds) {
  ManualLoop loop;
  loop.manual_clock().set(1'500'000'000);
  asim::TimerHandle handle = loop.call_later(0.25, [] {});
  EXPECT_DOUBLE_EQ(handle.when(), 1.75);
  handle.cancel();
  EXPECT_DOUBLE_EQ(handle.when(), 1.75);
}

TEST(TimerHandle, CancelTwiceCountsOnce) {
  ManualLoop loop;
  asim::TimerHandle keep = loop.call_later(1.0, [] {});
  asim::TimerHandle handle = loop.call_later(2.0, [] {});
  handle.cancel();
  handle.cancel();
  EXPECT_EQ(loop.timer_count(), 1u);
  loop.run_once();
  loop.call_soon([] {});
  loop.run_once();
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(TimerHandle, CancelAfterItFiredChangesNoCount) {
  ManualLoop loop;
  asim::TimerHandle handle = loop.call_later(1.0, [] {});
  loop.run_once();
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  EXPECT_EQ(loop.timer_count(), 0u);
  loop.call_later(1.0, [] {});
  EXPECT_EQ(loop.timer_count(), 1u);
}

TEST(TimerHandle, CancelledTimersAreDroppedLazilyWhenTheyReachTheTop) {
  ManualLoop loop;
  loop.call_later(1.0, [] {});
  loop.call_later(2.0, [] {}).cancel();
  EXPECT_EQ(loop.timer_count(), 1u);
  EXPECT_EQ(loop.callbacks_in_use(), 2u);  // the cancelled timer still sits in the heap
  loop.run_once();
  EXPECT_EQ(loop.callbacks_in_use(), 1u);
  loop.call_soon([] {});
  loop.run_once();  // the cancelled timer is now at the top: dropped
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
  EXPECT_EQ(loop.timer_count(), 0u);
  EXPECT_EQ(loop.time_ns(), 1'000'000'000);  // never waited for the cancelled 2s
}

TEST(TimerHandle, HeapIsCompactedWhenMoreThanHalfOfOverAHundredTimersAreCancelled) {
  ManualLoop loop;
  loop.call_later(1.0, [] {});
  for (int i = 0; i < 100; ++i) loop.call_later(10.0 + i, [] {}).cancel();
  EXPECT_EQ(loop.callbacks_in_use(), 101u);
  EXPECT_EQ(loop.timer_count(), 1u);
  loop.call_soon([] {});
  loop.run_once();  // 101 timers, 100 cancelled: compacted before polling
  EXPECT_EQ(loop.callbacks_in_use(), 1u);
  EXPECT_EQ(loop.timer_count(), 1u);
  loop.run_once();
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(TimerHandle, HeapOfAHundredTimersIsNotCompacted) {
  ManualLoop loop;
  loop.call_later(1.0, [] {});
  for (int i = 0; i < 99; ++i) loop.call_later(10.0 + i, [] {}).cancel();
  loop.call_soon([] {});
  loop.run_once();  // 100 timers is not more than _MIN_SCHEDULED_TIMER_HANDLES
  EXPECT_EQ(loop.callbacks_in_use(), 100u);
  EXPECT_EQ(loop.timer_count(), 1u);
}

TEST(TimerHandle, HeapIsNotCompactedWhenHalfOrLessIsCancelled) {
  ManualLoop loop;
  for (int i = 0; i < 51; ++i) loop.call_later(1.0 + i, [] {});
  for (int i = 0; i < 50; ++i) loop.call_later(100.0 + i, [] {}).cancel();
  loop.call_soon([] {});
  loop.run_once();  // 50 of 101 cancelled: below the fraction
  EXPECT_EQ(loop.callbacks_in_use(), 101u);
  EXPECT_EQ(loop.timer_count(), 51u);
}

TEST(TimerHandle, HeapIsCompactedWhenJustOverHalfIsCancelled) {
  ManualLoop loop;
  for (int i = 0; i < 50; ++i) loop.call_later(1.0 + i, [] {});
  for (int i = 0; i < 51; ++i) loop.call_later(100.0 + i, [] {}).cancel();
  loop.call_soon([] {});
  loop.run_once();  // 51 of 101 cancelled
  EXPECT_EQ(loop.callbacks_in_use(), 50u);
  EXPECT_EQ(loop.timer_count(), 50u);
}

// -- run_until_complete, run_forever, stop ----------------------------------

TEST(EventLoop, RunUntilCompleteOfACoroutineReturnsItsValue) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(return_value(7)), 7);
  EXPECT_EQ(loop.iteration(), 2u);  // the step, then asyncio's stop callback
  EXPECT_FALSE(loop.is_running());
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(EventLoop, RunUntilCompleteOfAFutureReturnsItsResult) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  loop.call_soon([future]() mutable { future.set_result(11); });
  EXPECT_EQ(loop.run_until_complete(future), 11);
  EXPECT_EQ(loop.iteration(), 2u);
}

TEST(EventLoop, RunUntilCompleteOfADoneFutureRunsOneIteration) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_result(5);
  EXPECT_EQ(loop.run_until_complete(future), 5);
  EXPECT_EQ(loop.iteration(), 1u);
}

TEST(EventLoop, RunUntilCompleteRethrowsTheFuturesException) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_exception(std::out_of_range("boom"));
  EXPECT_THROW(loop.run_until_complete(future), std::out_of_range);
}

TEST(EventLoop, RunUntilCompleteStoppedEarlyThrowsRuntimeError) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  loop.call_soon([&loop] { loop.stop(); });
  try {
    loop.run_until_complete(future);
    FAIL() << "expected RuntimeError";
  } catch (const asim::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Event loop stopped before Future completed.");
  }
  future.set_result(1);
  EXPECT_EQ(loop.run_until_complete(future), 1);
}

TEST(EventLoop, RunUntilCompleteOfAFutureOfAnotherLoopThrowsValueError) {
  ManualLoop loop;
  ManualLoop other;
  asim::Future<int> future = other.create_future<int>();
  EXPECT_THROW(loop.run_until_complete(future), asim::ValueError);
}

TEST(EventLoop, RunForeverRunsUntilStop) {
  ManualLoop loop;
  int ticks = 0;
  loop.call_later(3.0, [&loop] { loop.stop(); });
  loop.call_soon([&ticks] { ++ticks; });
  loop.run_forever();
  EXPECT_EQ(ticks, 1);
  EXPECT_EQ(loop.time_ns(), 3'000'000'000);
  EXPECT_FALSE(loop.is_running());
}

TEST(EventLoop, StopFromACallbackFinishesTheCurrentBatch) {
  ManualLoop loop;
  Recorder rec;
  loop.call_soon([&] { rec("a"); });
  loop.call_soon([&] { loop.stop(); });
  loop.call_soon([&] {
    rec("b");
    loop.call_soon([&] { rec("c"); });
  });
  loop.run_forever();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(loop.iteration(), 1u);
  loop.stop();
  loop.run_forever();  // stop() before run_forever: exactly one iteration
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(loop.iteration(), 2u);
}

TEST(EventLoop, StopBeforeRunForeverWithNothingReadyDoesNotWait) {
  ManualLoop loop;
  loop.call_later(5.0, [] {});
  loop.stop();
  loop.run_forever();
  EXPECT_EQ(loop.time_ns(), 0);
  EXPECT_EQ(loop.iteration(), 1u);
}

TEST(EventLoop, IsRunningInsideRunForever) {
  ManualLoop loop;
  bool running = false;
  loop.call_soon([&] {
    running = loop.is_running();
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(running);
  EXPECT_FALSE(loop.is_running());
}

TEST(EventLoop, RunWhileRunningThrowsRuntimeError) {
  ManualLoop loop;
  std::string forever_error;
  std::string until_error;
  loop.call_soon([&] {
    try {
      loop.run_forever();
    } catch (const asim::RuntimeError& e) {
      forever_error = e.what();
    }
    try {
      loop.run_until_complete(return_value(1));
    } catch (const asim::RuntimeError& e) {
      until_error = e.what();
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(forever_error, "This event loop is already running");
  EXPECT_EQ(until_error, "This event loop is already running");
}

TEST(EventLoop, RunForeverFromATaskThrowsRuntimeError) {
  ManualLoop loop;
  std::string error;
  loop.run_until_complete(call_run_forever(&error));
  EXPECT_EQ(error, "This event loop is already running");
}

TEST(EventLoop, RunningAnotherLoopInsideARunningLoopThrowsRuntimeError) {
  ManualLoop loop;
  ManualLoop other;
  std::string error;
  loop.call_soon([&] {
    try {
      other.run_forever();
    } catch (const asim::RuntimeError& e) {
      error = e.what();
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(error, "Cannot run the event loop while another loop is running");
}

// -- close --------------------------------------------------------------------

TEST(EventLoop, CloseWhileRunningThrowsRuntimeError) {
  ManualLoop loop;
  std::string error;
  loop.call_soon([&] {
    try {
      loop.close();
    } catch (const asim::RuntimeError& e) {
      error = e.what();
    }
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(error, "Cannot close a running event loop");
  EXPECT_FALSE(loop.is_closed());
}

TEST(EventLoop, CloseDropsScheduledCallbacksAndTimers) {
  ManualLoop loop;
  int runs = 0;
  loop.call_soon([&runs] { ++runs; });
  loop.call_later(1.0, [&runs] { ++runs; });
  loop.close();
  EXPECT_TRUE(loop.is_closed());
  EXPECT_EQ(loop.ready_count(), 0u);
  EXPECT_EQ(loop.timer_count(), 0u);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
  EXPECT_EQ(runs, 0);
  loop.close();  // closing twice does nothing
  EXPECT_TRUE(loop.is_closed());
}

TEST(EventLoop, UsingAClosedLoopThrowsEventLoopIsClosed) {
  ManualLoop loop;
  loop.close();
  auto expect_closed = [](auto&& fn) {
    try {
      fn();
      ADD_FAILURE() << "expected RuntimeError";
    } catch (const asim::RuntimeError& e) {
      EXPECT_STREQ(e.what(), "Event loop is closed");
    }
  };
  expect_closed([&] { loop.call_soon([] {}); });
  expect_closed([&] { loop.call_later(1.0, [] {}); });
  expect_closed([&] { loop.call_at(1.0, [] {}); });
  expect_closed([&] { loop.call_soon_threadsafe([] {}); });
  EXPECT_FALSE(loop.create_future<int>().done());  // asyncio allows it on a closed loop
  expect_closed([&] { (void)loop.create_task(return_value(1)); });
  expect_closed([&] { loop.run_until_complete(return_value(1)); });
  expect_closed([&] { loop.run_forever(); });
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(EventLoop, RunUntilCompleteOfAFutureOnAClosedLoopThrows) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  loop.close();
  EXPECT_THROW(loop.run_until_complete(future), asim::RuntimeError);
}

TEST(EventLoop, CallbacksOfAFutureCompletedAfterCloseAreDroppedAtOnce) {
  Counted::live = 0;
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.add_done_callback([held = Counted{}](asim::Future<int>) { (void)held; });
  loop.close();
  EXPECT_EQ(Counted::live, 1);
  // Nothing will ever run the callback: it is freed now, and set_result raises as
  // asyncio's call_soon does on a closed loop.
  EXPECT_THROW(future.set_result(1), asim::RuntimeError);
  EXPECT_TRUE(future.done());
  EXPECT_EQ(Counted::live, 0);
  EXPECT_EQ(loop.ready_count(), 0u);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

// -- exception handler ---------------------------------------------------------

TEST(EventLoop, ExceptionInACallbackGoesToTheHandlerAndTheLoopGoesOn) {
  ManualLoop loop;
  Recorder rec;
  std::vector<std::string> reports;
  loop.set_exception_handler([&](asim::EventLoop& from, const asim::ExceptionContext& context) {
    EXPECT_EQ(&from, &loop);
    EXPECT_EQ(context.future, nullptr);
    reports.push_back(context.message + " / " + asim::describe_exception(context.exception));
  });
  loop.call_soon([&] { rec("before"); });
  loop.call_soon([] { throw asim::ValueError("bad value"); });
  loop.call_soon([&] { rec("after"); });
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"before", "after"}));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0], "Exception in callback / ValueError: bad value");
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(EventLoop, CancelledErrorInACallbackAlsoGoesToTheHandler) {
  ManualLoop loop;
  std::vector<std::string> reports;
  loop.set_exception_handler([&](asim::EventLoop&, const asim::ExceptionContext& context) {
    reports.push_back(asim::exception_class_name(context.exception));
  });
  loop.call_soon([] { throw asim::CancelledError(); });
  loop.run_once();
  EXPECT_EQ(reports, (std::vector<std::string>{"CancelledError"}));
}

TEST(EventLoop, DefaultExceptionHandlerWritesToStderr) {
  ManualLoop loop;
  EXPECT_FALSE(loop.get_exception_handler());
  loop.call_soon([] { throw asim::RuntimeError("callback failed"); });
  ::testing::internal::CaptureStderr();
  loop.run_once();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Exception in callback"), std::string::npos) << err;
  EXPECT_NE(err.find("RuntimeError: callback failed"), std::string::npos) << err;
}

TEST(EventLoop, EmptyHandlerRestoresTheDefault) {
  ManualLoop loop;
  int custom = 0;
  loop.set_exception_handler([&custom](asim::EventLoop&, const asim::ExceptionContext&) { ++custom; });
  loop.set_exception_handler(nullptr);
  loop.call_soon([] { throw asim::RuntimeError("x"); });
  ::testing::internal::CaptureStderr();
  loop.run_once();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(custom, 0);
  EXPECT_NE(err.find("RuntimeError: x"), std::string::npos);
}

TEST(EventLoop, ExceptionInTheHandlerIsReportedByTheDefaultHandler) {
  ManualLoop loop;
  loop.set_exception_handler([](asim::EventLoop&, const asim::ExceptionContext&) {
    throw std::logic_error("handler broke");
  });
  loop.call_soon([] { throw asim::RuntimeError("original"); });
  ::testing::internal::CaptureStderr();
  loop.run_once();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Unhandled error in exception handler"), std::string::npos) << err;
  EXPECT_NE(err.find("handler broke"), std::string::npos) << err;
  EXPECT_NE(err.find("RuntimeError: original"), std::string::npos) << err;
}

// -- tasks seen from the loop -------------------------------------------------

TEST(EventLoop, CurrentTaskIsTheSteppingTaskAndNullInCallbacks) {
  ManualLoop loop;
  asim::TaskBase* seen = nullptr;
  asim::TaskBase* in_callback = reinterpret_cast<asim::TaskBase*>(1);
  asim::Task<void> task = loop.create_task(record_current_task(&seen));
  loop.call_soon([&] { in_callback = loop.current_task(); });
  loop.run_until_complete(task);
  EXPECT_EQ(seen, &task.task());
  EXPECT_EQ(in_callback, nullptr);
  EXPECT_EQ(loop.current_task(), nullptr);
}

TEST(EventLoop, AllTasksListsPendingTasksInCreationOrder) {
  ManualLoop loop;
  asim::Future<void> gate = loop.create_future<void>();
  asim::Task<void> a = loop.create_task(wait_on(gate), "a");
  asim::Task<int> b = loop.create_task(return_value(1), "b");
  asim::Task<void> c = loop.create_task(wait_on(gate), "c");
  std::vector<std::string> names;
  for (const asim::AnyTask& task : loop.all_tasks()) names.push_back(task.get_name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  loop.run_once();  // b finishes
  names.clear();
  for (const asim::AnyTask& task : loop.all_tasks()) names.push_back(task.get_name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
  gate.set_result();
  loop.run_once();
  EXPECT_TRUE(loop.all_tasks().empty());
  EXPECT_TRUE(a.done() && b.done() && c.done());
}

TEST(EventLoop, DestroyingALoopWithPendingTasksReportsEachAndDestroysTheirFrames) {
  Counted::live = 0;
  std::vector<std::string> reports;
  bool finished = false;
  asim::Task<void> kept;
  {
    ManualLoop loop;
    loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext& context) {
      reports.push_back(context.message + " " + (context.future ? context.future->describe() : "-"));
    });
    asim::Future<void> never = loop.create_future<void>();
    kept = loop.create_task(hold_until(never, Counted{}, &finished), "waiting");
    loop.run_once();  // the first task now waits on `never`
    (void)loop.create_task(hold_until(never, Counted{}, &finished), "unstarted");
    EXPECT_EQ(Counted::live, 2);
  }
  EXPECT_EQ(Counted::live, 0);
  EXPECT_FALSE(finished);
  EXPECT_EQ(reports, (std::vector<std::string>{"Task was destroyed but it is pending! Task 'waiting'",
                                               "Task was destroyed but it is pending! Task 'unstarted'"}));
  EXPECT_TRUE(kept.done());
}

TEST(EventLoop, DestroyingALoopWithAPendingTaskWritesToStderrByDefault) {
  Counted::live = 0;
  bool finished = false;
  ::testing::internal::CaptureStderr();
  {
    ManualLoop loop;
    asim::Future<void> never = loop.create_future<void>();
    (void)loop.create_task(hold_until(never, Counted{}, &finished), "lost");
    loop.run_once();
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Task was destroyed but it is pending!"), std::string::npos) << err;
  EXPECT_NE(err.find("Task 'lost'"), std::string::npos) << err;
  EXPECT_EQ(Counted::live, 0);
}

TEST(EventLoop, DestroyingALoopWithPendingCallbacksAndTimersFreesThem) {
  Counted::live = 0;
  asim::Handle kept;
  {
    ManualLoop loop;
    loop.call_soon([held = Counted{}] { (void)held; });
    loop.call_later(5.0, [held = Counted{}] { (void)held; });
    kept = loop.call_later(6.0, [held = Counted{}] { (void)held; });
    EXPECT_EQ(Counted::live, 3);
  }
  EXPECT_EQ(Counted::live, 1);  // the handle outlives the loop and still holds its callable
  kept = asim::Handle();
  EXPECT_EQ(Counted::live, 0);
}
