// SPDX-License-Identifier: MIT
// The example bugs of examples/bugs: the default sweep finds each buggy variant, the
// fixed variant passes 10,000 seeds, and CPython's nominal order never shows the bug.
#include <asim/sim/gtest.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include <gtest/gtest.h>

#include "bugs/catalog.hpp"

#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace asim::examples::bugs {
// GoogleTest prints a parameter by its name rather than its address.
inline void PrintTo(const Example* example, std::ostream* out) { *out << example->name; }
}  // namespace asim::examples::bugs

namespace {

using asim::examples::bugs::Example;
using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::sim::SweepOptions;
using asim::sim::SweepResult;

constexpr std::uint64_t seeds = 10000;

/// The options every sweep here uses: the default exploration, with limits so that a
/// broken example fails at once instead of running long.
SimOptions exploring() {
  SimOptions options;
  options.max_steps = 100000;
  options.max_virtual_time = 10;
  return options;
}

class ExampleBug : public ::testing::TestWithParam<const Example*> {};

// The body of a sweep: the example's scenario, one variant. The lambda is not a
// coroutine (it returns the scenario's), so capturing the example is safe.
auto body(const Example* example, bool fixed) {
  return [example, fixed](SimLoop& /*loop*/) { return example->scenario(fixed); };
}

TEST_P(ExampleBug, TheDefaultSweepFindsTheBuggyVariantAndShrinksItToThreeChoices) {
  const SweepResult result = asim::sim::run_sweep(
      {.seeds = seeds, .sim = exploring(), .use_environment = false, .quiet = true}, body(GetParam(), false));
  ASSERT_FALSE(result.passed) << GetParam()->name << ": no failure in " << result.seeds_run << " seeds";
  EXPECT_FALSE(result.failure.empty());
  EXPECT_FALSE(result.shrunk.empty()) << "CPython's order cannot fail (see CPythonsNominalOrderNeverShowsTheBug)";
  EXPECT_LE(result.shrunk.size(), 3U) << result.message();
  RecordProperty("first_failing_seed", std::to_string(result.failing_seed));
  RecordProperty("shrunk_schedule", result.shrunk.to_string());
  std::printf("%.*s: first failing seed %llu, shrunk in %llu runs to '%s': %s\n",
              static_cast<int>(GetParam()->name.size()), GetParam()->name.data(),
              static_cast<unsigned long long>(result.failing_seed), static_cast<unsigned long long>(result.shrink_runs),
              result.shrunk.to_string().c_str(), result.failure.c_str());
}

TEST_P(ExampleBug, TheFixedVariantPassesTenThousandSeeds) {
  // Ten thousand, or the example's own count (the network services cost more per seed).
  const SweepResult result =
      asim::sim::sweep({.seeds = GetParam()->test_seeds, .sim = exploring()}, body(GetParam(), true));
  EXPECT_TRUE(result.passed);
}

TEST_P(ExampleBug, CPythonsNominalOrderNeverShowsTheBug) {
  SimLoop loop(0, SimOptions::cpython());
  EXPECT_NO_THROW(loop.run_until_complete(GetParam()->scenario(false)));
}

std::vector<const Example*> all_examples() {
  std::vector<const Example*> out;
  for (const Example& example : asim::examples::bugs::catalog) out.push_back(&example);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalog, ExampleBug, ::testing::ValuesIn(all_examples()),
                         [](const ::testing::TestParamInfo<const Example*>& info) {
                           return std::string(info.param->name);
                         });

TEST(ExampleBugCatalog, NamesAreUniqueAndFindable) {
  for (const Example& example : asim::examples::bugs::catalog) {
    EXPECT_EQ(asim::examples::bugs::find_example(example.name), &example);
    EXPECT_FALSE(example.summary.empty());
    EXPECT_FALSE(example.bug.empty());
    EXPECT_FALSE(example.fix.empty());
  }
  EXPECT_EQ(asim::examples::bugs::find_example("stale_cache"), nullptr);
}

}  // namespace

namespace {

// Cancellation points find the leak in CPython's own order, without any timing:
// cancelling the client at each of its suspensions in turn, the one at the hand-off to
// the indexer leaks the lock; the fixed journal survives every one.
TEST(ExampleBugCancellationPoints, CancellingTheClientAtEachSuspensionFindsTheLockLeak) {
  const Example* lock_leak = asim::examples::bugs::find_example("lock_leak");
  ASSERT_NE(lock_leak, nullptr);
  SweepOptions options{.seeds = 1, .sim = SimOptions::cpython(), .use_environment = false, .quiet = true};
  options.cancel_points = {.task = "client", .max_suspensions = 10};
  const SweepResult buggy = asim::sim::run_sweep(options, body(lock_leak, false));
  ASSERT_FALSE(buggy.passed);
  EXPECT_EQ(buggy.cancel_task, "client");
  // Suspension 1 is the disk write (guarded), 2 the hand-off to the indexer.
  EXPECT_EQ(buggy.cancel_suspension, 2U);
  std::printf("lock_leak: cancelling 'client' at suspension %u (%s) leaks the lock\n", buggy.cancel_suspension,
              buggy.cancel_site.c_str());
  const SweepResult fixed = asim::sim::run_sweep(options, body(lock_leak, true));
  EXPECT_TRUE(fixed.passed) << fixed.message();
}

}  // namespace
