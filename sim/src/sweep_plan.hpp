// SPDX-License-Identifier: MIT
// Internal to sweeps: the plan made from SweepOptions and the environment, and the
// regression file.
#pragma once

#include <asim/sim/sweep.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asim::sim::detail {

/// What one sweep does, once options and environment are read.
struct SweepPlan {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  std::uint64_t shard_index = 0;
  std::uint64_t total_shards = 1;
  Strategy strategy = Strategy::random;
  unsigned jobs = 1;
  double time_budget = 0;
  std::string regressions;
  std::string trace_path;
  std::string test_id;
  /// ASIM_SCHEDULE (with ASIM_SEED's seed): replay this schedule once.
  std::optional<Schedule> replay_schedule;
  /// ASIM_CANCEL_POINT, for a replayed cancellation point.
  std::optional<CancelPoint> replay_cancel_point;
  /// The options of each run (limits filled in, trace off).
  SimOptions sim;
};

/// Reads options and environment; throws ValueError naming a malformed variable.
SweepPlan make_plan(const SweepOptions& options);

/// `worker@3` (a task name) or `#2@3` (the second task created) as a CancelPoint, and back.
CancelPoint parse_cancel_point(const std::string& text, const char* source);
std::string format_cancel_point(const CancelPoint& point);

/// One line of a regression file: a failing schedule of one test.
struct Regression {
  std::string test_id;
  std::uint64_t seed = 0;
  Schedule schedule;
  std::optional<CancelPoint> cancel_point;
  /// "file:line", for reports.
  std::string place;
};

/// The regressions of `test_id` in `path` (none if the file does not exist). Throws
/// ValueError naming file:line and the expected form when a line is malformed.
std::vector<Regression> load_regressions(const std::string& path, const std::string& test_id);
/// Appends a regression (unless the same line is there); returns false when the file
/// cannot be written.
bool append_regression(const std::string& path, const Regression& regression, const std::string& failure);

}  // namespace asim::sim::detail
