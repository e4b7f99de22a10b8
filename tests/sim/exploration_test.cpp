// SPDX-License-Identifier: MIT
// Exploration: every legal nondeterminism is a labelled choice, on by default, and
// SimOptions::cpython() switches each one off.
#include <asim/asim.hpp>
#include <asim/sim/schedule.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace {

using asim::sim::ChoiceKind;
using asim::sim::RecordingChooser;
using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::sim::SweepResult;

// Two sleepers whose deadlines are 3 ms apart; `a` notes whether, when it woke, `b`'s
// deadline had passed too (a loop that wakes late runs both timers in one iteration).
asim::Coro<void> near_deadlines(std::vector<std::string>& order) {
  auto wake = [](std::vector<std::string>* log, std::string name, double delay) -> asim::Coro<void> {
    co_await asim::sleep(delay);
    const bool past_b = asim::get_running_loop().time() >= 0.013;
    log->push_back(name + (past_b ? " late" : ""));
  };
  auto a = asim::create_task(wake(&order, "a", 0.010), "a");
  auto b = asim::create_task(wake(&order, "b", 0.013), "b");
  co_await a;
  co_await b;
}

TEST(Exploration, ByDefaultMostWakeUpsAreOnTimeAndAFewAreLateBySeveralMilliseconds) {
  int on_time = 0;
  int late = 0;
  std::int64_t latest = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    SimLoop loop(seed, {.choose_stalls = false});  // lateness alone
    std::int64_t woke = 0;
    loop.call_at(1.0, [&] { woke = loop.time_ns(); });
    loop.run_until_complete([]() -> asim::Coro<void> { co_await asim::sleep(2.0); }());
    if (woke == 1'000'000'000) {
      ++on_time;
    } else {
      ++late;
      latest = std::max(latest, woke - 1'000'000'000);
    }
  }
  EXPECT_GT(on_time, 1800);  // about 95 % of the wake-ups
  EXPECT_GT(late, 20);
  EXPECT_EQ(latest, 5'000'000);  // the top rung of the default ladder: max_lateness, 5 ms
}

TEST(Exploration, DefaultSeedsFindDeadlinesAFewMillisecondsApartComingDueTogether) {
  int reversed = 0;
  std::set<std::uint64_t> schedules;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    asim::sim::PrngChooser prng(seed);
    RecordingChooser chooser(prng);
    SimLoop loop(seed, {.chooser = &chooser});
    std::vector<std::string> order;
    loop.run_until_complete(near_deadlines(order));
    if (order.front() == "a late") ++reversed;
    EXPECT_EQ(order.size(), 2U);
    schedules.insert(chooser.hash());
  }
  EXPECT_GT(reversed, 0) << "a late wake-up lets both timers come due together";
  EXPECT_GT(schedules.size(), 10U);
}

TEST(Exploration, CpythonOptionsMakeNoChoiceAtAll) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    asim::sim::PrngChooser prng(seed);
    RecordingChooser chooser(prng);
    SimOptions options = SimOptions::cpython();
    options.chooser = &chooser;
    SimLoop loop(seed, options);
    std::vector<std::string> order;
    loop.run_until_complete(near_deadlines(order));
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b late"}));
    EXPECT_EQ(chooser.count(), 0U);
    std::int64_t drawn = -1;
    loop.run_until_complete([](std::int64_t* value) -> asim::Coro<void> {
      *value = asim::random::uniform_int(3, 9);
      co_return;
    }(&drawn));
    EXPECT_EQ(drawn, 3) << "with random draws off, the low end";
  }
}

// A task that never waits idle: it steps through sleep(0)s while holding a "lock"
// flag, guarded by a timeout. Only time passing while callbacks are ready (a stall)
// can make the timeout expire between two of its steps.
asim::Coro<void> busy_under_timeout(bool& expired_mid_section) {
  bool holding = false;
  try {
    co_await asim::wait_for(
        [](bool* flag) -> asim::Coro<void> {
          for (int round = 0; round < 200; ++round) {
            *flag = true;
            co_await asim::sleep(0);
            *flag = false;
            co_await asim::sleep(0);
          }
        }(&holding),
        0.001);
  } catch (const asim::TimeoutError&) {
    expired_mid_section = holding;
  }
}

TEST(Exploration, StallsLetATimeoutExpireBetweenTwoStepsOfATaskThatNeverWaitsIdle) {
  int mid_section = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    SimLoop loop(seed);
    bool expired_mid_section = false;
    loop.run_until_complete(busy_under_timeout(expired_mid_section));
    mid_section += expired_mid_section ? 1 : 0;
  }
  EXPECT_GT(mid_section, 0);
  SimLoop cpython(0, SimOptions::cpython());
  bool expired = false;
  cpython.run_until_complete(busy_under_timeout(expired));
  EXPECT_FALSE(expired) << "without stalls virtual time never passes while callbacks are ready";
}

// A result that arrives 1 ms before its 50 ms timeout.
asim::Coro<void> result_before_timeout(std::vector<std::string>& what) {
  auto work = [](std::vector<std::string>* log) -> asim::Coro<int> {
    co_await asim::sleep(0.049);
    log->push_back("result ready");
    co_return 7;
  };
  try {
    const int value = co_await asim::wait_for(work(&what), 0.050);
    what.push_back("got " + std::to_string(value));
  } catch (const asim::TimeoutError&) {
    what.push_back("timed out");
  }
}

