// SPDX-License-Identifier: MIT
// Strategies and schedules: schedule strings, replay, PCT, bounded exhaustive search.
#include <asim/asim.hpp>
#include <asim/sim/gtest.hpp>
#include <asim/sim/schedule.hpp>
#include <asim/sim/strategy.hpp>
#include <asim/sim/sweep.hpp>

#include <gtest/gtest.h>

#include "support/scoped_env.hpp"

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

using asim::sim::ChoiceKind;
using asim::sim::Schedule;
using asim::sim::SimLoop;
using asim::sim::Strategy;
using asim::sim::SweepResult;

using asim::testing::ScopedEnv;

TEST(Schedule, AScheduleStringRoundTrips) {
  const Schedule schedule = Schedule::parse("3:timer_tie=1,40:lateness=6,41:buggify_fire=1");
  ASSERT_EQ(schedule.size(), 3U);
  EXPECT_EQ(schedule.choices[1].index, 40U);
  EXPECT_EQ(schedule.choices[1].kind, ChoiceKind::lateness);
  EXPECT_EQ(schedule.choices[1].answer, 6U);
  EXPECT_EQ(schedule.to_string(), "3:timer_tie=1,40:lateness=6,41:buggify_fire=1");
  EXPECT_TRUE(Schedule::parse("").empty());
}

TEST(Schedule, AMalformedScheduleIsRefusedNamingItsSourceAndTheExpectedForm) {
  for (const char* bad :
       {"3", "3:timer_tie", "x:timer_tie=1", "3:nope=1", "3:timer_tie=0", "4:stall=1,3:stall=1", "3:stall=1,"}) {
    try {
      (void)Schedule::parse(bad, "ASIM_SCHEDULE");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const asim::ValueError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("ASIM_SCHEDULE"), std::string::npos) << message;
      EXPECT_NE(message.find("INDEX:KIND=ANSWER"), std::string::npos) << message;
    }
  }
}

// Three timers due together: the order they run in is the whole schedule.
std::vector<std::string> order_log;
asim::Coro<void> three_ties(SimLoop&) {
  auto note = [](std::string name) -> asim::Coro<void> {
    co_await asim::sleep(1.0);
    order_log.push_back(name);
  };
  auto a = asim::create_task(note("a"));
  auto b = asim::create_task(note("b"));
  auto c = asim::create_task(note("c"));
  co_await a;
  co_await b;
  co_await c;
}

TEST(Strategies, ExhaustiveExploresEveryOrderOfThreeTiedTimersAndSaysSo) {
  std::set<std::string> seen;
  order_log.clear();
  auto body = [&seen](SimLoop& loop) -> asim::Coro<void> {
    order_log.clear();
    co_await three_ties(loop);
    seen.insert(order_log[0] + order_log[1] + order_log[2]);
  };
  const SweepResult result =
      asim::sim::run_sweep({.seeds = 1000, .strategy = Strategy::exhaustive, .quiet = true}, body);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_TRUE(result.exhausted);
  EXPECT_EQ(result.seeds_run, 6U);  // 3 * 2 answers: every permutation once
  EXPECT_EQ(result.distinct_schedules, 6U);
  EXPECT_EQ(seen, (std::set<std::string>{"abc", "acb", "bac", "bca", "cab", "cba"}));
  EXPECT_NE(result.summary().find("explored all 6 schedules"), std::string::npos) << result.summary();
}

TEST(Strategies, ExhaustiveRespectsItsDeviationBound) {
  int runs = 0;
  auto body = [&runs](SimLoop& loop) -> asim::Coro<void> {
    ++runs;
    co_await three_ties(loop);
  };
  const SweepResult result = asim::sim::run_sweep(
      {.seeds = 1000, .strategy = Strategy::exhaustive, .exhaustive = {.max_deviations = 1}, .quiet = true}, body);
  EXPECT_TRUE(result.exhausted);
  EXPECT_EQ(result.seeds_run, 4U);  // CPython's order, two first-choice deviations, one second-choice one
}

TEST(Strategies, ExhaustiveStopsAtTheFirstFailingScheduleAndShrinksIt) {
  auto body = [](SimLoop& loop) -> asim::Coro<void> {
    order_log.clear();
    co_await three_ties(loop);
    if (order_log[0] == "c") throw asim::RuntimeError("c ran first");
  };
  const SweepResult result =
      asim::sim::run_sweep({.seeds = 1000, .strategy = Strategy::exhaustive, .quiet = true}, body);
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.shrunk.size(), 1U) << result.message();
  EXPECT_EQ(result.shrunk.choices[0].answer, 2U);
}

TEST(Strategies, PctFindsABugThatNeedsOneDeviation) {
  auto body = [](SimLoop& loop) -> asim::Coro<void> {
    order_log.clear();
    co_await three_ties(loop);
    if (order_log[0] == "b") throw asim::RuntimeError("b ran first");
  };
  const SweepResult result =
      asim::sim::run_sweep({.seeds = 200, .strategy = Strategy::pct, .pct = {.depth = 1}, .quiet = true}, body);
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.strategy, Strategy::pct);
  EXPECT_EQ(result.shrunk.size(), 1U) << result.message();
}

TEST(Strategies, AnUnknownStrategyIsRefusedListingTheValidOnes) {
  ScopedEnv strategy("ASIM_STRATEGY", "clever");
  try {
    (void)asim::sim::run_sweep({.seeds = 3, .quiet = true}, &three_ties);
    FAIL() << "accepted";
  } catch (const asim::ValueError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("ASIM_STRATEGY"), std::string::npos) << message;
    EXPECT_NE(message.find("random, pct, exhaustive"), std::string::npos) << message;
  }
}

TEST(Strategies, ASweepReportsTheDistinctSchedulesItRan) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 300, .quiet = true}, &three_ties);
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.seeds_run, 300U);
  EXPECT_EQ(result.distinct_schedules > 6U, true) << "ties and lateness: " << result.summary();
  EXPECT_NE(result.summary().find("300 seeds"), std::string::npos) << result.summary();
  EXPECT_NE(result.summary().find("distinct schedules"), std::string::npos) << result.summary();
}

TEST(Strategies, ABodyThatMakesNoChoiceIsFlaggedInTheSummary) {
  const SweepResult result =
      asim::sim::run_sweep({.seeds = 50, .quiet = true}, [](SimLoop&) -> asim::Coro<void> { co_return; });
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.distinct_schedules, 1U);
  EXPECT_NE(result.summary().find("50 runs, 1 schedule: this body makes no choices"), std::string::npos)
      << result.summary();
}

TEST(Strategies, ASweepRefusesAChooserSharedByEverySeed) {
  asim::sim::FifoChooser shared;
  try {
    (void)asim::sim::run_sweep({.seeds = 3, .sim = {.chooser = &shared}, .quiet = true}, &three_ties);
    FAIL() << "accepted";
  } catch (const asim::ValueError& error) {
    EXPECT_NE(std::string(error.what()).find("SweepOptions::sim.chooser"), std::string::npos) << error.what();
  }
}

}  // namespace
