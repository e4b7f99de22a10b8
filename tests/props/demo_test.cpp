// SPDX-License-Identifier: MIT
// Tests of `asim demo`'s engine (props/tool/demo.hpp) over examples/stale_cache.
#include "demo.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace demo = asim::tool::demo;
using stale_cache::Variant;

namespace {

demo::Options replay_of(std::uint64_t seed) {
  demo::Options options;
  options.first_seed = seed;
  options.end_seed = seed + 1;
  options.single_seed = true;
  options.program = "asim";
  return options;
}

// The report from the "FAIL" line on: what a sweep and a replay of its seed share.
std::string failure_part(const std::string& output) {
  const std::size_t at = output.find("FAIL seed ");
  return at == std::string::npos ? std::string() : output.substr(at);
}

}  // namespace

TEST(Demo, FindsAFailureWithinItsDefaultSeedRange) {
  const demo::Report report = demo::run(demo::Options{});
  ASSERT_TRUE(report.found) << report.output;
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_LT(report.failing_seed, demo::Options{}.end_seed);
  EXPECT_EQ(report.replay, "asim demo --seed " + std::to_string(report.failing_seed));
  const std::string last_line = "replay: " + report.replay + "\n";
  ASSERT_GE(report.output.size(), last_line.size());
  EXPECT_EQ(report.output.substr(report.output.size() - last_line.size()), last_line);
}

TEST(Demo, ReplayingTheFailingSeedTwiceGivesIdenticalOutputAndExitCodeOne) {
  const demo::Report sweep = demo::run(demo::Options{});
  ASSERT_TRUE(sweep.found);
  const demo::Report first = demo::run(replay_of(sweep.failing_seed));
  const demo::Report second = demo::run(replay_of(sweep.failing_seed));
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_EQ(first.output, second.output);
  EXPECT_EQ(failure_part(first.output), failure_part(sweep.output));
  EXPECT_FALSE(failure_part(first.output).empty());
}

TEST(Demo, OutputCarriesNoAddresses) {
  const demo::Report report = demo::run(demo::Options{});
  EXPECT_EQ(report.output.find("0x"), std::string::npos) << report.output;
}

TEST(Demo, TheShrunkScheduleStillFailsWithNoMoreNonDefaultChoices) {
  const demo::Report report = demo::run(demo::Options{});
  ASSERT_TRUE(report.found);
  const std::vector<std::uint64_t> shrunk = demo::values(report.shrunk);
  const demo::Run replayed = demo::run_example(Variant::racy, report.failing_seed, &shrunk);
  EXPECT_TRUE(replayed.failed);
  EXPECT_LE(demo::non_default(report.shrunk), demo::non_default(report.original));
  EXPECT_GE(demo::non_default(report.shrunk), 1u);
}

TEST(Demo, NoSingleShrinkStepKeepsTheShrunkScheduleFailing) {
  const demo::Report report = demo::run(demo::Options{});
  ASSERT_TRUE(report.found);
  const std::vector<std::uint64_t> shrunk = demo::values(report.shrunk);
  for (std::size_t i = 0; i < shrunk.size(); ++i) {
    if (shrunk[i] == 0) continue;
    std::vector<std::uint64_t> trial = shrunk;
    trial[i] = 0;
    EXPECT_FALSE(demo::run_example(Variant::racy, report.failing_seed, &trial).failed) << "choice " << i;
  }
}

TEST(Demo, CPythonOrderDoesNotExposeTheBug) {
  const std::vector<std::uint64_t> all_zero;
  const demo::Run run = demo::run_example(Variant::racy, 0, &all_zero);
  EXPECT_FALSE(run.failed) << run.failure;
  EXPECT_EQ(demo::non_default(run.draws), 0u);
  EXPECT_FALSE(run.draws.empty());
}

TEST(Demo, OnlySomeSchedulesExposeTheBug) {
  int failing = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) failing += demo::run_example(Variant::racy, seed).failed ? 1 : 0;
  EXPECT_GT(failing, 0);
  EXPECT_LT(failing, 200);
}

TEST(Demo, TheFixedCachePassesTheSameSweep) {
  demo::Options options;
  options.variant = Variant::fixed;
  const demo::Report report = demo::run(options);
  EXPECT_FALSE(report.found) << report.output;
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_EQ(report.seeds_run, options.end_seed - options.first_seed);
  EXPECT_NE(report.output.find("no failing seed in 0:1000"), std::string::npos) << report.output;
}

TEST(Demo, TheFixedCachePassesTheRacyVariantsShrunkSchedule) {
  const demo::Report report = demo::run(demo::Options{});
  ASSERT_TRUE(report.found);
  const std::vector<std::uint64_t> shrunk = demo::values(report.shrunk);
  EXPECT_FALSE(demo::run_example(Variant::fixed, report.failing_seed, &shrunk).failed);
}

TEST(Demo, ReplayingAPassingSeedExitsZero) {
  std::uint64_t seed = 0;
  while (demo::run_example(Variant::racy, seed).failed) ++seed;
  const demo::Report report = demo::run(replay_of(seed));
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_NE(report.output.find("seed " + std::to_string(seed) + " passes"), std::string::npos) << report.output;
}

TEST(Demo, RunsTheDemoNamedInItsOptionsAndRefusesUnknownNames) {
  const std::vector<std::string> names = demo::demo_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "stale_cache");
  EXPECT_EQ(demo::Options{}.name, "stale_cache");
  demo::Options unknown = replay_of(0);
  unknown.name = "no_such_demo";
  EXPECT_THROW((void)demo::run(unknown), std::invalid_argument);
}
