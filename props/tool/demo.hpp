// SPDX-License-Identifier: MIT
// The engine of `asim demo`: sweeps seeds over examples/stale_cache on SimLoop, shrinks
// the first failing schedule and explains it. Shared by the tool and its tests.
#pragma once

#include <asim/sim/chooser.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/trace.hpp>

#include "stale_cache/stale_cache.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace asim::examples::bugs {
struct Example;
}  // namespace asim::examples::bugs

namespace asim::tool::demo {

/// One number the simulated loop drew from its chooser.
struct Draw {
  sim::ChoiceKind kind = sim::ChoiceKind::timer_tie;
  std::uint64_t bound = 0;
  std::uint64_t value = 0;
};

/// The SimLoop options of every demo run: timer ties chosen and timers up to 2 ms
/// late (both are things a real loop may do), with limits so that no run can hang.
[[nodiscard]] sim::SimOptions demo_sim_options();

/// One run of the example on SimLoop.
struct Run {
  bool failed = false;
  /// Why it failed: the broken final check, or the error that ended the run.
  std::string failure;
  /// Every draw, in order (a replay of these reproduces the run).
  std::vector<Draw> draws;
  std::vector<stale_cache::Note> notes;
  /// The loop's trace, when asked for.
  sim::Trace trace;
  std::uint64_t steps = 0;
};

/// Runs `variant` on SimLoop(seed). With `forced`, the chooser returns forced[i] for
/// the i-th draw (clamped to its bound; 0 past the end) instead of the seed's PRNG.
[[nodiscard]] Run run_example(stale_cache::Variant variant, std::uint64_t seed,
                              const std::vector<std::uint64_t>* forced = nullptr, bool trace = false);

/// The values of `draws`.
[[nodiscard]] std::vector<std::uint64_t> values(const std::vector<Draw>& draws);
/// How many draws are not 0 (0 is CPython's choice: FIFO ties, never late).
[[nodiscard]] std::size_t non_default(const std::vector<Draw>& draws);

/// A failing schedule made small: the draws of the last failing run, and how many
/// runs the shrinking took.
struct Shrunk {
  std::vector<Draw> draws;
  std::size_t runs = 0;
};

/// Shrinks the failing schedule `draws` of `seed`: tries replacing each non-zero draw
/// by 0, 1, half its value or one less, keeping a change only when the run still
/// fails, until no single such change keeps it failing.
[[nodiscard]] Shrunk shrink(stale_cache::Variant variant, std::uint64_t seed, const std::vector<Draw>& draws);

/// What `asim demo` does.
struct Options {
  /// Which demo (one of demo_names()).
  std::string name = "stale_cache";
  std::uint64_t first_seed = 0;
  std::uint64_t end_seed = 1000;  // exclusive
  /// Example bugs only: replay this schedule (`--schedule`, as the report prints it).
  bool has_schedule = false;
  std::string schedule;
  /// Replay a single seed (prints the same report as the sweep's failing seed).
  bool single_seed = false;
  stale_cache::Variant variant = stale_cache::Variant::racy;
  /// Where to write the shrunk failing run's trace ("": nowhere); ".json": Chrome
  /// Trace Event JSON (Perfetto, chrome://tracing), else text.
  std::string trace_path;
  /// How the tool was invoked (argv[0]), for the replay line.
  std::string program = "asim";
};

/// The demo's result: its whole output and exit code.
struct Report {
  bool found = false;
  std::uint64_t seeds_run = 0;
  std::uint64_t failing_seed = 0;
  /// The failing seed's schedule and its shrunk form.
  std::vector<Draw> original;
  std::vector<Draw> shrunk;
  std::string output;
  /// The `replay: ...` command (without "replay: "), or "" when nothing failed.
  std::string replay;
  int exit_code = 0;
};

/// The demos `asim demo NAME` knows, for `asim demo --list`.
[[nodiscard]] std::vector<std::string> demo_names();

/// `run` for the example bugs of examples/bugs (every name but stale_cache).
namespace examples_bugs = asim::examples::bugs;
[[nodiscard]] Report run_example_bug(const Options& options, const examples_bugs::Example& example);

/// Sweeps, shrinks and explains; deterministic (no wall time, no address).
/// Throws std::invalid_argument when `options.name` is not one of demo_names().
[[nodiscard]] Report run(const Options& options);

}  // namespace asim::tool::demo
