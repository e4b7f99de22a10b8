// SPDX-License-Identifier: MIT
// GoogleTest glue for seed sweeps: a failing sweep is an ordinary test failure that
// carries the seed and the replay line.
#pragma once

#include <asim/sim/sweep.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace asim::sim::detail {

inline void report_sweep_to_gtest(const SweepResult& result, const char* file, int line) {
  ADD_FAILURE_AT(file, line) << result.message();
}

inline std::string gtest_replay_arguments() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return {};
  return std::string(" --gtest_filter=") + info->test_suite_name() + "." + info->name();
}

inline std::string gtest_test_id() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return {};
  return std::string(info->test_suite_name()) + "." + info->name();
}

/// GoogleTest runs each test in one shard only, which would sweep only that shard's
/// share of seeds. So the glue takes GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX over
/// (renamed ASIM_TOTAL_SHARDS / ASIM_SHARD_INDEX) before GoogleTest reads them: every
/// test runs in every shard and each sweep runs its shard's seeds.
/// ASIM_GTEST_SHARD_TESTS=1 keeps GoogleTest's own sharding instead.
inline bool take_over_gtest_sharding() noexcept {
  const char* keep = std::getenv("ASIM_GTEST_SHARD_TESTS");
  if (keep != nullptr && std::string(keep) == "1") return false;
  const char* total = std::getenv("GTEST_TOTAL_SHARDS");
  const char* index = std::getenv("GTEST_SHARD_INDEX");
  if (total == nullptr) return false;
  setenv("ASIM_TOTAL_SHARDS", total, 1);
  setenv("ASIM_SHARD_INDEX", index != nullptr ? index : "0", 1);
  unsetenv("GTEST_TOTAL_SHARDS");
  unsetenv("GTEST_SHARD_INDEX");
  return true;
}

inline const bool gtest_glue_installed =
    install_sweep_reporter({&report_sweep_to_gtest, &gtest_replay_arguments, &gtest_test_id}) && (take_over_gtest_sharding(), true);

}  // namespace asim::sim::detail

/// Defines a GoogleTest test whose body is a coroutine run by a seed sweep:
///
///     ASIM_SWEEP_TEST(Retry, SurvivesTimeouts, {.seeds = 500}) {
///       co_await asim::sleep(1.0);   // `loop` is the SimLoop of this seed
///     }
///
/// The options argument is an asim::sim::SweepOptions initializer.
#define ASIM_SWEEP_TEST(suite, name, ...)                                                      \
  static ::asim::Coro<void> asim_sweep_body_##suite##_##name(::asim::sim::SimLoop& loop);      \
  TEST(suite, name) {                                                                          \
    ::asim::sim::sweep(::asim::sim::SweepOptions __VA_ARGS__, &asim_sweep_body_##suite##_##name); \
  }                                                                                            \
  static ::asim::Coro<void> asim_sweep_body_##suite##_##name([[maybe_unused]] ::asim::sim::SimLoop& loop)
