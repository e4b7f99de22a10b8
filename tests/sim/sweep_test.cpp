// SPDX-License-Identifier: MIT
// Seed sweeps: seed plans, environment variables, sharding, replay, traces, and the
// GoogleTest glue; the pipeline example swept, broken and hung.
#include <asim/asim.hpp>
#include <asim/sim/gtest.hpp>
#include <asim/sim/sweep.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "support/scoped_env.hpp"
#include <nlohmann/json.hpp>

#include "pipeline_example.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::sim::SweepOptions;
using asim::sim::SweepResult;

using asim::testing::ScopedEnv;

std::vector<std::uint64_t> seeds_seen;

// A passing body with no shared state (safe on several jobs).
asim::Coro<void> record_seed_only(SimLoop&) { co_await asim::sleep(1.0); }

asim::Coro<void> record_seed(SimLoop& loop) {
  seeds_seen.push_back(loop.seed());
  co_await asim::sleep(1.0);
}

asim::Coro<void> fail_on_seed_7(SimLoop& loop) {
  co_await asim::sleep(0.5);
  if (loop.seed() == 7) throw asim::ValueError("seed seven is unlucky");
}

TEST(Sweep, APassingSweepRunsEverySeedInOrder) {
  seeds_seen.clear();
  const SweepResult result = asim::sim::sweep({.seeds = 50, .first_seed = 10}, &record_seed);
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.seeds_run, 50U);
  ASSERT_EQ(seeds_seen.size(), 50U);
  for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(seeds_seen[i], 10 + i);
}

TEST(Sweep, ASweepStopsAtTheFirstFailureWithItsSeedFailureAndReplayLine) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 100, .quiet = true}, &fail_on_seed_7);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.failing_seed, 7U);
  EXPECT_EQ(result.seeds_run, 8U);
  EXPECT_EQ(result.failure, "ValueError: seed seven is unlucky");
  EXPECT_NE(result.replay.find("replay: ASIM_SEED=7 "), std::string::npos) << result.replay;
  EXPECT_NE(result.replay.find("sim_sweep_test"), std::string::npos) << result.replay;
  EXPECT_NE(result.replay.find(" --gtest_filter=Sweep.ASweepStopsAtTheFirstFailureWithItsSeedFailureAndReplayLine"),
            std::string::npos)
      << result.replay;
  const std::string message = result.message();
  EXPECT_NE(message.find("failed at seed 7"), std::string::npos) << message;
  EXPECT_NE(message.find("seed seven is unlucky"), std::string::npos) << message;
}

TEST(Sweep, ALambdaCoroutineBodyWorks) {
  const SweepResult result = asim::sim::sweep({.seeds = 20}, [](SimLoop& loop) -> asim::Coro<void> {
    co_await asim::sleep(3600.0);
    // A busy machine may wake late, never early.
    if (loop.time() < 3600.0 || loop.time() > 3600.1) throw asim::RuntimeError("time did not jump");
  });
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.seeds_run, 20U);
}

TEST(Sweep, AsimSeedRunsThatSeedAlone) {
  ScopedEnv seed("ASIM_SEED", "13");
  seeds_seen.clear();
  const SweepResult result = asim::sim::sweep({.seeds = 500}, &record_seed);
  EXPECT_EQ(result.seeds_run, 1U);
  EXPECT_EQ(seeds_seen, (std::vector<std::uint64_t>{13}));
}

TEST(Sweep, AsimSeedsSetsTheRange) {
  ScopedEnv seeds("ASIM_SEEDS", "100:105");
  seeds_seen.clear();
  const SweepResult result = asim::sim::sweep({.seeds = 3}, &record_seed);
  EXPECT_EQ(result.seeds_run, 5U);
  EXPECT_EQ(seeds_seen, (std::vector<std::uint64_t>{100, 101, 102, 103, 104}));
}

