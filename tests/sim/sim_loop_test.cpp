// SPDX-License-Identifier: MIT
// SimLoop: virtual time, tie order, lateness, CPython mode, deadlock and limits.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>

#include <asim/lock.hpp>
#include <gtest/gtest.h>

#include "support/recording.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

using asim::sim::SimLoop;
using asim::sim::SimOptions;

asim::Coro<void> sleep_many(int count, double each) {
  for (int i = 0; i < count; ++i) co_await asim::sleep(each);
}

TEST(SimLoop, AnHourOfSleepsAdvancesVirtualTimeByExactlyAnHourWhenNothingRunsLate) {
  SimLoop loop(1, SimOptions::cpython());
  loop.run_until_complete(sleep_many(3600, 1.0));
  EXPECT_EQ(loop.time_ns(), std::int64_t{3600} * 1000000000);
  EXPECT_EQ(loop.time(), 3600.0);
}

TEST(SimLoop, TimeStartsAtZeroAndJumpsToTheNextTimer) {
  SimLoop loop(3, SimOptions::cpython());
  EXPECT_EQ(loop.time_ns(), 0);
  std::vector<double> seen;
  loop.call_later(5.0, [&] { seen.push_back(loop.time()); });
  loop.call_later(2.5, [&] { seen.push_back(loop.time()); });
  loop.call_later(7.0, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(seen, (std::vector<double>{2.5, 5.0}));
  EXPECT_EQ(loop.time(), 7.0);
}

std::vector<int> tie_order(std::uint64_t seed, SimOptions options) {
  SimLoop loop(seed, options);
  std::vector<int> order;
  for (int i = 0; i < 8; ++i) loop.call_at(1.0, [&order, i] { order.push_back(i); });
  loop.call_at(2.0, [&] { loop.stop(); });
  loop.run_forever();
  return order;
}

TEST(SimLoop, WithChoicesOffEqualDeadlinesRunInArmingOrderForEverySeed) {
  const std::vector<int> fifo{0, 1, 2, 3, 4, 5, 6, 7};
  for (std::uint64_t seed = 0; seed < 50; ++seed) EXPECT_EQ(tie_order(seed, SimOptions::cpython()), fifo) << seed;
}

TEST(SimLoop, WithTieChoiceOnSeedsChangeTheOrderOfEqualDeadlines) {
  const std::vector<int> fifo{0, 1, 2, 3, 4, 5, 6, 7};
  int differing = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const std::vector<int> order = tie_order(seed, {});
    EXPECT_EQ(order, tie_order(seed, {})) << "same seed, same order";
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, fifo) << "every timer runs once";
    if (order != fifo) ++differing;
  }
  EXPECT_GT(differing, 15);
}

TEST(SimLoop, TieChoiceNeverReordersDistinctDeadlinesOrCallSoon) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    SimLoop loop(seed);
    std::vector<int> order;
    for (int i = 5; i >= 1; --i) loop.call_later(i * 0.001, [&order, i] { order.push_back(i); });
    for (int i = 10; i < 15; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    loop.call_later(1.0, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(order, (std::vector<int>{10, 11, 12, 13, 14, 1, 2, 3, 4, 5})) << seed;
  }
}

// A program mixing call_soon, equal-deadline timers, tasks and done-callbacks, run on
// any loop; it records what ran in order.
asim::Coro<void> worker(std::vector<std::string>& log, std::string name, double delay) {
  log.push_back(name + " start");
  co_await asim::sleep(delay);
  log.push_back(name + " woke");
  co_await asim::sleep(0);
  log.push_back(name + " end");
}

std::vector<std::string> mixed_program(asim::EventLoop& loop) {
  std::vector<std::string> log;
  auto a = loop.create_task(worker(log, "a", 0.5), "a");
  auto b = loop.create_task(worker(log, "b", 0.5), "b");
  auto c = loop.create_task(worker(log, "c", 0.25), "c");
  b.add_done_callback([&log](asim::Future<void>) { log.push_back("b done-callback"); });
  loop.call_at(0.5, [&log] { log.push_back("timer 0.5"); });
  loop.call_soon([&log] { log.push_back("soon"); });
  loop.run_until_complete(asim::Future<void>(a));
  loop.run_until_complete(asim::Future<void>(b));
  loop.run_until_complete(asim::Future<void>(c));
  return log;
}

