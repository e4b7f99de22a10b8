// SPDX-License-Identifier: MIT
// examples/replicated_kv: the same replicas and client over loopback on RealLoop and on
// SimLoop's network; a sweep finds the buggy variant losing an acknowledged write,
// its replay reproduces it, and the fixed variant passes the same seeds.
#include <gtest/gtest.h>

#include "replicated_kv/localhost.hpp"
#include "replicated_kv/simulation.hpp"

#include <asim/real_loop.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace kv = asim::examples::replicated_kv;
using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::sim::SweepOptions;
using asim::sim::SweepResult;

std::vector<std::string> answers(const kv::ClientRun& run) {
  std::vector<std::string> out;
  for (const kv::Write& write : run.writes) out.push_back("PUT " + write.key + " " + write.value + ": " + write.answer);
  for (const std::string& read : run.reads) out.push_back(read);
  return out;
}

std::vector<std::string> expected_answers(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("PUT key" + std::to_string(i) + " value" + std::to_string(i) + ": OK");
  for (int i = 0; i < count; ++i) out.push_back("VALUE value" + std::to_string(i));
  return out;
}

TEST(ReplicatedKv, OverLoopbackOnEphemeralPortsEveryReadReturnsTheValueWritten) {
  for (const kv::Variant variant : {kv::Variant::fixed, kv::Variant::buggy}) {
    const kv::ClientRun run = asim::run(kv::run_on_localhost(variant, 6));
    EXPECT_EQ(answers(run), expected_answers(6));
  }
}

TEST(ReplicatedKv, TheSameClientAndReplicasOnSimulatedHostsGiveTheSameAnswers) {
  SimLoop loop(0, SimOptions::cpython());
  const kv::ClientRun run = loop.run_until_complete(kv::run_on_hosts(kv::Variant::fixed, 6));
  EXPECT_EQ(answers(run), expected_answers(6));
  EXPECT_EQ(loop.network().host("db1").task_count(), 0U);
}

TEST(ReplicatedKv, InCPythonsOrderTheNemesisNeverStrikesAndEvenTheBuggyStorePasses) {
  SimLoop loop(0, SimOptions::cpython());
  const std::vector<kv::Write> writes = loop.run_until_complete(kv::scenario_writes(kv::Variant::buggy));
  ASSERT_FALSE(writes.empty());
  for (const kv::Write& write : writes) EXPECT_TRUE(write.acknowledged) << write.key << ": " << write.answer;
  EXPECT_EQ(loop.network().host("db1").crashes(), 1U);  // the power-off at the end only
}

SweepOptions sweep_options(std::uint64_t seeds) {
  SweepOptions options;
  options.seeds = seeds;
  options.use_environment = false;
  options.quiet = true;
  return options;
}

auto body(kv::Variant variant) {
  return [variant](SimLoop& /*loop*/) { return kv::scenario(variant); };
}

TEST(ReplicatedKv, ASweepFindsTheBuggyPrimaryLosingAnAcknowledgedWriteAndTheReplayReproducesIt) {
  const SweepResult found = asim::sim::run_sweep(sweep_options(2000), body(kv::Variant::buggy));
  ASSERT_FALSE(found.passed) << found.summary();
  EXPECT_NE(found.failure.find("acknowledged write lost"), std::string::npos) << found.failure;
  EXPECT_FALSE(found.shrunk.empty());
  EXPECT_NE(found.message().find("nemesis"), std::string::npos) << found.message();
  std::printf("buggy: seed %llu fails after %llu seeds; shrunk to '%s'\n%s\n",
              static_cast<unsigned long long>(found.failing_seed), static_cast<unsigned long long>(found.seeds_run),
              found.shrunk.to_string().c_str(), found.failure.c_str());

  SweepOptions replay = sweep_options(1);
  replay.first_seed = found.failing_seed;
  replay.replay = true;
  replay.schedule = found.shrunk.to_string();
  const SweepResult again = asim::sim::run_sweep(replay, body(kv::Variant::buggy));
  ASSERT_FALSE(again.passed);
  EXPECT_EQ(again.failure, found.failure);

  // The fixed store survives the very schedule that broke the buggy one.
  const SweepResult fixed = asim::sim::run_sweep(replay, body(kv::Variant::fixed));
  EXPECT_TRUE(fixed.passed) << fixed.message();
}

TEST(ReplicatedKv, TheFixedVariantPassesTheSweep) {
  const SweepResult result = asim::sim::run_sweep(sweep_options(100), body(kv::Variant::fixed));
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_EQ(result.seeds_run, 100U);
  EXPECT_EQ(result.runs_with_leftovers, 0U) << result.summary();
}

// Crash points chosen by the loop at every arrival at db1 (Network::enable_crashes) on
// top of the nemesis: crashes between any two messages, the fixed store still loses
// nothing and the buggy one is found again.
asim::Coro<void> with_crash_points(kv::Variant variant) { (void)co_await kv::scenario_writes(variant, 0.01); }

TEST(ReplicatedKv, CrashPointsAtEveryArrivalFindTheBugAndTheFixedStoreSurvivesThem) {
  const SweepResult buggy = asim::sim::run_sweep(
      sweep_options(2000), [](SimLoop& /*loop*/) { return with_crash_points(kv::Variant::buggy); });
  ASSERT_FALSE(buggy.passed);
  EXPECT_NE(buggy.failure.find("acknowledged write lost"), std::string::npos) << buggy.failure;
  const SweepResult fixed =
      asim::sim::run_sweep(sweep_options(100), [](SimLoop& /*loop*/) { return with_crash_points(kv::Variant::fixed); });
  EXPECT_TRUE(fixed.passed) << fixed.message();
}

TEST(ReplicatedKv, TheFailingRunsChromeTraceShowsOneProcessPerHost) {
  const SweepResult found = asim::sim::run_sweep(sweep_options(2000), body(kv::Variant::buggy));
  ASSERT_FALSE(found.passed);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("replicated_kv_trace_" + std::to_string(::getpid()) + ".json");
  SweepOptions replay = sweep_options(1);
  replay.first_seed = found.failing_seed;
  replay.replay = true;
  replay.schedule = found.shrunk.to_string();
  replay.trace_path = path.string();
  const SweepResult again = asim::sim::run_sweep(replay, body(kv::Variant::buggy));
  ASSERT_FALSE(again.passed);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  std::filesystem::remove(path);
  for (const char* host : {"host db1", "host db2", "host db3", "host client"}) {
    EXPECT_NE(json.find(std::string(R"("name":"process_name","args":{"name":")") + host + "\"}"), std::string::npos)
        << host;
  }
}

}  // namespace