TEST(Sweep, MalformedSeedVariablesAreRefusedClearly) {
  {
    ScopedEnv seeds("ASIM_SEEDS", "5-9");
    EXPECT_THROW((void)asim::sim::run_sweep({.seeds = 3}, &record_seed), asim::ValueError);
  }
  {
    ScopedEnv seed("ASIM_SEED", "x1");
    EXPECT_THROW((void)asim::sim::run_sweep({.seeds = 3}, &record_seed), asim::ValueError);
  }
}

TEST(Sweep, UseEnvironmentFalseIgnoresTheVariables) {
  ScopedEnv seed("ASIM_SEED", "13");
  seeds_seen.clear();
  const SweepResult result = asim::sim::sweep({.seeds = 4, .use_environment = false}, &record_seed);
  EXPECT_EQ(seeds_seen, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(result.passed);
}

TEST(Sweep, GtestShardVariablesSplitTheSeedsAcrossProcessesWithoutOverlap) {
  std::vector<std::uint64_t> all;
  for (int shard = 0; shard < 3; ++shard) {
    ScopedEnv total("GTEST_TOTAL_SHARDS", "3");
    ScopedEnv index("GTEST_SHARD_INDEX", std::to_string(shard));
    seeds_seen.clear();
    const SweepResult result = asim::sim::sweep({.seeds = 10}, &record_seed);
    EXPECT_EQ(result.total_shards, 3U);
    EXPECT_EQ(result.shard_index, static_cast<std::uint64_t>(shard));
    if (shard == 1) {
      EXPECT_EQ(seeds_seen, (std::vector<std::uint64_t>{1, 4, 7}));
    }
    all.insert(all.end(), seeds_seen.begin(), seeds_seen.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Sweep, AReplayedSeedIgnoresTheShard) {
  ScopedEnv total("GTEST_TOTAL_SHARDS", "4");
  ScopedEnv index("GTEST_SHARD_INDEX", "3");
  ScopedEnv seed("ASIM_SEED", "8");
  seeds_seen.clear();
  (void)asim::sim::sweep({.seeds = 10}, &record_seed);
  EXPECT_EQ(seeds_seen, (std::vector<std::uint64_t>{8}));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

asim::Coro<void> racy_pipeline(SimLoop& loop) { co_await asim_examples::pipeline(loop, asim_examples::Pipeline::racy); }
asim::Coro<void> correct_pipeline(SimLoop& loop) {
  co_await asim_examples::pipeline(loop, asim_examples::Pipeline::correct);
}
asim::Coro<void> hung_pipeline(SimLoop& loop) { co_await asim_examples::pipeline(loop, asim_examples::Pipeline::hung); }

TEST(Sweep, AsimTraceWritesTheFailingRunsTraceAndReplayGivesTheSameTrace) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "asim_sweep_test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path json = dir / "failing.json";
  SweepResult result;
  {
    ScopedEnv trace("ASIM_TRACE", json.string());
    result = asim::sim::run_sweep({.seeds = 1000, .quiet = true}, &racy_pipeline);
  }
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.trace_path, json.string());
  const std::string first = read_file(json);
  const nlohmann::json parsed = nlohmann::json::parse(first);
  EXPECT_FALSE(parsed["traceEvents"].empty());
  EXPECT_EQ(parsed["otherData"]["seed"], result.failing_seed);

  // The replay: the failing seed alone, by ASIM_SEED, writes a byte-identical trace.
  const std::filesystem::path again = dir / "replay.json";
  {
    ScopedEnv trace("ASIM_TRACE", again.string());
    ScopedEnv seed("ASIM_SEED", std::to_string(result.failing_seed));
    const SweepResult replay = asim::sim::run_sweep({.seeds = 1000, .quiet = true}, &racy_pipeline);
    EXPECT_FALSE(replay.passed);
    EXPECT_EQ(replay.seeds_run, 1U);
    EXPECT_EQ(replay.failure, result.failure);
  }
  EXPECT_EQ(read_file(again), first);

  // A text trace for any other extension.
  const std::filesystem::path text = dir / "failing.txt";
  {
    ScopedEnv trace("ASIM_TRACE", text.string());
    ScopedEnv seed("ASIM_SEED", std::to_string(result.failing_seed));
    (void)asim::sim::run_sweep({.quiet = true}, &racy_pipeline);
  }
  EXPECT_EQ(read_file(text).rfind("# asim trace, seed " + std::to_string(result.failing_seed), 0), 0U);
  std::filesystem::remove_all(dir);
}

TEST(Sweep, TheCorrectPipelineExamplePassesTenThousandSeeds) {
  const SweepResult result = asim::sim::sweep({.seeds = 10000, .sim = {.max_lateness = 0.05}}, &correct_pipeline);
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.seeds_run, 10000U);
}

TEST(Sweep, TheRacyPipelinePassesInCpythonOrderButASweepCatchesIt) {
  const SweepResult fifo = asim::sim::run_sweep({.seeds = 200, .sim = SimOptions::cpython(), .quiet = true},
                                                &racy_pipeline);
  EXPECT_TRUE(fifo.passed) << fifo.message();
  const SweepResult result = asim::sim::run_sweep({.seeds = 10000, .quiet = true}, &racy_pipeline);
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.failure.find("read before it was published"), std::string::npos) << result.failure;
  EXPECT_NE(result.replay.find("replay: ASIM_SEED=" + std::to_string(result.failing_seed)), std::string::npos);
}

