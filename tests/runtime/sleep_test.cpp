// SPDX-License-Identifier: MIT
// Tests of asim::sleep: iterations, timers, cancellation and the value form.
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::testing::ManualLoop;

std::uint64_t iteration() { return asim::get_running_loop().iteration(); }

asim::Coro<void> sleep_and_note(double delay, std::vector<std::uint64_t>* seen) {
  seen->push_back(iteration());
  co_await asim::sleep(delay);
  seen->push_back(iteration());
}

asim::Coro<void> sleep_zero_times(int times, std::vector<std::uint64_t>* seen) {
  for (int i = 0; i < times; ++i) {
    seen->push_back(iteration());
    co_await asim::sleep(0);
  }
  seen->push_back(iteration());
}

asim::Coro<std::string> sleep_catching_cancel(double delay) {
  try {
    co_await asim::sleep(delay);
  } catch (const asim::CancelledError& e) {
    co_return "cancelled '" + e.message() + "'";
  }
  co_return "slept";
}

asim::Coro<int> sleep_with_value(double delay, int value) { co_return co_await asim::sleep(delay, value); }

asim::Coro<std::string> sleep_nan() {
  try {
    co_await asim::sleep(std::numeric_limits<double>::quiet_NaN());
  } catch (const std::invalid_argument&) {
    co_return "invalid_argument";
  }
  co_return "slept";
}

asim::Coro<double> sleep_chrono() {
  co_await asim::sleep(std::chrono::milliseconds(1500));
  co_return asim::get_running_loop().time();
}

asim::Coro<void> sleep_forever_loop(int* wakeups) {
  while (true) {
    co_await asim::sleep(1.0);
    ++*wakeups;
  }
}

}  // namespace

TEST(Sleep, SleepZeroIsExactlyOneIteration) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  loop.run_until_complete(sleep_zero_times(3, &seen));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(loop.iteration(), 5u);  // asyncio: 5
  EXPECT_EQ(loop.time_ns(), 0);
}

TEST(Sleep, NegativeDelayIsLikeZero) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  loop.run_until_complete(sleep_and_note(-3.0, &seen));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(Sleep, SleepZeroLetsCallbacksQueuedBeforeItRunFirst) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  asim::Task<void> task = loop.create_task(sleep_and_note(0, &seen));
  loop.call_soon([&seen] { seen.push_back(100); });
  loop.run_until_complete(task);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 100, 2}));
}

TEST(Sleep, ResumesInTheIterationAfterTheTimerFires) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  asim::Task<void> task = loop.create_task(sleep_and_note(1.0, &seen));
  loop.run_once();
  EXPECT_EQ(loop.timer_count(), 1u);
  loop.run_once();  // the clock jumps to 1s; the timer sets the future
  EXPECT_EQ(loop.time_ns(), 1'000'000'000);
  EXPECT_EQ(loop.timer_count(), 0u);
  EXPECT_FALSE(task.done());
  loop.run_once();  // the wake-up steps the task
  EXPECT_TRUE(task.done());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 3}));
}

TEST(Sleep, RunUntilCompleteOfASleepTakesFourIterations) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  loop.run_until_complete(sleep_and_note(1.0, &seen));
  EXPECT_EQ(loop.iteration(), 4u);  // asyncio: 4
  EXPECT_DOUBLE_EQ(loop.time(), 1.0);
}

TEST(Sleep, CancellingASleepingTaskCancelsItsTimer) {
  ManualLoop loop;
  asim::Task<std::string> task = loop.create_task(sleep_catching_cancel(100.0));
  loop.run_once();
  EXPECT_EQ(loop.timer_count(), 1u);
  EXPECT_TRUE(task.cancel("wake"));
  EXPECT_EQ(loop.timer_count(), 1u);  // asyncio: the timer goes in sleep's `finally`
  loop.run_once();
  EXPECT_TRUE(task.done());
  EXPECT_EQ(task.result(), "cancelled 'wake'");
  EXPECT_EQ(loop.timer_count(), 0u);
  EXPECT_EQ(loop.time_ns(), 0);  // never waited for the timer
  loop.call_soon([] {});
  loop.run_once();
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(Sleep, CancelledSleepReraisedEndsTheTaskCancelled) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  asim::Task<void> task = loop.create_task(sleep_and_note(5.0, &seen));
  loop.run_once();
  task.cancel();
  EXPECT_THROW(loop.run_until_complete(task), asim::CancelledError);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(Sleep, SleepWithAValueReturnsIt) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(sleep_with_value(2.0, 17)), 17);
  EXPECT_DOUBLE_EQ(loop.time(), 2.0);
  EXPECT_EQ(loop.run_until_complete(sleep_with_value(0, 18)), 18);
}

TEST(Sleep, SleepOfNanThrowsInvalidArgument) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(sleep_nan()), "invalid_argument");
}

TEST(Sleep, SleepAcceptsAChronoDuration) {
  ManualLoop loop;
  EXPECT_DOUBLE_EQ(loop.run_until_complete(sleep_chrono()), 1.5);
}

TEST(Sleep, ASleepingLoopWakesOncePerSecondOfLoopTime) {
  ManualLoop loop;
  int wakeups = 0;
  asim::Task<void> task = loop.create_task(sleep_forever_loop(&wakeups));
  loop.call_later(10.5, [&loop] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(wakeups, 10);
  task.cancel();
  loop.run_once();
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(Sleep, ALoopDestroyedWhileATaskSleepsFreesTheTimer) {
  int wakeups = 0;
  std::vector<std::string> reports;
  {
    ManualLoop loop;
    loop.set_exception_handler(
        [&reports](asim::EventLoop&, const asim::ExceptionContext& context) { reports.push_back(context.message); });
    (void)loop.create_task(sleep_forever_loop(&wakeups));
    loop.run_once();
    EXPECT_EQ(loop.timer_count(), 1u);
  }
  EXPECT_EQ(wakeups, 0);
  EXPECT_EQ(reports, (std::vector<std::string>{"Task was destroyed but it is pending!"}));
}
