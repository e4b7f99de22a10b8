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
#include <asim/sim/network.hpp>
#include <asim/sim/trace.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace asim::sim {

/// Where a cancellation-point run cancels a task: at its `suspension`-th suspension
/// (1 = the first await that suspends it). The task is the first one named `task`,
/// or, with `task` empty, the `task_index`-th task created in the loop (1 = the first).
struct CancelPoint {
  std::string task;
  std::uint32_t task_index = 0;
  std::uint32_t suspension = 0;
  [[nodiscard]] bool active() const noexcept { return suspension != 0 && (!task.empty() || task_index != 0); }
};

/// How a SimLoop runs. A default-constructed SimOptions explores every legal
/// nondeterminism of a busy machine (each explained in README); `cpython()` switches
/// every choice off, and the loop then takes CPython's order exactly.
struct SimOptions {
  /// The order in which timers with equal deadlines run (off: arming order).
  bool choose_timer_ties = true;
  /// Timers fire late: at a wake-up for a timer, with probability `late_probability`
  /// the loop wakes up to `max_lateness` seconds late (off or 0: never late).
  bool choose_lateness = true;
  double max_lateness = 0.005;
  double late_probability = 0.05;
  /// Time passes while callbacks are ready: in an iteration with a timer armed, with
  /// probability `stall_probability` the loop stalls up to `max_stall` seconds before
  /// one of the iteration's callbacks (a slow callback, a preempted process), so a
  /// timer can come due between two iterations that both have ready callbacks.
  bool choose_stalls = true;
  double max_stall = 0.005;
  double stall_probability = 0.02;
  /// While a timeout (`wait_for`, `timeout`, `wait`) is armed, with this probability
  /// (per iteration, per wake-up) a stall or a late wake-up lasts exactly until it
  /// expires, so that it expires in the same iteration as the result it guards.
  bool choose_timeout_races = true;
  double timeout_race_probability = 0.02;
  /// Deliver the I/O events of one poll (and executor completions) in a chosen order.
  bool choose_io_order = true;
  /// An executor job (run_in_executor, to_thread) completes after a chosen rung of the
  /// ladder up to this many seconds (uniformly: the completion order of jobs varies).
  double max_executor_delay = 0.005;
  /// The simulated network's latency, datagram loss and duplication, and the crash
  /// points of Network::enable_crashes come from the chooser (off: base latency only,
  /// no loss, no crash).
  bool choose_network = true;
  /// `asim::random` draws come from the chooser (off: always 0, the low end).
  bool choose_random = true;
  /// `asim::buggify` sites: each is enabled for a run with the first probability and
  /// then fires with the second (off: never fires).
  bool buggify = true;
  double buggify_enable_probability = 0.25;
  double buggify_fire_probability = 0.25;
  /// Cancel one task at one suspension (cancellation-point sweeps set it).
  CancelPoint cancel_point = {};
  /// At most this many callbacks run; one more raises StepLimitError. 0: no limit.
  std::uint64_t max_steps = 0;
  /// Virtual time may not pass this many seconds; TimeLimitError otherwise.
  double max_virtual_time = std::numeric_limits<double>::infinity();
  /// Record a Trace of every event (costs memory and time; off for sweeps).
  bool trace = false;
  /// Give every choice a readable label (the timer, the task, the site) for reports;
  /// costs a string per choice. The trace records non-zero choices with their labels.
  bool label_choices = false;
  BuiltinInvariants invariants = {};
  /// Choices come from here instead of the seeded PRNG (a strategy, a replayed
  /// schedule, rapidcheck). Must outlive the loop.
  Chooser* chooser = nullptr;

  /// Every choice off: the conformance mode.
  [[nodiscard]] static SimOptions cpython() noexcept {
    SimOptions options;
    options.choose_timer_ties = false;
    options.choose_lateness = false;
    options.choose_stalls = false;
    options.choose_timeout_races = false;
    options.choose_io_order = false;
    options.choose_random = false;
    options.choose_network = false;
    options.buggify = false;
    return options;
  }
};

/// Lets a user invariant be removed before its scope ends (SimLoop::add_invariant).
class InvariantHandle {
 public:
  InvariantHandle() = default;
  /// Stops checking the invariant; does nothing if it is gone already.
  void remove() noexcept;

