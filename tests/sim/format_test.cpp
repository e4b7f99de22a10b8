// SPDX-License-Identifier: MIT
// Tests of <asim/sim/format.hpp>: trace events and sweep results through fmt.
#include <asim/sim/format.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sleep.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace {

using asim::sim::SimLoop;
using asim::sim::TraceEvent;
using asim::sim::TraceEventKind;

asim::Coro<void> napper() { co_await asim::sleep(0.5); }

TEST(SimFormat, AnEventPrintsAsItsLineOfTheTextTrace) {
  TraceEvent timer{.time_ns = 1'500'000'000, .step = 4, .kind = TraceEventKind::timer_fired, .task = 2, .timer = 3,
                   .when_ns = 1'500'000'000};
  EXPECT_EQ(fmt::format("{}", timer), "1.500000000 #4 timer_fired task#2 timer#3 when=1.500000000");
  TraceEvent end{.time_ns = -1, .step = 0, .kind = TraceEventKind::task_step_end, .detail = "awaits Future"};
  EXPECT_EQ(fmt::format("{}", end), "-0.000000001 #0 task_step_end awaits Future");
  EXPECT_EQ(fmt::format("{:>12}", TraceEventKind::future_done), " future_done");
}

TEST(SimFormat, EventsInTheirTraceCarryTaskNamesLikeTheTextExport) {
  SimLoop loop(3, {.trace = true});
  loop.run_until_complete(loop.create_task(napper(), "napper"));
  const asim::sim::Trace& trace = loop.trace();
  ASSERT_FALSE(trace.events().empty());
  std::string lines = fmt::format("# asim trace, seed {}\n", trace.seed());
  for (const TraceEvent& event : trace.events()) lines += fmt::format("{}\n", asim::sim::EventInTrace{trace, event});
  EXPECT_EQ(lines, trace.text());
  EXPECT_NE(lines.find("task#1 'napper'"), std::string::npos) << lines;
}

TEST(SimFormat, ASweepResultPrintsItsReport) {
  asim::sim::SweepResult passed;
  passed.seeds_run = 20;
  passed.end = 20;
  EXPECT_EQ(fmt::format("{}", passed), passed.message());
  EXPECT_EQ(fmt::format("{}", passed).rfind("asim sweep passed: 20 seeds of [0, 20)", 0), 0U);
  asim::sim::SweepResult failed = passed;
  failed.passed = false;
  failed.failing_seed = 7;
  failed.seeds_run = 8;
  failed.failure = "DeadlockError: nothing can run";
  failed.replay = "replay: ASIM_SEED=7 ./tests";
  EXPECT_EQ(fmt::format("{}", failed), failed.message());
  EXPECT_NE(fmt::format("{}", failed).find("seed 7"), std::string::npos);
}

}  // namespace
