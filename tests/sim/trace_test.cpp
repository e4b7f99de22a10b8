// SPDX-License-Identifier: MIT
// Trace: every kind of event, text and Chrome JSON exports, determinism, golden files.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/trace.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using asim::sim::SimLoop;
using asim::sim::SimOptions;

asim::Coro<int> sleeper(double delay, int value) {
  co_await asim::sleep(delay);
  co_return value;
}

asim::Coro<void> victim() { co_await asim::sleep(100.0); }

// A small program touching every event kind: tasks, equal-deadline timers, a
// cancelled timer, a cancelled task, done futures.
asim::Coro<void> program(asim::EventLoop& loop) {
  auto a = loop.create_task(sleeper(1.0, 1), "alpha");
  auto b = loop.create_task(sleeper(1.0, 2), "beta");
  auto c = loop.create_task(victim(), "victim");
  asim::TimerHandle unused = loop.call_later(5.0, [] {});
  asim::Future<int> future = loop.create_future<int>();
  loop.call_later(0.5, [future]() mutable { future.set_result(7); });
  co_await asim::sleep(0.25);
  unused.cancel();
  c.cancel();
  const int sum = co_await a + co_await b + co_await future;
  try {
    co_await c;
  } catch (const asim::CancelledError&) {
  }
  if (sum != 10) throw asim::ValueError("bad sum");
}

std::string run_text(std::uint64_t seed) {
  SimLoop loop(seed, {.max_lateness = 0.001, .trace = true});
  loop.run_until_complete(loop.create_task(program(loop), "main"));
  return loop.trace().text();
}

std::string run_json(std::uint64_t seed) {
  SimLoop loop(seed, {.max_lateness = 0.001, .trace = true});
  loop.run_until_complete(loop.create_task(program(loop), "main"));
  return loop.trace().chrome_json();
}

TEST(Trace, TheTextTraceHasEveryKindOfEventWithTimeAndStep) {
  const std::string text = run_text(1);
  for (const char* kind : {"task_created", "callback", "task_step_start", "task_step_end", "timer_armed",
                           "timer_fired", "timer_cancelled", "future_done", "cancel_requested", "cancel_delivered"}) {
    EXPECT_NE(text.find(std::string(" ") + kind), std::string::npos) << kind << "\n" << text;
  }
  EXPECT_NE(text.find("task#2 'alpha'"), std::string::npos) << text;
  EXPECT_NE(text.find("Task 'victim' cancelled"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("# asim trace, seed 1\n", 0), 0U);
  // "<seconds> #<step> <kind>" on every line after the header.
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    EXPECT_NE(line.find(" #"), std::string::npos) << line;
    EXPECT_EQ(line.find("0x"), std::string::npos) << "no addresses: " << line;
  }
}

TEST(Trace, NothingIsRecordedUnlessTracingIsOn) {
  SimLoop loop(1);
  loop.run_until_complete(loop.create_task(program(loop), "main"));
  EXPECT_TRUE(loop.trace().events().empty());
}

TEST(Trace, TheSameSeedGivesAByteIdenticalTrace) {
  for (std::uint64_t seed : {0, 1, 2, 99}) {
    EXPECT_EQ(run_text(seed), run_text(seed)) << seed;
    EXPECT_EQ(run_json(seed), run_json(seed)) << seed;
  }
}

TEST(Trace, DifferentSeedsCanGiveDifferentTraces) {
  const std::string first = run_text(0);
  bool differs = false;
  for (std::uint64_t seed = 1; seed < 10 && !differs; ++seed) differs = run_text(seed) != first;
  EXPECT_TRUE(differs);
}

