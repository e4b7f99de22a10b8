// SPDX-License-Identifier: MIT
// Seed sweeps: seed plans, environment variables, sharding, replay, traces, and the
// GoogleTest glue; the pipeline example swept, broken and hung.
#include <asim/asim.hpp>
#include <asim/sim/gtest.hpp>
#include <asim/sim/sweep.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
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

/// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::uint64_t> seeds_seen;

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

}  // namespace