TEST(Sweep, TheHungPipelineIsADeadlockNamingTheConsumersWait) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 10, .quiet = true}, &hung_pipeline);
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.failing_seed, 0U);
  EXPECT_EQ(result.failure.rfind("DeadlockError: deadlock", 0), 0U) << result.failure;
  EXPECT_NE(result.failure.find("Task 'consumer' awaits Future since 1.000000000 s"), std::string::npos)
      << result.failure;
  EXPECT_NE(result.failure.find("awaits Task 'consumer'"), std::string::npos) << result.failure;
}

TEST(Sweep, LimitsAndInvariantsFailASweepToo) {
  const SweepResult steps = asim::sim::run_sweep(
      {.seeds = 3, .sim = {.max_steps = 5}, .quiet = true}, [](SimLoop&) -> asim::Coro<void> {
        for (int i = 0; i < 100; ++i) co_await asim::sleep(0);
      });
  EXPECT_EQ(steps.failure.rfind("StepLimitError: ", 0), 0U) << steps.failure;
  const SweepResult invariant =
      asim::sim::run_sweep({.seeds = 3, .quiet = true}, [](SimLoop& loop) -> asim::Coro<void> {
        loop.add_invariant("before_five_seconds", [](SimLoop& l) { return l.time() < 5.0; });
        co_await asim::sleep(10.0);
      });
  EXPECT_EQ(invariant.failure.rfind("InvariantViolation: invariant 'before_five_seconds'", 0), 0U)
      << invariant.failure;
}

// The GoogleTest glue: a failing sweep is an ordinary (non-fatal) test failure
// carrying the replay line.
TEST(SweepGtest, AFailingSweepIsATestFailureWithTheReplayLine) {
  EXPECT_NONFATAL_FAILURE((void)asim::sim::sweep({.seeds = 20, .quiet = true}, &fail_on_seed_7),
                          "replay: ASIM_SEED=7");
  EXPECT_NONFATAL_FAILURE((void)asim::sim::sweep({.seeds = 20, .quiet = true}, &fail_on_seed_7),
                          "--gtest_filter=SweepGtest.AFailingSweepIsATestFailureWithTheReplayLine");
}