TEST(SimLoop, WithEveryChoiceOffItRunsTheSameOrderAsTheCoreOnAManualClock) {
  asim::testing::ManualLoop manual;
  const std::vector<std::string> expected = mixed_program(manual);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    SimLoop loop(seed, SimOptions::cpython());
    EXPECT_EQ(mixed_program(loop), expected) << seed;
  }
}

TEST(SimLoop, LatenessLetsAnEarlierTimerFireTogetherWithALaterOne) {
  bool batched = false;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    SimLoop loop(seed, {.max_lateness = 0.01, .late_probability = 0.5});
    std::vector<std::pair<std::uint64_t, std::int64_t>> runs;  // (iteration, time)
    loop.call_at(1.0, [&] { runs.emplace_back(loop.iteration(), loop.time_ns()); });
    loop.call_at(1.005, [&] { runs.emplace_back(loop.iteration(), loop.time_ns()); });
    loop.call_at(2.0, [&] { loop.stop(); });
    loop.run_forever();
    ASSERT_EQ(runs.size(), 2U);
    EXPECT_GE(runs[0].second, 1000000000);
    EXPECT_LE(runs[0].second, 1010000000);
    EXPECT_GE(runs[1].second, 1005000000);
    if (runs[0].first == runs[1].first) batched = true;
  }
  EXPECT_TRUE(batched);
}

TEST(SimLoop, WithoutLatenessTimersFireExactlyAtTheirDeadlines) {
  SimLoop loop(9, {.choose_lateness = false, .max_lateness = 0.01, .choose_stalls = false});
  std::vector<std::int64_t> times;
  loop.call_at(1.0, [&] { times.push_back(loop.time_ns()); });
  loop.call_at(1.005, [&] { times.push_back(loop.time_ns()); });
  loop.call_at(2.0, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(times, (std::vector<std::int64_t>{1000000000, 1005000000}));
}

TEST(SimLoop, ChooseReturnsZeroForAChoiceThatIsSwitchedOff) {
  SimLoop loop(5, {.choose_io_order = false});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(loop.choose(asim::sim::ChoiceKind::io_order, 1000), 0U);
  std::uint64_t total = 0;
  for (int i = 0; i < 20; ++i) total += loop.choose(asim::sim::ChoiceKind::timer_tie, 1000);
  EXPECT_GT(total, 0U);
}

class ScriptedChooser final : public asim::sim::Chooser {
 public:
  std::uint64_t choose(const asim::sim::Choice& choice) noexcept override {
    kinds.push_back(choice.kind);
    // The last of the timers left goes first: reverses ties; on time otherwise.
    return choice.kind == asim::sim::ChoiceKind::timer_tie ? choice.bound - 1 : 0;
  }
  std::vector<asim::sim::ChoiceKind> kinds;
};

TEST(SimLoop, AnExternalChooserDecidesEveryChoice) {
  ScriptedChooser chooser;
  const std::vector<int> order = tie_order(0, {.chooser = &chooser});
  EXPECT_EQ(order, (std::vector<int>{7, 6, 5, 4, 3, 2, 1, 0}));
  // Eight timers due together: seven choices of which runs next (the last has no choice).
  EXPECT_EQ(std::count(chooser.kinds.begin(), chooser.kinds.end(), asim::sim::ChoiceKind::timer_tie), 7);
}

asim::Coro<int> wait_forever(asim::Future<int> never) { co_return co_await never; }

asim::Coro<void> deadlocked_main(asim::EventLoop& loop, asim::Future<int> never) {
  co_await asim::sleep(2.0);
  auto waiter = loop.create_task(wait_forever(never), "waiter");
  co_await asim::sleep(1.0);
  co_await waiter;
}

TEST(SimLoop, ADeadlockNamesEachPendingTaskWhatItAwaitsAndSinceWhen) {
  SimLoop loop(42);
  asim::Future<int> never = loop.create_future<int>();
  try {
    loop.run_until_complete(loop.create_task(deadlocked_main(loop, never), "main"));
    FAIL() << "no deadlock reported";
  } catch (const asim::sim::DeadlockError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("deadlock"), std::string::npos) << message;
    EXPECT_NE(message.find("seed 42"), std::string::npos) << message;
    EXPECT_NE(message.find("virtual time 3.000000000 s"), std::string::npos) << message;
    EXPECT_NE(message.find("Task 'main' awaits Task 'waiter' since 3.000000000 s"), std::string::npos) << message;
    EXPECT_NE(message.find("Task 'waiter' awaits Future since 2.000000000 s"), std::string::npos) << message;
    ASSERT_EQ(error.pending_tasks().size(), 2U);
    EXPECT_EQ(error.pending_tasks()[0].name, "main");
    EXPECT_EQ(error.pending_tasks()[1].awaiting, "Future");
    EXPECT_EQ(error.seed(), 42U);
    EXPECT_EQ(error.virtual_time_ns(), 3000000000);
  }
}

