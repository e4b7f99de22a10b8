// SPDX-License-Identifier: MIT
// The install test's GoogleTest consumer: a sweep called from a TEST and an
// ASIM_SWEEP_TEST, on the installed asim::sim_gtest.
#include <asim/asim.hpp>
#include <asim/sim/gtest.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

asim::Coro<int> add_later(double delay, int x, int y) {
  co_await asim::sleep(delay);
  co_return x + y;
}

// Two tasks whose timers tie: the simulated loop orders them by its seed.
asim::Coro<void> two_tasks(asim::sim::SimLoop& /*loop*/) {
  asim::Task<int> a = asim::create_task(add_later(0.5, 1, 2));
  asim::Task<int> b = asim::create_task(add_later(0.5, 3, 1));
  const int x = co_await a;
  const int y = co_await b;
  if (x + y != 7) throw std::logic_error("wrong sum");
}

TEST(Consumer, SweepsATieOverTwentySeeds) {
  const asim::sim::SweepResult result =
      asim::sim::sweep({.seeds = 20}, [](asim::sim::SimLoop& loop) { return two_tasks(loop); });
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_EQ(result.seeds_run, 20U);
}

ASIM_SWEEP_TEST(Consumer, SweepTestMacroRunsTheBodyPerSeed, {.seeds = 10}) {
  const int sum = co_await add_later(0.25, 20, 22);
  EXPECT_EQ(sum, 42);
  EXPECT_GE(loop.time(), 0.25);  // a busy machine may wake late, never early
  EXPECT_LT(loop.time(), 0.26);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