TEST(SweepGtest, WithoutGlueAFailingSweepThrowsSweepFailure) {
  const asim::sim::SweepReporter glue = asim::sim::sweep_reporter();
  asim::sim::install_sweep_reporter({});
  try {
    (void)asim::sim::sweep({.seeds = 20, .quiet = true}, &fail_on_seed_7);
    ADD_FAILURE() << "no SweepFailure";
  } catch (const asim::sim::SweepFailure& failure) {
    EXPECT_EQ(failure.result().failing_seed, 7U);
    EXPECT_NE(std::string(failure.what()).find("replay: ASIM_SEED=7"), std::string::npos);
  }
  asim::sim::install_sweep_reporter(glue);
}

ASIM_SWEEP_TEST(SweepGtest, TheMacroRunsItsBodyOnEverySeed, {.seeds = 30}) {
  co_await asim::sleep(2.0);
  if (loop.time() < 2.0 || loop.time() > 2.1) throw asim::RuntimeError("virtual time did not jump");
}


// -- exploration engine: replay, jobs, cancellation points, regressions, limits --

asim::Coro<void> racy_body(SimLoop& loop) { co_await racy_pipeline(loop); }

TEST(SweepEngine, TheReplayLineReplaysTheShrunkScheduleExactly) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 10000, .quiet = true}, &racy_body);
  ASSERT_FALSE(result.passed);
  EXPECT_LE(result.shrunk.size(), 3U) << result.message();
  EXPECT_NE(result.replay.find("ASIM_SCHEDULE=" + result.shrunk.to_string()), std::string::npos) << result.replay;
  // The shrunk schedule alone (no seed needed) fails the same way, and says it replayed.
  ScopedEnv schedule("ASIM_SCHEDULE", result.shrunk.to_string());
  const SweepResult replay = asim::sim::run_sweep({.seeds = 10000, .quiet = true}, &racy_body);
  ASSERT_FALSE(replay.passed);
  EXPECT_EQ(replay.seeds_run, 1U);
  EXPECT_EQ(replay.failure, result.failure);
  EXPECT_EQ(replay.shrunk.to_string(), result.shrunk.to_string());
}

TEST(SweepEngine, TheResultDoesNotDependOnTheNumberOfJobs) {
  const SweepResult one = asim::sim::run_sweep({.seeds = 10000, .jobs = 1, .quiet = true}, &racy_body);
  const SweepResult two = asim::sim::run_sweep({.seeds = 10000, .jobs = 2, .quiet = true}, &racy_body);
  const SweepResult four = asim::sim::run_sweep({.seeds = 10000, .jobs = 4, .quiet = true}, &racy_body);
  ASSERT_FALSE(one.passed);
  for (const SweepResult* other : {&two, &four}) {
    EXPECT_EQ(other->failing_seed, one.failing_seed);
    EXPECT_EQ(other->seeds_run, one.seeds_run);
    EXPECT_EQ(other->distinct_schedules, one.distinct_schedules);
    EXPECT_EQ(other->shrunk.to_string(), one.shrunk.to_string());
    EXPECT_EQ(other->failure, one.failure);
  }
  const SweepResult passing = asim::sim::run_sweep({.seeds = 2000, .jobs = 2, .quiet = true}, &record_seed_only);
  EXPECT_TRUE(passing.passed);
  EXPECT_EQ(passing.seeds_run, 2000U);
}

// A worker that takes a lock, does two steps of work and releases it, without a
// try/finally: a cancellation at its second await leaks the lock.
asim::Coro<void> leaky_worker(asim::Lock* lock, int* done) {
  co_await lock->acquire();
  co_await asim::sleep(0.01);
  co_await asim::sleep(0.01);
  lock->release();
  ++*done;
}

asim::Coro<void> leaky_body(SimLoop&) {
  asim::Lock lock;
  int done = 0;
  auto worker = asim::create_task(leaky_worker(&lock, &done), "worker");
  try {
    co_await worker;
  } catch (const asim::CancelledError&) {
  }
  // Whatever happened to the worker, the lock must be free again.
  if (lock.locked()) throw asim::RuntimeError("the lock leaked");
}

