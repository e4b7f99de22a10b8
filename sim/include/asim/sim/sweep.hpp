// SPDX-License-Identifier: MIT
// Seed sweeps: run a coroutine body on many seeds, stop at the first failure, print
// the seed and a replay line.
#pragma once

#include <asim/coro.hpp>
#include <asim/sim/schedule.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/strategy.hpp>
#include <asim/task.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim::sim {

/// Cancellation points: instead of one run per seed, each seed runs once per
/// suspension k = 1, 2, ... of a task, cancelling it there (SimOptions::cancel_point),
/// until the task suspends fewer than k times or `max_suspensions` is reached. The
/// report names the smallest failing k and what the task awaited there.
struct CancelPoints {
  /// The task's name, or "*" for each task the body creates, in creation order.
  std::string task;
  /// The largest k tried (0: the mode is off).
  std::uint32_t max_suspensions = 0;
  [[nodiscard]] bool active() const noexcept { return max_suspensions != 0 && !task.empty(); }
};

/// What to sweep. Designated-initializer friendly: `sweep({.seeds = 500}, body)`.
struct SweepOptions {
  /// How many seeds, from `first_seed` on (ASIM_SEEDS=A:B overrides both). With the
  /// exhaustive strategy: at most this many schedules.
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 0;
  /// The options of every run's SimLoop. `trace` is switched on only to write the
  /// failing run's trace (ASIM_TRACE). Limits left unset get the sweep's defaults.
  SimOptions sim = {};
  /// How choices are drawn (ASIM_STRATEGY=random|pct|exhaustive overrides it).
  Strategy strategy = Strategy::random;
  PctOptions pct = {};
  ExhaustiveOptions exhaustive = {};
  CancelPoints cancel_points = {};
  /// Shrink a failing schedule toward CPython's order (at most `max_shrink_runs` runs).
  bool shrink = true;
  std::uint64_t max_shrink_runs = 2000;
  /// Threads, one SimLoop each (ASIM_JOBS). The result does not depend on it; the
  /// body must not share mutable state between runs. 0: one per core.
  unsigned jobs = 1;
  /// Stop starting runs after this many wall-clock seconds (ASIM_SWEEP_SECONDS); 0: no
  /// budget. A sweep cut short by its budget passes if what ran passed, and says so.
  double time_budget = 0;
  /// A file of failing schedules to replay before sweeping, and to which a new failure
  /// is appended (ASIM_REGRESSIONS): commit it beside the test.
  std::string regressions;
  /// The limits every run gets when `sim` leaves them unset, so that a livelock fails
  /// with the list of pending tasks instead of hanging CI.
  std::uint64_t default_max_steps = 1'000'000;
  double default_max_virtual_time = 86'400;
  /// Read ASIM_SEED, ASIM_SEEDS, ASIM_SCHEDULE, ASIM_TRACE, ASIM_STRATEGY, ASIM_JOBS,
  /// ASIM_SWEEP_SECONDS, ASIM_REGRESSIONS and the shard variables.
  bool use_environment = true;
  /// Print nothing to stderr (the report is still in the result).
  bool quiet = false;
  /// Replay this schedule (as SweepResult::shrunk.to_string() prints it; "" for
  /// CPython's order when `replay` is set) on `first_seed` once instead of sweeping.
  /// ASIM_SCHEDULE overrides it.
  bool replay = false;
  std::string schedule;
  /// Write the shrunk failing run's trace here (ASIM_TRACE overrides it).
  std::string trace_path;
};