 private:
  friend class SimLoop;
  InvariantHandle(SimLoop* loop, std::uint64_t id) noexcept : loop_(loop), id_(id) {}
  SimLoop* loop_ = nullptr;
  std::uint64_t id_ = 0;
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
/// - Virtual time starts at 0. It moves when nothing is ready (to the next timer's
///   deadline, plus a chosen lateness) and, when chosen, before a callback (a stall).
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
  /// exception) stops the run with InvariantViolation naming it. Its scope: added by a
  /// task, it is checked until that task is done or the run ends; added by a plain
  /// callback, until the run ends; added outside a run, for the loop's life. So an
  /// invariant over a body's locals never outlives the body. The handle removes it
  /// earlier.
  InvariantHandle add_invariant(std::string name, InvariantFn holds);
  /// Same with a callable taking no argument.
  template <class F>
    requires(std::is_invocable_r_v<bool, F&> && !std::is_invocable_v<F&, SimLoop&>)
  InvariantHandle add_invariant(std::string name, F fn) {
    return add_invariant(std::move(name), InvariantFn([fn = std::move(fn)](SimLoop&) mutable { return bool(fn()); }));
  }
  /// User invariants currently checked.
  [[nodiscard]] std::size_t invariant_count() const noexcept;

  /// Asks the chooser `choice` (or answers 0 when that kind of choice is switched
  /// off). For simulated I/O, executors, networks and other simulated components.
  [[nodiscard]] std::uint64_t choose(const Choice& choice) noexcept;
  /// Same, uniform over [0, bound).
  [[nodiscard]] std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) noexcept {
    return choose(Choice{kind, bound, 0, {}});
  }
  /// Choices asked so far (the index of the next one).
  [[nodiscard]] std::uint64_t choices_made() const noexcept { return choices_made_; }
  /// The lateness ladder: answer i of a lateness, stall or executor choice means
  /// ladder(i) nanoseconds (ladder(0) == 0), for a maximum of `max_ns`.
  [[nodiscard]] static std::int64_t ladder_ns(std::int64_t max_ns, std::uint64_t index) noexcept;
  /// The number of rungs of the ladder (the bound of such a choice).
  static constexpr std::uint64_t ladder_size = 10;

  /// The cancellation point of SimOptions: whether the run reached it, and what the
  /// task awaited when it was cancelled there (as the deadlock report names it).
  [[nodiscard]] bool cancel_point_reached() const noexcept { return cancel_point_reached_; }
  [[nodiscard]] const std::string& cancel_point_site() const noexcept { return cancel_point_site_; }
  /// The name of the task a CancelPoint by index resolved to ("" before it exists).
  [[nodiscard]] const std::string& cancel_point_task() const noexcept { return cancel_point_task_; }

  /// The simulated network: hosts, connections, partitions, crashes
  /// (<asim/sim/network.hpp>). asim::open_connection and asim::start_server use it.
  Network& network() override { return network_; }

  /// Records a network event in the trace (when tracing; the simulated network names
  /// hosts, connections and segments in `detail`).
  void record_network(std::string detail) noexcept;

  /// The tasks still pending when run_until_complete(coro)'s main coroutine finished
  /// (asyncio.run then cancels them), by name, in creation order; empty if none.
  [[nodiscard]] const std::vector<std::string>& leftover_tasks() const noexcept { return leftover_tasks_; }

  /// Ends the trace with the run's failure (sweeps call it before exporting).
  void record_failure(const std::string& failure) noexcept;

  /// The pending tasks with what each awaits and since when (deadlock and limit reports).
  [[nodiscard]] std::vector<PendingTask> pending_tasks() const;
  /// Runs an executor job on the loop's thread and completes it at a chosen virtual
  /// time (sim/src/executor.cpp).
  void submit_to_executor(std::unique_ptr<asim::detail::ExecutorJob> job) override;


  /// The deadlock report for the current state: each pending task, what it awaits
  /// and since when, with the seed, the virtual time and the step.
  [[nodiscard]] DeadlockError deadlock_error() const;

  /// On: a deadlock stops the loop (as stop() would) instead of raising
  /// DeadlockError, and deadlocked() tells. For a caller that only needs to know that
  /// the run deadlocked (the scenario interpreter runs two loops per checked
  /// scenario): no exception unwinds the loop and no report is written. Off (the
  /// default): DeadlockError with its report, as always.
  void set_stop_on_deadlock(bool on) noexcept { stop_on_deadlock_ = on; }
  /// True once a deadlock stopped the loop (set_stop_on_deadlock).
  [[nodiscard]] bool deadlocked() const noexcept { return deadlocked_; }

 private:
  friend class SimPoller;

  struct TaskInfo {
    std::uint32_t id = 0;
  };

  // LoopInstrument
  void order_due_timers(asim::detail::CallbackNode** due, std::size_t count) noexcept override;
  void on_timer_armed(const asim::detail::CallbackNode& timer) noexcept override;
  void on_timeout_armed(const asim::detail::CallbackNode& timer) noexcept override;
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
  void on_run_end() noexcept override;
  void on_main_done_with_leftovers() noexcept override;
  std::uint64_t random_draw(std::uint64_t bound, std::uint32_t nonzero_chance,
                            std::string_view label) noexcept override;
  bool buggify(std::string_view site) noexcept override;

  friend class InvariantHandle;
  struct ScopedInvariant {
    Invariant invariant;
    std::uint64_t id = 0;
    const TaskBase* owner = nullptr;  // removed when this task is done
    bool until_run_end = false;
    bool removed = false;
  };

  /// Called by the poller: advances the clock or raises.
  void advance(std::int64_t timeout_ns);
  void violate(const char* name, std::string detail) noexcept;
  void throw_pending_violation();
  [[noreturn]] void throw_violation(const std::string& name, const std::string& detail);
  void remove_invariant(std::uint64_t id) noexcept;
  void drop_removed_invariants() noexcept;
  std::uint32_t task_id(const TaskBase& task) noexcept;
  void record(TraceEventKind kind, std::uint32_t task, std::uint64_t timer, std::int64_t when,
              std::string detail) noexcept;
  /// The earliest armed timeout later than `after`, or -1.
  [[nodiscard]] std::int64_t next_timeout_after(std::int64_t after) const noexcept;
  /// A stall before a callback (a chosen amount, or until the next timeout).
  void maybe_stall() noexcept;
  void cancel_at_point() noexcept;
  [[nodiscard]] std::string running_task_name() const;
  [[nodiscard]] std::string timer_label(const asim::detail::CallbackNode& timer) const;

  std::uint64_t seed_;
  SimOptions options_;
  PrngChooser prng_;
  Chooser* chooser_;
  std::uint64_t choices_made_ = 0;
  std::int64_t max_lateness_ns_ = 0;
  std::int64_t max_stall_ns_ = 0;
  std::uint32_t late_chance_ = 0;
  std::uint32_t stall_chance_ = 0;
  std::uint32_t race_chance_ = 0;
  // The stall planned for the current iteration: before its stall_before_-th callback
  // (0: none), the clock moves to stall_target_ns_.
  std::uint64_t stall_iteration_ = ~std::uint64_t{0};
  std::uint64_t callback_in_iteration_ = 0;
  std::uint64_t stall_before_ = 0;
  std::int64_t stall_target_ns_ = 0;
  std::int64_t max_time_ns_ = std::numeric_limits<std::int64_t>::max();
  std::uint64_t step_ = 0;
  std::int64_t last_time_ns_ = 0;
  const TaskBase* running_task_ = nullptr;
  std::vector<ScopedInvariant> invariants_;
  std::uint64_t next_invariant_id_ = 0;
  bool invariants_removed_ = false;
  std::optional<std::pair<std::string, std::string>> pending_violation_;
  Trace trace_;
  // Armed timeouts (wait_for, timeout, wait), for timeout races: few at a time.
  std::vector<const asim::detail::CallbackNode*> timeouts_;
  // buggify sites seen this run and whether each is enabled (ordered: deterministic).
  std::map<std::string, bool, std::less<>> buggify_sites_;
  // The cancellation point: its task once known, suspensions counted, what it awaited.
  const TaskBase* cancel_target_ = nullptr;
  std::uint32_t cancel_suspensions_ = 0;
  std::uint32_t tasks_created_ = 0;
  bool cancel_due_ = false;
  bool cancel_point_reached_ = false;
  std::string cancel_point_site_;
  std::string cancel_point_task_;
  std::vector<std::string> leftover_tasks_;
  // Trace bookkeeping (only filled when tracing): stable ids for tasks and timers.
  std::unordered_map<const TaskBase*, std::uint32_t> task_ids_;
  std::unordered_map<const void*, std::uint64_t> timer_ids_;
  std::uint32_t tasks_seen_ = 0;
  bool stop_on_deadlock_ = false;
  bool deadlocked_ = false;
  Network network_{*this};
};

}  // namespace asim::sim