TEST(SweepEngine, CancellationPointsReportTheSmallestFailingSuspensionAndItsAwait) {
  const SweepResult result = asim::sim::run_sweep(
      {.seeds = 2, .cancel_points = {.task = "worker", .max_suspensions = 10}, .quiet = true}, &leaky_body);
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.cancel_task, "worker");
  EXPECT_EQ(result.cancel_suspension, 1U);  // the first sleep: the lock was free, taking it did not suspend
  EXPECT_EQ(result.failing_seed, 0U);
  EXPECT_NE(result.message().find("at its suspension 1"), std::string::npos) << result.message();
  EXPECT_NE(result.replay.find("ASIM_CANCEL_POINT=worker@1"), std::string::npos) << result.replay;
  // Replayed alone, the cancellation point fails the same way.
  ScopedEnv point("ASIM_CANCEL_POINT", "worker@1");
  ScopedEnv seed("ASIM_SEED", "0");
  ScopedEnv schedule("ASIM_SCHEDULE", result.shrunk.to_string());
  const SweepResult replay = asim::sim::run_sweep({.seeds = 2, .quiet = true}, &leaky_body);
  EXPECT_FALSE(replay.passed);
  EXPECT_EQ(replay.failure, result.failure);
}

TEST(SweepEngine, CancellationPointsOverEveryTaskFindTheLeakToo) {
  const SweepResult result = asim::sim::run_sweep(
      {.seeds = 1, .cancel_points = {.task = "*", .max_suspensions = 10}, .quiet = true}, &leaky_body);
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.cancel_task, "worker");
  EXPECT_EQ(result.cancel_suspension, 1U);
}

TEST(SweepEngine, CancellationPointsNamingATaskThatNeverExistsAreAnError) {
  try {
    (void)asim::sim::run_sweep({.seeds = 2, .cancel_points = {.task = "wroker", .max_suspensions = 4}, .quiet = true},
                               &leaky_body);
    FAIL() << "accepted";
  } catch (const asim::ValueError& error) {
    EXPECT_NE(std::string(error.what()).find("'wroker'"), std::string::npos) << error.what();
  }
}

TEST(SweepEngine, AFailureIsSavedToTheRegressionFileAndReplayedFirstByLaterSweeps) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "asim-regressions-test.txt";
  std::filesystem::remove(path);
  const SweepResult first =
      asim::sim::run_sweep({.seeds = 10000, .regressions = path.string(), .quiet = true}, &racy_body);
  ASSERT_FALSE(first.passed);
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find("schedule=" + first.shrunk.to_string()), std::string::npos) << text.str();
  // A later sweep of seeds that pass on their own still fails: the saved schedule runs first.
  ScopedEnv seeds("ASIM_SEEDS", "0:0");
  const SweepResult later = asim::sim::run_sweep({.regressions = path.string(), .quiet = true}, &racy_body);
  EXPECT_FALSE(later.passed);
  EXPECT_EQ(later.regressions_replayed, 1U);
  EXPECT_NE(later.regression.find(path.string() + ":2"), std::string::npos) << later.message();
  std::filesystem::remove(path);
}

TEST(SweepEngine, AMalformedRegressionFileIsRefusedWithItsPlace) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "asim-bad-regressions.txt";
  std::ofstream(path) << "# comment\n- seed=x schedule=\n";
  try {
    (void)asim::sim::run_sweep({.seeds = 1, .regressions = path.string(), .quiet = true}, &record_seed_only);
    FAIL() << "accepted";
  } catch (const asim::ValueError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path.string() + ":2"), std::string::npos) << message;
    EXPECT_NE(message.find("expected 'TEST seed=N schedule="), std::string::npos) << message;
  }
  std::filesystem::remove(path);
}

TEST(SweepEngine, ASweepThatRunsNoSeedFails) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 0, .quiet = true}, &record_seed_only);
  EXPECT_FALSE(result.passed);
  EXPECT_NE(result.message().find("ran no seed"), std::string::npos) << result.message();
}

