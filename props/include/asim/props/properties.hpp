// SPDX-License-Identifier: MIT
// The properties that hold asim's loops to each other and to CPython, checked on one
// scenario at a time (tests, `asim check`).
#pragma once

#include <asim/props/runner.hpp>
#include <asim/props/scenario.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

enum class Property : std::uint8_t {
  /// Two runs on SimLoop with one seed (choices on) print the same trace.
  determinism,
  /// The virtual-clock loop (CPython's order) and RealLoop give the same events in
  /// the same order (times not compared); runs with tied timers are skipped. Meant
  /// for coarse scenarios.
  sim_vs_real,
  /// On SimLoop with its built-in invariants: no invariant violation, no loop error,
  /// times never decrease, every name has at most one `done` line, and without a
  /// deadlock `main` ends.
  invariants,
  /// SimLoop (CPython order) prints exactly what a Python runner of the scenario
  /// language prints. Ties and cancel cycles are skipped.
  conformance,
};

[[nodiscard]] std::string_view property_name(Property property) noexcept;
[[nodiscard]] std::optional<Property> property_from_name(std::string_view name) noexcept;

struct CheckResult {
  enum class Status : std::uint8_t { pass, fail, skip };
  Status status = Status::pass;
  /// Why it failed or was skipped (for a failure: both traces, or the broken rule).
  std::string detail;
  [[nodiscard]] bool passed() const noexcept { return status == Status::pass; }
  [[nodiscard]] bool failed() const noexcept { return status == Status::fail; }
};

struct PropertyOptions {
  /// Seed of the simulated runs.
  std::uint64_t seed = 0;
  /// sim_vs_real: real seconds per scenario second.
  double time_scale = 0.05;
  /// conformance: the Python runner (a `.py` file runs with python3, anything else
  /// as a command); it reads the scenario file named as its argument.
  std::string oracle;
};

/// Checks `property` on `scenario`.
[[nodiscard]] CheckResult check_property(Property property, const Scenario& scenario,
                                         const PropertyOptions& options = {});

/// Checks each of `properties` on `scenario`, with the results check_property gives,
/// in the same order, sharing the work: the scenario is compiled once; simulated runs
/// are compared by a hash of their lines (a pair that differs is run again in full,
/// for the difference or for lines whose times differ below the printed precision);
/// determinism's first run is also the run invariants checks (the same seed and
/// options), its rules applied line by line as the run goes (a broken one is run
/// again in full for the message). What `asim check` calls for every seed.
[[nodiscard]] std::vector<CheckResult> check_properties(std::span<const Property> properties, const Scenario& scenario,
                                                        const PropertyOptions& options = {});
/// The same on a compiled scenario (generate_program's): the tree is made from it
/// (to_scenario) only when a property needs it.
[[nodiscard]] std::vector<CheckResult> check_properties(std::span<const Property> properties, const Program& program,
                                                        const PropertyOptions& options = {});

/// Output of the Python runner for a scenario.
struct OracleResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};
/// Runs `oracle` on `scenario` (written to a temporary file) and collects its output.
/// Throws RuntimeError when the command cannot be started.
[[nodiscard]] OracleResult run_oracle(const std::string& oracle, const Scenario& scenario);

}  // namespace asim::props
