// SPDX-License-Identifier: MIT
// SimLoop: virtual time, chosen tie order and lateness, limits, invariants, trace.
#include <asim/future.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/task.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <string>

namespace asim::sim {

namespace {

std::string where(std::uint64_t seed, std::int64_t time_ns, std::uint64_t step) {
  return fmt::format("(seed {}, virtual time {} s, step {})", seed, format_time(time_ns), step);
}

std::string describe_done(const FutureBase& future) {
  if (future.cancelled()) return "cancelled";
  std::exception_ptr error = future.exception();
  if (error) return "exception " + describe_exception(error);
  return "finished";
}

// "pending tasks (2):\n  Task 'a' awaits ..." for deadlock and limit reports.
std::string describe_pending(const std::vector<PendingTask>& pending) {
  if (pending.empty()) return "no pending tasks";
  std::string text = "pending tasks (" + std::to_string(pending.size()) + "):";
  for (const PendingTask& task : pending) {
    text += "\n  Task '" + task.name + "' ";
    if (task.awaiting.empty()) {
      text += "is scheduled to step";
    } else {
      text += "awaits " + task.awaiting + " since " + format_time(task.since_ns) + " s";
    }
  }
  return text;
}

std::int64_t seconds_option(double seconds, const char* name) {
  if (!(seconds > 0)) return 0;
  return asim::detail::seconds_to_ns(seconds, name);
}

std::uint32_t probability_option(double probability, const char* name) {
  if (!(probability >= 0 && probability <= 1)) {
    throw ValueError(std::string("SimOptions::") + name + " must be a probability in [0, 1], got " +
                     std::to_string(probability));
  }
  return probability == 0 ? 0 : chance(probability);
}

}  // namespace

void InvariantHandle::remove() noexcept {
  if (loop_ != nullptr) loop_->remove_invariant(id_);
  loop_ = nullptr;
}

void SimPoller::poll(EventLoop& loop, std::int64_t timeout_ns) { static_cast<SimLoop&>(loop).advance(timeout_ns); }

SimLoop::SimLoop(std::uint64_t seed, SimOptions options)
    : EventLoop(virtual_clock, sim_poller),
      seed_(seed),
      options_(std::move(options)),
      prng_(seed),
      chooser_(options_.chooser != nullptr ? options_.chooser : &prng_) {
  if (options_.choose_lateness) max_lateness_ns_ = seconds_option(options_.max_lateness, "max_lateness");
  if (options_.choose_stalls) max_stall_ns_ = seconds_option(options_.max_stall, "max_stall");
  late_chance_ = probability_option(options_.late_probability, "late_probability");
  stall_chance_ = probability_option(options_.stall_probability, "stall_probability");
  race_chance_ = probability_option(options_.timeout_race_probability, "timeout_race_probability");
  (void)probability_option(options_.buggify_enable_probability, "buggify_enable_probability");
  (void)probability_option(options_.buggify_fire_probability, "buggify_fire_probability");
  if (late_chance_ == 0) max_lateness_ns_ = 0;
  if (stall_chance_ == 0) max_stall_ns_ = 0;
  if (race_chance_ == 0) options_.choose_timeout_races = false;
  if (options_.max_virtual_time < std::numeric_limits<double>::infinity()) {
    max_time_ns_ = asim::detail::seconds_to_ns(options_.max_virtual_time, "max_virtual_time");
  }
  trace_.set_seed(seed);
  set_instrument(this);
}

SimLoop::~SimLoop() {
  // Pending tasks are destroyed while the clock, the poller and the trace still exist.
  set_instrument(nullptr);
  shutdown();
}

// -- user invariants -----------------------------------------------------------

InvariantHandle SimLoop::add_invariant(std::string name, InvariantFn holds) {
  ScopedInvariant entry;
  entry.invariant = {std::move(name), std::move(holds)};
  entry.id = ++next_invariant_id_;
  if (is_running()) {
    entry.owner = current_task();
    entry.until_run_end = true;
  }
  invariants_.push_back(std::move(entry));
  return {this, next_invariant_id_};
}

std::size_t SimLoop::invariant_count() const noexcept {
  std::size_t count = 0;
  for (const ScopedInvariant& entry : invariants_) count += entry.removed ? 0 : 1;
  return count;
}

void SimLoop::remove_invariant(std::uint64_t id) noexcept {
  for (ScopedInvariant& entry : invariants_) {
    if (entry.id == id && !entry.removed) {
      entry.removed = true;
      invariants_removed_ = true;
    }
  }
}

void SimLoop::drop_removed_invariants() noexcept {
  if (!invariants_removed_) return;
  invariants_removed_ = false;
  std::erase_if(invariants_, [](const ScopedInvariant& entry) { return entry.removed; });
}

// -- choices ------------------------------------------------------------------

std::int64_t SimLoop::ladder_ns(std::int64_t max_ns, std::uint64_t index) noexcept {
  // 0, then max/500 ... max in a 1-2-5 progression: 10 us to 5 ms for 5 ms.
  static constexpr std::int64_t divisors[ladder_size] = {0, 500, 200, 100, 50, 20, 10, 5, 2, 1};
  if (index == 0 || max_ns <= 0) return 0;
  if (index >= ladder_size) index = ladder_size - 1;
  const std::int64_t value = max_ns / divisors[index];
  return value > 0 ? value : 1;
}

std::uint64_t SimLoop::choose(const Choice& choice) noexcept {
  bool enabled = true;
  switch (choice.kind) {
    case ChoiceKind::timer_tie: enabled = options_.choose_timer_ties; break;
    case ChoiceKind::lateness: enabled = max_lateness_ns_ > 0; break;
    case ChoiceKind::stall: enabled = max_stall_ns_ > 0; break;
    case ChoiceKind::timeout_race: enabled = options_.choose_timeout_races; break;
    case ChoiceKind::io_order:
    case ChoiceKind::executor:
    case ChoiceKind::net_reorder: enabled = options_.choose_io_order; break;
    case ChoiceKind::random: enabled = options_.choose_random; break;
    case ChoiceKind::net_latency:
    case ChoiceKind::net_loss:
    case ChoiceKind::net_duplicate:
    case ChoiceKind::crash:
    case ChoiceKind::clock: enabled = options_.choose_network; break;
    case ChoiceKind::buggify_enable:
    case ChoiceKind::buggify_fire: enabled = options_.buggify; break;
    default: break;
  }
  if (!enabled || choice.bound <= 1) return 0;
  ++choices_made_;
  std::uint64_t pick = chooser_->choose(choice);
  if (pick >= choice.bound) pick = choice.bound - 1;  // a chooser out of range is clamped, not trusted
  if (pick != 0 && options_.trace) {
    try {
      std::string detail(choice_kind_name(choice.kind));
      detail += " = " + std::to_string(pick);
      if (!choice.label.empty()) detail += ": " + std::string(choice.label);
      record(TraceEventKind::choice, running_task_ != nullptr ? task_id(*running_task_) : 0, 0, 0, std::move(detail));
    } catch (...) {
      std::terminate();  // out of memory inside a noexcept hook
    }
  }
  return pick;
}

std::string SimLoop::running_task_name() const { return running_task_ != nullptr ? running_task_->get_name() : "-"; }

std::string SimLoop::timer_label(const asim::detail::CallbackNode& timer) const {
  return "timer #" + std::to_string(timer.tie_ + 1) + " due at " + format_time(timer.when_) + " s";
}

std::int64_t SimLoop::next_timeout_after(std::int64_t after) const noexcept {
  std::int64_t next = -1;
  for (const asim::detail::CallbackNode* timer : timeouts_) {
    if (timer->when_ > after && (next < 0 || timer->when_ < next)) next = timer->when_;
  }
  return next;
}

void SimLoop::maybe_stall() noexcept {
  // At most one stall an iteration, planned at its first callback: whether, how long
  // (or until the next timeout) and before which of the iteration's callbacks. A
  // chance per callback would stall a busy loop in every iteration.
  if (iteration() != stall_iteration_) {
    stall_iteration_ = iteration();
    callback_in_iteration_ = 0;
    stall_before_ = 0;
    if ((max_stall_ns_ == 0 && !options_.choose_timeout_races) || timer_count() == 0) return;
    const std::int64_t now = virtual_clock.now();
    const bool labels = options_.label_choices || options_.trace;
    const std::uint64_t batch = ready_count() + 1;  // this callback is already out of the queue
    const std::int64_t timeout = options_.choose_timeout_races ? next_timeout_after(now) : -1;
    std::int64_t target = now;
    if (timeout >= 0 && choose({ChoiceKind::timeout_race, 2, race_chance_,
                                labels ? "stall in the iteration at " + format_time(now) +
                                             " s until the timeout due at " + format_time(timeout) + " s expires"
                                       : std::string()}) != 0) {
      target = timeout;
    } else if (max_stall_ns_ > 0) {
      const std::uint64_t rung =
          choose({ChoiceKind::stall, ladder_size, stall_chance_,
                  labels ? "stall in the iteration at " + format_time(now) + " s" : std::string()});
      target = asim::detail::add_saturating(now, ladder_ns(max_stall_ns_, rung));
    }
    if (target == now) return;
    if (target > max_time_ns_) target = max_time_ns_ > now ? max_time_ns_ : now;
    stall_target_ns_ = target;
    stall_before_ =
        1 + choose({ChoiceKind::stall, batch, 0,
                    labels ? "before which of the iteration's " + std::to_string(batch) + " callbacks the stall happens"
                           : std::string()});
  }
  ++callback_in_iteration_;
  if (callback_in_iteration_ == stall_before_ && stall_target_ns_ > virtual_clock.now()) {
    virtual_clock.set(stall_target_ns_);
  }
}

// -- the poller's side --------------------------------------------------------

void SimLoop::advance(std::int64_t timeout_ns) {
  throw_pending_violation();
  if (timeout_ns == Poller::forever) {
    if (!stop_on_deadlock_) throw deadlock_error();
    // Nothing is ready and no timer is armed: this iteration runs nothing, and the
    // loop stops at its end with the clock where the report would have put it.
    deadlocked_ = true;
    stop();
    return;
  }
  if (timeout_ns <= 0) return;
  const std::int64_t now = virtual_clock.now();
  const std::int64_t due = asim::detail::add_saturating(now, timeout_ns);
  std::int64_t target = due;
  const bool labels = options_.label_choices || options_.trace;
  const std::int64_t timeout = options_.choose_timeout_races ? next_timeout_after(due) : -1;
  if (timeout >= 0 && choose({ChoiceKind::timeout_race, 2, race_chance_,
                              labels ? "wake for the timer due at " + format_time(due) +
                                           " s only when the timeout due at " + format_time(timeout) + " s expires"
                                     : std::string()}) != 0) {
    target = timeout;
  } else if (max_lateness_ns_ > 0) {
    const std::uint64_t rung =
        choose({ChoiceKind::lateness, ladder_size, late_chance_,
                labels ? "wake-up for the timer due at " + format_time(due) + " s" : std::string()});
    target = asim::detail::add_saturating(due, ladder_ns(max_lateness_ns_, rung));
  }
  if (target > max_time_ns_) {
    const std::string message = "time limit: the next timer is due at " + format_time(due) +
                                " s, past max_virtual_time " + format_time(max_time_ns_) + " s " +
                                where(seed_, now, step_) + "\n" + describe_pending(pending_tasks());
    throw TimeLimitError(message, seed_, now, step_);
  }
  virtual_clock.set(target);
}

std::vector<PendingTask> SimLoop::pending_tasks() const {
  std::vector<PendingTask> pending;
  for (const AnyTask& handle : all_tasks()) {
    const TaskBase& task = handle.task();
    PendingTask entry;
    entry.name = task.get_name();
    const FutureBase* awaited = task.awaiting();
    // A network wait names its connection ("read on db1:7000 ← web1 (client end)").
    std::string network_wait = awaited != nullptr ? network_.describe_wait(*awaited) : std::string();
    if (!network_wait.empty()) {
      entry.awaiting = std::move(network_wait);
    } else if (awaited != nullptr) {
      entry.awaiting = awaited->describe();
      // Simulated hosts: name the machine the wait is on ("Lock.acquire on host web1").
      if (const Host* host = network_.host_of(task)) entry.awaiting += " on host " + host->name();
    }
    entry.since_ns = task.suspended_since_ns();
    pending.push_back(std::move(entry));
  }
  return pending;
}

DeadlockError SimLoop::deadlock_error() const {
  std::vector<PendingTask> pending = pending_tasks();
  const std::int64_t now = time_ns();
  std::string message = "deadlock: nothing is ready and no timer is armed " + where(seed_, now, step_) + "\n";
  message += pending.empty() ? "no pending tasks (the awaited future is never completed)" : describe_pending(pending);
  message += network_.describe_held();
  return DeadlockError(message, seed_, now, step_, std::move(pending));
}

void SimLoop::record_failure(const std::string& failure) noexcept {
  if (options_.trace) record(TraceEventKind::failure, 0, 0, 0, failure);
}

// -- checks -------------------------------------------------------------------

void SimLoop::violate(const char* name, std::string detail) noexcept {
  if (pending_violation_) return;  // the first one is reported
  try {
    pending_violation_.emplace(name, std::move(detail));
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept hook
  }
}

void SimLoop::throw_pending_violation() {
  if (!pending_violation_) return;
  auto [name, detail] = std::move(*pending_violation_);
  pending_violation_.reset();
  throw_violation(name, detail);
}

void SimLoop::throw_violation(const std::string& name, const std::string& detail) {
  const std::int64_t now = virtual_clock.now();
  std::string message = "invariant '" + name + "' violated";
  if (!detail.empty()) message += ": " + detail;
  message += " " + where(seed_, now, step_);
  throw InvariantViolation(message, name, seed_, now, step_);
}

// -- LoopInstrument -----------------------------------------------------------

void SimLoop::order_due_timers(asim::detail::CallbackNode** due, std::size_t count) noexcept {
  if (!options_.choose_timer_ties) return;
  const bool labels = options_.label_choices || options_.trace;
  // Answer j at position i: the j-th of the timers left (in arming order) runs next;
  // the others keep their order, so answer 0 everywhere is CPython's order.
  for (std::size_t i = 0; i + 1 < count; ++i) {
    std::string label;
    if (labels) {
      label = "timers due at " + format_time(due[i]->when_) + " s: which runs next of";
      for (std::size_t k = i; k < count; ++k) label += " #" + std::to_string(due[k]->tie_ + 1);
    }
    const std::uint64_t pick = choose({ChoiceKind::timer_tie, count - i, 0, label});
    if (pick != 0) std::rotate(due + i, due + i + pick, due + i + pick + 1);
  }
}

void SimLoop::on_timer_armed(const asim::detail::CallbackNode& timer) noexcept {
  if (!options_.trace) return;
  const std::uint64_t id = timer.tie_ + 1;
  try {
    timer_ids_[&timer] = id;
  } catch (...) {
    std::terminate();
  }
  record(TraceEventKind::timer_armed, running_task_ != nullptr ? task_id(*running_task_) : 0, id, timer.when_, {});
}

void SimLoop::on_timeout_armed(const asim::detail::CallbackNode& timer) noexcept {
  if (!options_.choose_timeout_races) return;
  try {
    timeouts_.push_back(&timer);
  } catch (...) {
    std::terminate();
  }
}

void SimLoop::on_timer_cancelled(const asim::detail::CallbackNode& timer) noexcept {
  if (!timeouts_.empty()) std::erase(timeouts_, &timer);
  if (!options_.trace) return;
  auto found = timer_ids_.find(&timer);
  const std::uint64_t id = found != timer_ids_.end() ? found->second : 0;
  if (found != timer_ids_.end()) timer_ids_.erase(found);
  record(TraceEventKind::timer_cancelled, running_task_ != nullptr ? task_id(*running_task_) : 0, id, timer.when_, {});
}

void SimLoop::on_timer_fired(const asim::detail::CallbackNode& timer) noexcept {
  if (!timeouts_.empty()) std::erase(timeouts_, &timer);
  if (options_.invariants.no_callback_before_deadline && timer.when_ > virtual_clock.now()) {
    violate("no_callback_before_deadline",
            "a timer due at " + format_time(timer.when_) + " s fired at " + format_time(virtual_clock.now()) + " s");
  }
  if (!options_.trace) return;
  auto found = timer_ids_.find(&timer);
  record(TraceEventKind::timer_fired, 0, found != timer_ids_.end() ? found->second : 0, timer.when_, {});
}

void SimLoop::before_callback(const asim::detail::Runnable& node) noexcept {
  ++step_;
  maybe_stall();
  if (!options_.trace) return;
  std::uint64_t timer = 0;
  std::int64_t when = 0;
  const auto* callback = dynamic_cast<const asim::detail::CallbackNode*>(&node);
  if (callback != nullptr && callback->is_timer_) {
    auto found = timer_ids_.find(callback);
    if (found != timer_ids_.end()) {
      timer = found->second;
      when = callback->when_;
      timer_ids_.erase(found);
    }
  }
  record(TraceEventKind::callback, 0, timer, when, {});
}

void SimLoop::after_callback(const asim::detail::Runnable& /*node*/) {
  if (cancel_due_) cancel_at_point();
  if (pending_violation_) throw_pending_violation();
  const std::int64_t now = virtual_clock.now();
  if (options_.invariants.time_never_goes_back && now < last_time_ns_) {
    throw_violation("time_never_goes_back",
                    "loop time went from " + format_time(last_time_ns_) + " s back to " + format_time(now) + " s");
  }
  last_time_ns_ = now;
  if (invariants_removed_) drop_removed_invariants();  // (a call per callback otherwise)
  // By index: a check may add or remove invariants.
  for (std::size_t i = 0; i < invariants_.size(); ++i) {
    if (invariants_[i].removed) continue;
    bool holds = false;
    std::string detail;
    try {
      holds = invariants_[i].invariant.holds(*this);
    } catch (...) {
      detail = "the check raised " + describe_exception(std::current_exception());
    }
    if (!holds) throw_violation(invariants_[i].invariant.name, detail);
  }
  if (options_.max_steps != 0 && step_ > options_.max_steps) {
    throw StepLimitError("step limit: more than max_steps " + std::to_string(options_.max_steps) +
                             " callbacks ran (a livelock?) " + where(seed_, now, step_) + "\n" +
                             describe_pending(pending_tasks()),
                         seed_, now, step_);
  }
}

void SimLoop::cancel_at_point() noexcept {
  cancel_due_ = false;
  if (cancel_target_ == nullptr) return;
  try {
    const_cast<TaskBase*>(cancel_target_)->cancel("cancellation point");
  } catch (...) {
    // A cancel cycle raises at the await instead; nothing to do here.
  }
}

void SimLoop::on_run_end() noexcept {
  for (ScopedInvariant& entry : invariants_) {
    if (entry.until_run_end && !entry.removed) {
      entry.removed = true;
      invariants_removed_ = true;
    }
  }
  drop_removed_invariants();
}

void SimLoop::on_main_done_with_leftovers() noexcept {
  try {
    leftover_tasks_.clear();
    for (const AnyTask& task : all_tasks()) leftover_tasks_.push_back(task.task().get_name());
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept hook
  }
}

std::uint64_t SimLoop::random_draw(std::uint64_t bound, std::uint32_t nonzero_chance, std::string_view label) noexcept {
  return choose({ChoiceKind::random, bound, nonzero_chance, label});
}

bool SimLoop::buggify(std::string_view site) noexcept {
  if (!options_.buggify) return false;
  try {
    auto found = buggify_sites_.find(site);
    if (found == buggify_sites_.end()) {
      const bool enabled =
          choose({ChoiceKind::buggify_enable, 2, chance(options_.buggify_enable_probability), site}) != 0;
      found = buggify_sites_.emplace(std::string(site), enabled).first;
    }
    if (!found->second) return false;
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept hook
  }
  return choose({ChoiceKind::buggify_fire, 2, chance(options_.buggify_fire_probability), site}) != 0;
}

void SimLoop::on_task_created(const TaskBase& task) noexcept {
  ++tasks_created_;
  network_.on_task_created(task, running_task_);
  const CancelPoint& point = options_.cancel_point;
  if (point.active() && point.task.empty() && point.task_index == tasks_created_) {
    cancel_target_ = &task;
    try {
      cancel_point_task_ = task.get_name();
    } catch (...) {
      std::terminate();
    }
  }
  if (!options_.trace) {
    network_.cancel_if_host_down(task);
    return;
  }
  const std::uint32_t id = ++tasks_seen_;
  try {
    task_ids_[&task] = id;
    trace_.name_task(id, task.get_name());
    if (const Host* host = network_.host_of(task)) trace_.set_task_process(id, host->name());
  } catch (...) {
    std::terminate();
  }
  record(TraceEventKind::task_created, id, 0, 0, {});
  network_.cancel_if_host_down(task);
}

void SimLoop::on_task_step_start(const TaskBase& task) noexcept {
  if (options_.invariants.one_task_at_a_time && running_task_ != nullptr && running_task_ != &task) {
    violate("one_task_at_a_time",
            "task '" + task.get_name() + "' stepped while task '" + running_task_->get_name() + "' was running");
  }
  running_task_ = &task;
  if (network_.clocks_in_use()) set_clock_frame(network_.clock_frame_for(task));
  if (!options_.trace) return;
  const std::uint32_t id = task_id(task);
  try {
    if (id != 0 && trace_.task_name(id) != task.get_name()) trace_.name_task(id, task.get_name());
  } catch (...) {
    std::terminate();
  }
  record(TraceEventKind::task_step_start, id, 0, 0, {});
}

void SimLoop::on_task_step_end(const TaskBase& task) noexcept {
  running_task_ = nullptr;
  // The hook sees a const task; the network vanishes it only if it listed it itself.
  network_.on_task_step_end(const_cast<TaskBase&>(task));
  if (network_.clocks_in_use()) set_clock_frame(network_.clock_frame_outside_steps());
  const CancelPoint& point = options_.cancel_point;
  if (point.active() && !cancel_point_reached_ && !task.done()) {
    try {
      if (cancel_target_ == nullptr && !point.task.empty() && cancel_point_task_.empty() &&
          task.get_name() == point.task) {
        cancel_target_ = &task;
        cancel_point_task_ = point.task;
      }
      if (cancel_target_ == &task && ++cancel_suspensions_ == point.suspension) {
        cancel_due_ = true;
        cancel_point_reached_ = true;
        const FutureBase* awaited = task.awaiting();
        cancel_point_site_ = awaited != nullptr ? awaited->describe() : std::string("a bare yield (sleep(0))");
      }
    } catch (...) {
      std::terminate();
    }
  }
  if (!options_.trace) return;
  const std::uint32_t id = task_id(task);
  std::string detail;
  if (task.done()) {
    detail = "done";
    task_ids_.erase(&task);  // the address may be reused by a later task
  } else if (const FutureBase* awaited = task.awaiting()) {
    detail = "awaits " + awaited->describe();
  } else {
    detail = "yields";
  }
  record(TraceEventKind::task_step_end, id, 0, 0, std::move(detail));
}

void SimLoop::on_future_done(const FutureBase& future) noexcept {
  network_.on_future_done(future);
  if (&future == cancel_target_) cancel_target_ = nullptr;  // the address may be reused
  for (ScopedInvariant& entry : invariants_) {
    if (entry.owner == &future && !entry.removed) {
      entry.removed = true;
      invariants_removed_ = true;
    }
  }
  if (options_.invariants.future_completes_at_most_once && future.completion_count() > 1) {
    violate("future_completes_at_most_once", future.describe() + " completed a second time");
  }
  if (!options_.trace) return;
  const auto* task = dynamic_cast<const TaskBase*>(&future);
  try {
    record(TraceEventKind::future_done, task != nullptr ? task_id(*task) : 0, 0, 0,
           future.describe() + " " + describe_done(future));
  } catch (...) {
    std::terminate();
  }
}

void SimLoop::record_network(std::string detail) noexcept {
  if (options_.trace) {
    record(TraceEventKind::network, running_task_ != nullptr ? task_id(*running_task_) : 0, 0, 0, std::move(detail));
  }
}

void SimLoop::on_cancel_requested(const TaskBase& task) noexcept {
  if (options_.trace) record(TraceEventKind::cancel_requested, task_id(task), 0, 0, {});
}

void SimLoop::on_cancel_delivered(const TaskBase& task) noexcept {
  if (options_.trace) record(TraceEventKind::cancel_delivered, task_id(task), 0, 0, {});
}

std::uint32_t SimLoop::task_id(const TaskBase& task) noexcept {
  auto found = task_ids_.find(&task);
  return found != task_ids_.end() ? found->second : 0;
}

void SimLoop::record(TraceEventKind kind, std::uint32_t task, std::uint64_t timer, std::int64_t when,
                     std::string detail) noexcept {
  try {
    trace_.add({virtual_clock.now(), step_, kind, task, timer, when, std::move(detail)});
  } catch (...) {
    std::terminate();
  }
}

}  // namespace asim::sim