TEST(Trace, ChromeJsonHasOneNamedTrackPerTaskOnAVirtualTimeAxis) {
  const nlohmann::json trace = nlohmann::json::parse(run_json(3));
  ASSERT_TRUE(trace.contains("traceEvents"));
  std::map<int, std::string> threads;
  int steps = 0;
  int waits = 0;
  double last_step_ts = 0;
  for (const auto& event : trace["traceEvents"]) {
    ASSERT_TRUE(event.contains("ph"));
    ASSERT_EQ(event["pid"], 1);
    if (event["ph"] == "M" && event["name"] == "thread_name") {
      threads[event["tid"].get<int>()] = event["args"]["name"].get<std::string>();
    }
    if (event["ph"] == "X") {
      ASSERT_TRUE(event["ts"].is_number());
      ASSERT_TRUE(event["dur"].is_number());
      EXPECT_GE(event["dur"].get<double>(), 0.0);
      if (event["name"] == "step") {
        ++steps;
        EXPECT_GE(event["ts"].get<double>(), last_step_ts);
        last_step_ts = event["ts"].get<double>();
        EXPECT_TRUE(threads.count(event["tid"].get<int>())) << "steps are on named task tracks";
      } else {
        ++waits;
      }
    }
  }
  EXPECT_EQ(threads[0], "loop");
  EXPECT_EQ(threads[1], "task#1 main");
  EXPECT_EQ(threads[2], "task#2 alpha");
  EXPECT_EQ(threads[3], "task#3 beta");
  EXPECT_EQ(threads[4], "task#4 victim");
  EXPECT_GT(steps, 5);
  EXPECT_GT(waits, 3);
  EXPECT_EQ(last_step_ts >= 1000000.0, true) << "alpha's last step is at 1 s = 1e6 us";
}

TEST(Trace, WriteChoosesJsonOrTextByExtension) {
  SimLoop loop(2, {.trace = true});
  loop.run_until_complete(loop.create_task(program(loop), "main"));
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "asim_trace_test";
  std::filesystem::create_directories(dir);
  loop.trace().write((dir / "t.json").string());
  loop.trace().write((dir / "t.txt").string());
  std::ifstream json(dir / "t.json");
  EXPECT_NO_THROW({
    const nlohmann::json parsed = nlohmann::json::parse(json);
    EXPECT_FALSE(parsed["traceEvents"].empty());
  });
  std::ifstream text(dir / "t.txt");
  std::string first;
  std::getline(text, first);
  EXPECT_EQ(first, "# asim trace, seed 2");
  EXPECT_THROW(loop.trace().write((dir / "missing" / "x.txt").string()), asim::RuntimeError);
  std::filesystem::remove_all(dir);
}

// Golden traces: the exact text for a few seeds, checked in. ASIM_UPDATE_GOLDEN=1
// rewrites them after an intended change.
TEST(Trace, GoldenTracesForFixedSeedsAreUnchanged) {
  const bool update = std::getenv("ASIM_UPDATE_GOLDEN") != nullptr;
  for (std::uint64_t seed : {1, 2, 3}) {
    const std::filesystem::path path =
        std::filesystem::path(ASIM_SIM_GOLDEN_DIR) / ("program_seed_" + std::to_string(seed) + ".txt");
    const std::string text = run_text(seed);
    if (update) {
      std::ofstream(path, std::ios::binary) << text;
      continue;
    }
    std::ifstream file(path, std::ios::binary);
    ASSERT_TRUE(file) << "missing golden file " << path;
    std::stringstream golden;
    golden << file.rdbuf();
    EXPECT_EQ(text, golden.str()) << "seed " << seed << " (ASIM_UPDATE_GOLDEN=1 to rewrite)";
  }
}

TEST(Trace, FormatTimeUsesNineDecimalsWithoutFloatingPoint) {
  EXPECT_EQ(asim::sim::format_time(0), "0.000000000");
  EXPECT_EQ(asim::sim::format_time(1500000000), "1.500000000");
  EXPECT_EQ(asim::sim::format_time(-5), "-0.000000005");
  EXPECT_EQ(asim::sim::format_time(INT64_MIN), "-9223372036.854775808");
}

}  // namespace
