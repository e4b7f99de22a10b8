// SPDX-License-Identifier: MIT
// The lifetime traps of issue 14 under seed sweeps: each body runs on a SimLoop for 20
// seeds through asim::sim::run_sweep and ends in a reported failure or a pass, never a
// crash. A sweep runs the body with loop.run_until_complete, which cancels and finishes
// the tasks the body left before its frame goes (asyncio.run's order); a failing loop
// (a deadlock) destroys pending frames newest first. Bodies that fail run one seed per
// sweep, since a sweep stops at its first failure.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "support/lifetime_traps.hpp"

namespace {

using lifetime_traps::Record;
constexpr std::uint64_t kSeeds = 20;

// A body for run_sweep: a plain lambda that returns the trap's coroutine, so nothing
// the coroutine uses lives in a lambda object.
template <class Trap>
auto body_of(Trap trap, Record* rec) {
  return [trap, rec](asim::sim::SimLoop&) { return trap(rec); };
}

// Every seed of a trap that passes: one sweep of kSeeds seeds.
template <class Trap>
void expect_passes_on_every_seed(Trap trap, int cleanups_per_run) {
  Record rec;
  const asim::sim::SweepResult result =
      asim::sim::run_sweep({.seeds = kSeeds, .use_environment = false, .quiet = true}, body_of(trap, &rec));
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_EQ(result.seeds_run, kSeeds);
  EXPECT_EQ(rec.cleanups, cleanups_per_run * static_cast<int>(kSeeds));
  EXPECT_EQ(rec.freed_reads, 0);
}

// Every seed of a trap that fails: kSeeds sweeps of one seed, each reporting `failure`.
// A failing sweep runs the failing schedule again (shrinking, then once with labels for
// the report), so every one of its runs must have cleaned up in full.
template <class Trap>
void expect_reported_failure_on_every_seed(Trap trap, const std::string& failure, int cleanups_per_run) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Record rec;
    const asim::sim::SweepResult result = asim::sim::run_sweep(
        {.seeds = 1, .first_seed = seed, .use_environment = false, .quiet = true}, body_of(trap, &rec));
    EXPECT_FALSE(result.passed) << "seed " << seed;
    EXPECT_NE(result.failure.find(failure), std::string::npos) << "seed " << seed << ": " << result.failure;
    EXPECT_GE(rec.cleanups, cleanups_per_run) << "seed " << seed;
    EXPECT_EQ(rec.cleanups % cleanups_per_run, 0) << "seed " << seed << ": a run cleaned up only in part";
    EXPECT_EQ(rec.freed_reads, 0) << "seed " << seed;
  }
}

TEST(LifetimeSweep, GatherFailureIsAReportedFailureOnEverySeed) {
  expect_reported_failure_on_every_seed(&lifetime_traps::gather_failure, "child failed", 3);
}

TEST(LifetimeSweep, WaitFirstExceptionThenReturnPassesOnEverySeed) {
  expect_passes_on_every_seed(&lifetime_traps::wait_first_exception_then_return, 2);
}

TEST(LifetimeSweep, TimeoutAroundChildrenPassesOnEverySeed) {
  expect_passes_on_every_seed(&lifetime_traps::timeout_around_children, 3);
}

TEST(LifetimeSweep, TaskGroupAbortIsAReportedFailureOnEverySeed) {
  expect_reported_failure_on_every_seed(&lifetime_traps::task_group_abort, "ExceptionGroup", 3);
}

TEST(LifetimeSweep, LeftoverTasksWithDestructorsPassOnEverySeed) {
  expect_passes_on_every_seed(&lifetime_traps::leftover_tasks_with_destructors, 3);
}

TEST(LifetimeSweep, CancelledMainIsAReportedFailureOnEverySeed) {
  expect_reported_failure_on_every_seed(&lifetime_traps::main_cancelled, "CancelledError", 2);
}

TEST(LifetimeSweep, DeadlockWithLeftoversIsAReportedFailureAndTeardownFindsTheMainFrame) {
  expect_reported_failure_on_every_seed(&lifetime_traps::deadlock_with_leftovers, "eadlock", 3);
}

TEST(LifetimeSweep, ALeftoverIgnoringCancellationIsAReportedDeadlockAndTheMainFrameOutlivesIt) {
  expect_reported_failure_on_every_seed(&lifetime_traps::leftover_ignoring_cancellation, "eadlock", 1);
}

}  // namespace