/// The outcome of a sweep.
struct SweepResult {
  bool passed = true;
  Strategy strategy = Strategy::random;
  /// Runs made (the failing one included; regressions and shrinking not counted).
  std::uint64_t seeds_run = 0;
  /// Distinct schedules among those runs (by the hash of their non-zero answers).
  std::uint64_t distinct_schedules = 0;
  /// The largest number of choices one run made (0: the body makes no choices).
  std::uint64_t max_choices = 0;
  /// The seed range swept, [first, end), and this process's shard of it.
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  std::uint64_t shard_index = 0;
  std::uint64_t total_shards = 1;
  /// Wall-clock seconds the sweep took (shrinking included).
  double seconds = 0;
  /// The exhaustive strategy ran every schedule within its bound.
  bool exhausted = false;
  /// The time budget stopped the sweep early.
  bool budget_exhausted = false;
  /// Regression schedules replayed before the sweep.
  std::uint64_t regressions_replayed = 0;
  /// Runs whose body returned while tasks it created were still running (they were
  /// cancelled then, as asyncio.run does), and the names of those of the first such run.
  std::uint64_t runs_with_leftovers = 0;
  std::vector<std::string> leftover_tasks;

  /// The first failing seed, its failure ("DeadlockError: ..." etc.).
  std::uint64_t failing_seed = 0;
  std::string failure;
  /// The failing run's schedule as found, and shrunk (with labels), and the shrink's cost.
  Schedule found;
  Schedule shrunk;
  std::uint64_t shrink_runs = 0;
  /// Choices the shrunk run made in all.
  std::uint64_t shrunk_run_choices = 0;
  /// With cancellation points: the task, the failing k and what it awaited there.
  std::string cancel_task;
  std::uint32_t cancel_suspension = 0;
  std::string cancel_site;
  /// Where the failure came from when a regression file replayed it ("file:line"), or "".
  std::string regression;
  /// The commands that replay the shrunk schedule and write its trace.
  std::string replay;
  /// Where the failing run's trace was written (ASIM_TRACE), or "".
  std::string trace_path;
  /// The whole report: seed, failure, shrunk choices, replay line.
  [[nodiscard]] std::string message() const;
  /// One line: seeds, distinct schedules, time (and warnings on coverage).
  [[nodiscard]] std::string summary() const;
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
  /// The current test's id ("Suite.Name") for scoped ASIM_SEEDS and regression files.
  std::string (*test_id)() = nullptr;
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
/// A failure as sweeps report it: the class ("DeadlockError", "std::logic_error", ...)
/// and the message.
std::string describe_failure(std::exception_ptr error);
/// Writes `text` and a newline to stderr.
void print_line(const std::string& text);

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

/// run_sweep, then reports: a pass prints its one-line summary to stderr (unless
/// quiet); a failure goes to the installed reporter (GoogleTest: an ordinary test
/// failure carrying the report, printed once) or, with none installed, is printed to
/// stderr (unless quiet) and thrown as SweepFailure.
///
/// Environment: ASIM_SEED=N runs seed N alone; ASIM_SCHEDULE=S replays schedule S
/// (with ASIM_SEED's seed, or 0); ASIM_SEEDS=A:B sweeps [A, B) (or
/// `Suite.Name=A:B;...` for named tests only); ASIM_TRACE=path writes the failing
/// run's trace (".json": Chrome trace, else text); ASIM_STRATEGY, ASIM_JOBS,
/// ASIM_SWEEP_SECONDS, ASIM_REGRESSIONS as the options; GTEST_TOTAL_SHARDS /
/// GTEST_SHARD_INDEX give this process every TOTAL-th seed starting at INDEX.
template <class Body>
SweepResult sweep(const SweepOptions& options, Body&& body, const char* file = __builtin_FILE(),
                  int line = __builtin_LINE()) {
  SweepResult result = run_sweep(options, std::forward<Body>(body));
  SweepReporter reporter = sweep_reporter();
  if (result.passed) {
    if (!options.quiet) detail::print_line(result.summary());
  } else if (reporter.report != nullptr) {
    reporter.report(result, file, line);
  } else {
    if (!options.quiet) detail::print_line(result.message());
    throw SweepFailure(result);
  }
  return result;
}

}  // namespace asim::sim
