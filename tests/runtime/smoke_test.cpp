// SPDX-License-Identifier: MIT
#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include "support/recording.hpp"

namespace {
asim::Coro<int> twice_after_sleep(int x) {
  co_await asim::sleep(1.0);
  co_return x * 2;
}
}  // namespace

TEST(Smoke, ManualLoopRunsACoroutineToItsResult) {
  asim::testing::ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(twice_after_sleep(21)), 42);
  EXPECT_DOUBLE_EQ(loop.time(), 1.0);
}