TEST(SweepEngine, ASIMSEEDSCanBeScopedToOneTest) {
  {
    ScopedEnv seeds("ASIM_SEEDS", "Other.Test=0:5;SweepEngine.ASIMSEEDSCanBeScopedToOneTest=10:13");
    const SweepResult mine = asim::sim::run_sweep({.seeds = 50, .quiet = true}, &record_seed_only);
    EXPECT_EQ(mine.first, 10U);
    EXPECT_EQ(mine.seeds_run, 3U);
  }
  ScopedEnv seeds("ASIM_SEEDS", "Other.Test=0:5");
  const SweepResult untouched = asim::sim::run_sweep({.seeds = 50, .quiet = true}, &record_seed_only);
  EXPECT_EQ(untouched.seeds_run, 50U);
}

TEST(SweepEngine, KeepingGtestShardingKeepsEachSweepWhole) {
  ScopedEnv total("GTEST_TOTAL_SHARDS", "4");
  ScopedEnv index("GTEST_SHARD_INDEX", "1");
  ScopedEnv keep("ASIM_GTEST_SHARD_TESTS", "1");
  const SweepResult result = asim::sim::run_sweep({.seeds = 40, .quiet = true}, &record_seed_only);
  EXPECT_EQ(result.total_shards, 1U);
  EXPECT_EQ(result.seeds_run, 40U);
}

TEST(SweepEngine, ALivelockHitsTheDefaultStepLimitAndListsThePendingTasks) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 1, .quiet = true}, [](SimLoop&) -> asim::Coro<void> {
    auto spinner = asim::create_task(
        []() -> asim::Coro<void> {
          for (;;) co_await asim::sleep(0);
        }(),
        "spinner");
    co_await spinner;
  });
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.failure.rfind("StepLimitError: ", 0), 0U) << result.failure;
  EXPECT_NE(result.failure.find("Task 'spinner'"), std::string::npos) << result.failure;
}

TEST(SweepEngine, ATimeBudgetStopsTheSweepAndTheSummarySaysSo) {
  const SweepResult result =
      asim::sim::run_sweep({.seeds = 100'000'000, .time_budget = 0.2, .quiet = true}, &record_seed_only);
  EXPECT_TRUE(result.passed);
  EXPECT_TRUE(result.budget_exhausted);
  EXPECT_LT(result.seeds_run, 100'000'000U);
  EXPECT_NE(result.summary().find("stopped by the time budget"), std::string::npos) << result.summary();
}

TEST(SweepGtest, AFailureIsReportedOnceUnderGoogleTest) {
  testing::internal::CaptureStderr();
  EXPECT_NONFATAL_FAILURE((void)asim::sim::sweep({.seeds = 20}, &fail_on_seed_7), "seed seven is unlucky");
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed.find("seed seven is unlucky"), std::string::npos) << "printed besides the test failure";
}

TEST(SweepEngine, ASweepNamesTheTasksABodyLeftRunning) {
  const SweepResult result = asim::sim::run_sweep({.seeds = 5, .quiet = true}, [](SimLoop&) -> asim::Coro<void> {
    (void)asim::create_task(
        []() -> asim::Coro<void> {
          for (;;) co_await asim::sleep(1.0);
        }(),
        "ticker");
    co_await asim::sleep(0.5);
  });
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_EQ(result.runs_with_leftovers, 5U);
  EXPECT_EQ(result.leftover_tasks, (std::vector<std::string>{"ticker"}));
  EXPECT_NE(result.summary().find("left running (cancelled then, as asyncio.run does): 'ticker'"), std::string::npos)
      << result.summary();
  const SweepResult tidy = asim::sim::run_sweep({.seeds = 5, .quiet = true}, &record_seed_only);
  EXPECT_EQ(tidy.runs_with_leftovers, 0U);
  EXPECT_EQ(tidy.summary().find("left running"), std::string::npos);
}

}  // namespace
