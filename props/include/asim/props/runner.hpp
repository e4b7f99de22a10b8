// SPDX-License-Identifier: MIT
// run_scenario: a scenario on a loop of one's choice, in one call.
#pragma once

#include <asim/props/interpreter.hpp>
#include <asim/props/scenario.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

/// Which loop runs the scenario.
enum class LoopKind : std::uint8_t {
  /// asim::sim::SimLoop (VirtualLoop when the build has no simulator).
  sim,
  /// asim::RealLoop, wall clock scaled by `time_scale`.
  real,
  /// VirtualLoop: no simulator, no choices.
  virtual_clock,
};

[[nodiscard]] std::string_view loop_kind_name(LoopKind kind) noexcept;
[[nodiscard]] std::optional<LoopKind> loop_kind_from_name(std::string_view name) noexcept;

struct RunOptions {
  LoopKind loop = LoopKind::sim;
  /// The simulator's seed.
  std::uint64_t seed = 0;
  /// SimLoop makes its seeded choices (timer ties). Off: CPython's order exactly,
  /// the conformance mode.
  bool sim_choices = false;
  /// Real loop: real seconds per scenario second.
  double time_scale = 0.05;
  /// SimLoop: stop runaway scenarios after this many callbacks (0: no limit).
  std::uint64_t max_steps = 1'000'000;
  /// SimLoop: record the loop's trace and return it as Chrome Trace Event JSON.
  bool record_chrome_trace = false;
};

struct RunResult {
  std::vector<TraceLine> lines;
  bool deadlock = false;
  /// VirtualLoop only: two live timers fired in one batch (a tie).
  bool tie = false;
  /// Set when the loop itself failed (a step limit, an invariant violation): the
  /// trace stops there.
  std::optional<std::string> loop_error;
  /// The loop error is SimLoop's step limit (RunOptions::max_steps).
  bool step_limit = false;
  /// The simulated loop's trace as Chrome Trace Event JSON, when
  /// RunOptions::record_chrome_trace asked for it (else empty).
  std::string chrome_trace;
};

/// Runs `scenario` on a fresh loop of the kind asked for.
[[nodiscard]] RunResult run_scenario(const Scenario& scenario, const RunOptions& options = {});
/// Runs a compiled scenario. With a `sink`, the lines go there as they happen and
/// RunResult::lines stays empty.
[[nodiscard]] RunResult run_program(const Program& program, const RunOptions& options = {},
                                    TraceSink* sink = nullptr);

/// True when this build has asim::sim::SimLoop.
[[nodiscard]] bool have_sim_loop() noexcept;

}  // namespace asim::props
