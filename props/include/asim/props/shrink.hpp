// SPDX-License-Identifier: MIT
// Shrinking a generated scenario through the choices it was built from.
#pragma once

#include <asim/props/generators.hpp>
#include <asim/props/scenario.hpp>

#include <cstddef>
#include <functional>

namespace asim::props {

struct Shrunk {
  /// The simplest failing scenario found, and the choices that build it.
  Scenario scenario;
  Choices choices;
  /// Scenarios tried, and how many of them failed (each a step toward `scenario`).
  std::size_t checks = 0;
  std::size_t steps = 0;
};

/// Greedy shrinking: edits `choices` (which build a scenario that `fails`) and keeps
/// every edit whose scenario still fails and whose choices are simpler: fewer, or as
/// many and smaller at the first difference (so shrinking ends). The edits: remove a
/// run of 8, 4, 2 or 1 choices, set one to 0, halve it, lower it by one. Stops when no
/// edit helps or after `max_checks` calls of `fails`.
[[nodiscard]] Shrunk shrink_choices(const Choices& choices, const GenOptions& options,
                                    const std::function<bool(const Scenario&)>& fails, std::size_t max_checks);

}  // namespace asim::props