asim::Coro<void> acquire_twice(asim::Lock* lock) {
  co_await lock->acquire();
  co_await lock->acquire();  // waits for itself
}

TEST(SimLoop, ADeadlockReportUsesTheLabelOfWhatATaskAwaits) {
  SimLoop loop(1);
  asim::Lock lock;
  try {
    loop.run_until_complete(loop.create_task(acquire_twice(&lock), "locker"));
    FAIL() << "no deadlock reported";
  } catch (const asim::sim::DeadlockError& error) {
    EXPECT_NE(std::string(error.what()).find("Task 'locker' awaits Lock.acquire since 0.000000000 s"),
              std::string::npos)
        << error.what();
  }
}

TEST(SimLoop, ADeadlockIsARuntimeError) {
  SimLoop loop(1);
  EXPECT_THROW(loop.run_until_complete(loop.create_future<void>()), asim::RuntimeError);
}

asim::Coro<void> spin() {
  while (true) co_await asim::sleep(0);
}

TEST(SimLoop, MaxStepsEndsALivelockWithSeedStepAndTime) {
  SimLoop loop(8, {.max_steps = 1000});
  try {
    loop.run_until_complete(spin());
    FAIL() << "no limit error";
  } catch (const asim::sim::StepLimitError& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.step(), 1001U);
    EXPECT_NE(message.find("max_steps 1000"), std::string::npos) << message;
    EXPECT_NE(message.find("seed 8"), std::string::npos) << message;
    EXPECT_NE(message.find("step 1001"), std::string::npos) << message;
    EXPECT_NE(message.find("virtual time 0.000000000 s"), std::string::npos) << message;
  }
}

TEST(SimLoop, MaxVirtualTimeEndsARunawayWithSeedAndTime) {
  SimLoop loop(4, {.max_virtual_time = 60.0});
  try {
    loop.run_until_complete(sleep_many(1000000, 7.0));
    FAIL() << "no limit error";
  } catch (const asim::sim::TimeLimitError& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.virtual_time_ns(), std::int64_t{56} * 1000000000);
    EXPECT_NE(message.find("max_virtual_time 60.000000000 s"), std::string::npos) << message;
    EXPECT_NE(message.find("seed 4"), std::string::npos) << message;
  }
  EXPECT_EQ(loop.time(), 56.0);
}

TEST(SimLoop, BothLimitsAreLimitErrors) {
  SimLoop steps(1, {.max_steps = 10});
  EXPECT_THROW(steps.run_until_complete(spin()), asim::sim::LimitError);
  SimLoop time(1, {.max_virtual_time = 1.0});
  EXPECT_THROW(time.run_until_complete(sleep_many(5, 1.0)), asim::sim::LimitError);
}

TEST(SimLoop, RunsWithinTheLimitsFinishNormally) {
  SimLoop loop(1, {.max_steps = 100, .max_virtual_time = 10.0});
  loop.run_until_complete(sleep_many(10, 1.0));
  EXPECT_EQ(loop.time(), 10.0);
  EXPECT_LE(loop.step(), 100U);
}

}  // namespace
