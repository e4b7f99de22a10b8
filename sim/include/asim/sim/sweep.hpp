// SPDX-License-Identifier: MIT
// Seed sweeps: run a coroutine body on many seeds, stop at the first failure, print
// the seed and a replay line.
#pragma once

#include <asim/coro.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/task.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

namespace asim::sim {

/// What to sweep. Designated-initializer friendly: `sweep({.seeds = 500}, body)`.
struct SweepOptions {
  /// How many seeds, from `first_seed` on (ASIM_SEEDS=A:B overrides both).
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 0;
  /// The options of every run's SimLoop (`trace` is switched on only to write the
  /// failing run's trace when ASIM_TRACE is set).
  SimOptions sim = {};
  /// Read ASIM_SEED, ASIM_SEEDS, ASIM_TRACE, GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX.
  bool use_environment = true;
  /// Do not print the failure report to stderr (it is still in the result).
  bool quiet = false;
};

/// The outcome of a sweep.
struct SweepResult {
  bool passed = true;
  /// Seeds run (the failing one included).
  std::uint64_t seeds_run = 0;
  /// The seed range swept, [first, end), and this process's shard of it.
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  std::uint64_t shard_index = 0;
  std::uint64_t total_shards = 1;
  /// The first failing seed, its failure ("DeadlockError: ..." etc.) and the
  /// command that replays it ("replay: ASIM_SEED=7 ./tests --gtest_filter=S.N").
  std::uint64_t failing_seed = 0;
  std::string failure;
  std::string replay;
  /// Where the failing run's trace was written (ASIM_TRACE), or "".
  std::string trace_path;
  /// The whole report: seed, failure, replay line.
  [[nodiscard]] std::string message() const;
};

/// Thrown by `sweep` on failure when no test framework glue is installed.
class SweepFailure : public RuntimeError {
 public:
  explicit SweepFailure(SweepResult result) : RuntimeError(result.message()), result_(std::move(result)) {}
  [[nodiscard]] const SweepResult& result() const noexcept { return result_; }

 private:
  SweepResult result_;
};

/// How `sweep` reports a failure: the default prints nothing more and throws
/// SweepFailure; <asim/sim/gtest.hpp> installs one that adds a GoogleTest failure.
struct SweepReporter {
  /// Reports `result` as a failure at `file`:`line` (the sweep call).
  void (*report)(const SweepResult& result, const char* file, int line) = nullptr;
  /// Arguments that select the current test for the replay line, e.g.
  /// " --gtest_filter=Suite.Name", or "".
  std::string (*replay_arguments)() = nullptr;
};
/// Installs `reporter` for every later sweep; returns true (for static initializers).
bool install_sweep_reporter(SweepReporter reporter) noexcept;
[[nodiscard]] SweepReporter sweep_reporter() noexcept;

namespace detail {

/// A type-erased body: runs the user's body on `loop` to completion.
using RunBody = void (*)(void* body, SimLoop& loop);

/// The non-template sweep: plans the seeds from options and environment, runs each,
/// and on failure writes the trace and builds the report.
SweepResult run_sweep(const SweepOptions& options, void* body, RunBody run);

template <class Body>
void run_body(void* body, SimLoop& loop) {
  auto& fn = *static_cast<std::remove_reference_t<Body>*>(body);
  auto coro = fn(loop);
  loop.run_until_complete(std::move(coro));
}

}  // namespace detail

/// Runs `body(loop)` (a coroutine returning asim::Coro<T>) on a fresh SimLoop for
/// each seed and returns at the first failure (an exception out of the body, a
/// deadlock, a limit, an invariant), without reporting it. The body is kept alive
/// until its coroutine is done, so a capture-less lambda coroutine is fine.
template <class Body>
SweepResult run_sweep(const SweepOptions& options, Body&& body) {
  return detail::run_sweep(options, static_cast<void*>(std::addressof(body)), &detail::run_body<Body>);
}

/// run_sweep, then reports a failure: prints the report to stderr (unless quiet) and
/// hands it to the installed reporter (GoogleTest: an ordinary test failure), or,
/// with none installed, throws SweepFailure.
///
/// Environment: ASIM_SEED=N runs seed N alone; ASIM_SEEDS=A:B sweeps [A, B);
/// ASIM_TRACE=path writes the failing run's trace (".json": Chrome trace, else
/// text); GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX give this process every
/// TOTAL-th seed starting at INDEX.
template <class Body>
SweepResult sweep(const SweepOptions& options, Body&& body, const char* file = __builtin_FILE(),
                  int line = __builtin_LINE()) {
  SweepResult result = run_sweep(options, std::forward<Body>(body));
  if (!result.passed) {
    SweepReporter reporter = sweep_reporter();
    if (reporter.report == nullptr) throw SweepFailure(result);
    reporter.report(result, file, line);
  }
  return result;
}

}  // namespace asim::sim
