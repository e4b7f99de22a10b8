// SPDX-License-Identifier: MIT
// SimLoop: the loop core on a virtual clock, with seeded choices, limits, invariants
// and a trace.
#pragma once

#include <asim/clock.hpp>
#include <asim/detail/loop_instrument.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>
#include <asim/sim/chooser.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/invariants.hpp>
#include <asim/sim/trace.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace asim::sim {

/// How a SimLoop runs. Every choice can be switched off; with all of them off
/// (`SimOptions::cpython()`) the loop takes CPython's order exactly.
struct SimOptions {
  /// Order timers with equal deadlines by the chooser (off: arming order, FIFO).
  bool choose_timer_ties = true;
  /// The poller wakes up to `max_lateness` seconds after its timeout, as a busy real
  /// loop does, so more timers become due together (off or 0: never late).
  bool choose_lateness = true;
  double max_lateness = 0.0;
  /// Deliver the I/O events of one poll in a chosen order (for simulated I/O).
  bool choose_io_order = true;
  /// At most this many callbacks run; one more raises StepLimitError. 0: no limit.
  std::uint64_t max_steps = 0;
  /// Virtual time may not pass this many seconds; TimeLimitError otherwise.
  double max_virtual_time = std::numeric_limits<double>::infinity();
  /// Record a Trace of every event (costs memory and time; off for sweeps).
  bool trace = false;
  BuiltinInvariants invariants = {};
  /// Choices come from here instead of the seeded PRNG (props: rapidcheck). Must
  /// outlive the loop.
  Chooser* chooser = nullptr;

  /// Every choice off: the conformance mode.
  [[nodiscard]] static SimOptions cpython() noexcept {
    SimOptions options;
    options.choose_timer_ties = false;
    options.choose_lateness = false;
    options.choose_io_order = false;
    return options;
  }
};

/// The virtual clock: only the simulated poller moves it.
class VirtualClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override { return now_; }
  void set(std::int64_t ns) noexcept { now_ = ns; }

 private:
  std::int64_t now_ = 0;
};

/// The poller of the simulated loop: it never sleeps. With nothing ready it moves
/// the clock to the next timer (plus chosen lateness); with no timer either it raises
/// DeadlockError.
class SimPoller final : public Poller {
 public:
  void poll(EventLoop& loop, std::int64_t timeout_ns) override;
};

class SimLoop;

namespace detail {
/// Owns the clock and poller so they exist before the EventLoop base uses them.
struct SimLoopParts {
  VirtualClock virtual_clock;
  SimPoller sim_poller;
};
}  // namespace detail

/// The simulated event loop. Code written against asim runs on it unchanged; it is
/// the same core as RealLoop, only time and I/O differ.
///
/// Ground rules:
/// - Virtual time starts at 0 and moves only when nothing is ready: to the next
///   timer's deadline (plus lateness in [0, max_lateness] when chosen).
/// - A step is one callback run (a task step, a timer, a done-callback); steps are
///   numbered from 1. Limits and invariants are checked after every step.
/// - Every nondeterministic choice comes from the chooser; same seed, options and
///   program give the same run and a byte-identical trace.
class SimLoop final : private detail::SimLoopParts, public EventLoop, private asim::detail::LoopInstrument {
 public:
  explicit SimLoop(std::uint64_t seed = 0, SimOptions options = {});
  ~SimLoop() override;

  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] const SimOptions& options() const noexcept { return options_; }
  /// Callbacks run so far (the step number of the one running now).
  [[nodiscard]] std::uint64_t step() const noexcept { return step_; }
  /// The recorded trace (empty unless SimOptions::trace).
  [[nodiscard]] const Trace& trace() const noexcept { return trace_; }

  /// Adds an invariant checked after every callback; a false result (or an
  /// exception) stops the run with InvariantViolation naming it.
  void add_invariant(std::string name, InvariantFn holds);
  /// Same with a callable taking no argument.
  template <class F>
    requires(std::is_invocable_r_v<bool, F&> && !std::is_invocable_v<F&, SimLoop&>)
  void add_invariant(std::string name, F fn) {
    add_invariant(std::move(name), InvariantFn([fn = std::move(fn)](SimLoop&) mutable { return bool(fn()); }));
  }

  /// A choice of `kind` in [0, bound) from the chooser, or 0 when that kind of
  /// choice is switched off. For simulated I/O and other simulated components.
  [[nodiscard]] std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) noexcept;
  void submit_to_executor(std::unique_ptr<asim::detail::ExecutorJob> job) override;  // sim/src/executor.cpp

  /// The deadlock report for the current state: each pending task, what it awaits
  /// and since when, with the seed, the virtual time and the step.
  [[nodiscard]] DeadlockError deadlock_error() const;

 private:
  friend class SimPoller;

  struct TaskInfo {
    std::uint32_t id = 0;
  };

  // LoopInstrument
  std::uint64_t timer_tie_key(std::int64_t when, std::uint64_t arming_order) noexcept override;
  void on_timer_armed(const asim::detail::CallbackNode& timer) noexcept override;
  void on_timer_cancelled(const asim::detail::CallbackNode& timer) noexcept override;
  void on_timer_fired(const asim::detail::CallbackNode& timer) noexcept override;
  void before_callback(const asim::detail::Runnable& node) noexcept override;
  void after_callback(const asim::detail::Runnable& node) override;
  void on_task_created(const TaskBase& task) noexcept override;
  void on_task_step_start(const TaskBase& task) noexcept override;
  void on_task_step_end(const TaskBase& task) noexcept override;
  void on_future_done(const FutureBase& future) noexcept override;
  void on_cancel_requested(const TaskBase& task) noexcept override;
  void on_cancel_delivered(const TaskBase& task) noexcept override;

  /// Called by the poller: advances the clock or raises.
  void advance(std::int64_t timeout_ns);
  void violate(const char* name, std::string detail) noexcept;
  void throw_pending_violation();
  [[noreturn]] void throw_violation(const std::string& name, const std::string& detail);
  std::uint32_t task_id(const TaskBase& task) noexcept;
  void record(TraceEventKind kind, std::uint32_t task, std::uint64_t timer, std::int64_t when,
              std::string detail) noexcept;

  std::uint64_t seed_;
  SimOptions options_;
  PrngChooser prng_;
  Chooser* chooser_;
  std::int64_t max_lateness_ns_ = 0;
  std::int64_t max_time_ns_ = std::numeric_limits<std::int64_t>::max();
  std::uint64_t step_ = 0;
  std::int64_t last_time_ns_ = 0;
  const TaskBase* running_task_ = nullptr;
  std::vector<Invariant> invariants_;
  std::optional<std::pair<std::string, std::string>> pending_violation_;
  Trace trace_;
  // Trace bookkeeping (only filled when tracing): stable ids for tasks and timers.
  std::unordered_map<const TaskBase*, std::uint32_t> task_ids_;
  std::unordered_map<const void*, std::uint64_t> timer_ids_;
  std::uint32_t tasks_seen_ = 0;
  std::uint64_t last_arming_order_ = 0;
};

}  // namespace asim::sim