TEST(Exploration, ATimeoutRaceMakesTheTimeoutExpireInTheIterationOfTheResult) {
  int raced = 0;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    asim::sim::PrngChooser prng(seed);
    RecordingChooser chooser(prng);
    SimLoop loop(
        seed, {.choose_lateness = false, .choose_stalls = false, .timeout_race_probability = 0.5, .chooser = &chooser});
    std::vector<std::string> what;
    loop.run_until_complete(result_before_timeout(what));
    const asim::sim::Schedule schedule = chooser.schedule();
    const bool race = !schedule.empty() && schedule.choices[0].kind == ChoiceKind::timeout_race;
    if (race) {
      ++raced;
      EXPECT_EQ(loop.time_ns(), 50'000'000) << "the loop woke only when the timeout expired";
    } else {
      EXPECT_EQ(what, (std::vector<std::string>{"result ready", "got 7"}));
    }
  }
  EXPECT_GT(raced, 100);
}

TEST(Exploration, RandomDrawsAreRecordedChoicesThatReplayAndShrinkToTheLowEnd) {
  auto body = [](SimLoop&) -> asim::Coro<void> {
    const std::int64_t a = asim::random::uniform_int(10, 20, "a");
    const bool coin = asim::random::bernoulli(0.5, "coin");
    const std::vector<std::string> names{"x", "y", "z"};
    const std::string picked = asim::random::pick(names, "name");
    co_await asim::sleep(0.1);
    if (a >= 15 && coin && picked != "x") throw asim::RuntimeError("unlucky draw");
  };
  const SweepResult result = asim::sim::run_sweep({.seeds = 500, .quiet = true}, body);
  ASSERT_FALSE(result.passed);
  // Shrunk: a = 15 (answer 5), coin = true (answer 1), the second name (answer 1).
  ASSERT_EQ(result.shrunk.size(), 3U) << result.message();
  EXPECT_EQ(result.shrunk.choices[0].kind, ChoiceKind::random);
  EXPECT_EQ(result.shrunk.choices[0].answer, 5U);
  EXPECT_EQ(result.shrunk.choices[1].answer, 1U);
  EXPECT_EQ(result.shrunk.choices[2].answer, 1U);
  EXPECT_NE(result.message().find(": a"), std::string::npos) << result.message();
}

TEST(Exploration, BuggifyNeverFiresOnTheRealLoopOrWithoutALoop) {
  EXPECT_FALSE(asim::buggify("anywhere"));
  asim::RealLoop loop;
  int fired = 0;
  loop.run_until_complete([](int* count) -> asim::Coro<void> {
    for (int i = 0; i < 1000; ++i) *count += asim::buggify("site") ? 1 : 0;
    co_return;
  }(&fired));
  EXPECT_EQ(fired, 0);
}

TEST(Exploration, ABuggifySiteIsEnabledForSomeRunsAndThenFiresSometimes) {
  int runs_with_site = 0;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    SimLoop loop(seed);
    int fired = 0;
    loop.run_until_complete([](int* count) -> asim::Coro<void> {
      for (int i = 0; i < 40; ++i) {
        *count += asim::buggify("reply.slow") ? 1 : 0;
        co_await asim::sleep(0);
      }
    }(&fired));
    if (fired > 0) {
      ++runs_with_site;
      EXPECT_LT(fired, 30) << "an enabled site fires about a quarter of the time";
    }
  }
  // About a quarter of the runs enable the site (FoundationDB's default).
  EXPECT_GT(runs_with_site, 60);
  EXPECT_LT(runs_with_site, 140);
  SimLoop off(0, SimOptions::cpython());
  bool any = false;
  off.run_until_complete([](bool* flag) -> asim::Coro<void> {
    for (int i = 0; i < 100; ++i) *flag = *flag || asim::buggify("x");
    co_return;
  }(&any));
  EXPECT_FALSE(any);
}

TEST(Exploration, RandomRefusesEmptyRangesWithValueError) {
  EXPECT_THROW((void)asim::random::uniform_int(5, 4), asim::ValueError);
  EXPECT_THROW((void)asim::random::bernoulli(1.5), asim::ValueError);
  EXPECT_THROW((void)asim::random::uniform_real(1.0, 0.0), asim::ValueError);
  EXPECT_THROW((void)asim::random::index(0), asim::ValueError);
  for (int i = 0; i < 100; ++i) {
    const std::int64_t value = asim::random::uniform_int(-3, 3);
    EXPECT_GE(value, -3);
    EXPECT_LE(value, 3);
    const double real = asim::random::uniform_real(1.0, 2.0);
    EXPECT_GE(real, 1.0);
    EXPECT_LT(real, 2.0);
  }
}

TEST(Exploration, BadProbabilitiesAreRefusedNamingTheOption) {
  try {
    SimLoop loop(0, {.late_probability = 1.5});
    FAIL() << "accepted";
  } catch (const asim::ValueError& error) {
    EXPECT_NE(std::string(error.what()).find("late_probability"), std::string::npos) << error.what();
  }
}

TEST(Exploration, ARealDrawAboveAThresholdShrinksToTheThresholdInFewRuns) {
  auto body = [](SimLoop&) -> asim::Coro<void> {
    co_await asim::sleep(0.01);
    const double x = asim::random::uniform_real(0.0, 1.0, "x");
    if (x > 0.3) throw asim::RuntimeError("x too large");
  };
  const SweepResult result = asim::sim::run_sweep({.seeds = 100, .quiet = true}, body);
  ASSERT_FALSE(result.passed);
  ASSERT_EQ(result.shrunk.size(), 1U) << result.message();
  const double shrunk = static_cast<double>(result.shrunk.choices[0].answer) / 9007199254740992.0;
  EXPECT_GT(shrunk, 0.3);
  EXPECT_LT(shrunk, 0.3001) << "the smallest failing draw, to four digits";
  EXPECT_LT(result.shrink_runs, 500U) << "a 53-bit answer shrinks in logarithmically many runs";
}

}  // namespace
