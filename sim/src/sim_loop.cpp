// SPDX-License-Identifier: MIT
// SimLoop: virtual time, chosen tie order and lateness, limits, invariants, trace.
#include <asim/future.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/task.hpp>

#include <fmt/format.h>

#include <exception>
#include <string>

namespace asim::sim {

namespace {

// Tie keys: the chosen rank in the high bits, the arming order below it, so that
// equal ranks (and rank 0, the shrunk choice) fall back to FIFO.
constexpr int tie_order_bits = 40;
constexpr std::uint64_t tie_rank_bound = std::uint64_t{1} << (64 - tie_order_bits);
constexpr std::uint64_t tie_order_mask = (std::uint64_t{1} << tie_order_bits) - 1;

std::string where(std::uint64_t seed, std::int64_t time_ns, std::uint64_t step) {
  return fmt::format("(seed {}, virtual time {} s, step {})", seed, format_time(time_ns), step);
}

std::string describe_done(const FutureBase& future) {
  if (future.cancelled()) return "cancelled";
  std::exception_ptr error = future.exception();
  if (error) return "exception " + describe_exception(error);
  return "finished";
}

}  // namespace

void SimPoller::poll(EventLoop& loop, std::int64_t timeout_ns) { static_cast<SimLoop&>(loop).advance(timeout_ns); }

SimLoop::SimLoop(std::uint64_t seed, SimOptions options)
    : EventLoop(virtual_clock, sim_poller),
      seed_(seed),
      options_(options),
      prng_(seed),
      chooser_(options.chooser != nullptr ? options.chooser : &prng_) {
  if (options_.choose_lateness && options_.max_lateness > 0) {
    max_lateness_ns_ = asim::detail::seconds_to_ns(options_.max_lateness, "max_lateness");
  }
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

void SimLoop::add_invariant(std::string name, InvariantFn holds) {
  invariants_.push_back({std::move(name), std::move(holds)});
}

std::uint64_t SimLoop::choose(ChoiceKind kind, std::uint64_t bound) noexcept {
  const bool enabled = kind == ChoiceKind::timer_tie  ? options_.choose_timer_ties
                       : kind == ChoiceKind::lateness ? options_.choose_lateness
                                                      : options_.choose_io_order;
  if (!enabled || bound <= 1) return 0;
  const std::uint64_t pick = chooser_->choose(kind, bound);
  return pick < bound ? pick : bound - 1;  // a chooser out of range is clamped, not trusted
}

// -- the poller's side --------------------------------------------------------

void SimLoop::advance(std::int64_t timeout_ns) {
  throw_pending_violation();
  if (timeout_ns == Poller::forever) throw deadlock_error();
  if (timeout_ns <= 0) return;
  const std::int64_t now = virtual_clock.now();
  std::int64_t target = asim::detail::add_saturating(now, timeout_ns);
  if (max_lateness_ns_ > 0) {
    const auto late = static_cast<std::int64_t>(
        choose(ChoiceKind::lateness, static_cast<std::uint64_t>(max_lateness_ns_) + 1));
    target = asim::detail::add_saturating(target, late);
  }
  if (target > max_time_ns_) {
    throw TimeLimitError("time limit: the next timer is due at " + format_time(now + timeout_ns) +
                             " s, past max_virtual_time " + format_time(max_time_ns_) + " s " +
                             where(seed_, now, step_),
                         seed_, now, step_);
  }
  virtual_clock.set(target);
}

DeadlockError SimLoop::deadlock_error() const {
  std::vector<PendingTask> pending;
  for (const AnyTask& handle : all_tasks()) {
    const TaskBase& task = handle.task();
    PendingTask entry;
    entry.name = task.get_name();
    if (const FutureBase* awaited = task.awaiting()) entry.awaiting = awaited->describe();
    entry.since_ns = task.suspended_since_ns();
    pending.push_back(std::move(entry));
  }
  const std::int64_t now = time_ns();
  std::string message = "deadlock: nothing is ready and no timer is armed " + where(seed_, now, step_);
  if (pending.empty()) {
    message += "\nno pending tasks (the awaited future is never completed)";
  } else {
    message += "\npending tasks (" + std::to_string(pending.size()) + "):";
    for (const PendingTask& task : pending) {
      message += "\n  Task '" + task.name + "' ";
      if (task.awaiting.empty()) {
        message += "is scheduled to step";
      } else {
        message += "awaits " + task.awaiting + " since " + format_time(task.since_ns) + " s";
      }
    }
  }
  return DeadlockError(message, seed_, now, step_, std::move(pending));
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

std::uint64_t SimLoop::timer_tie_key(std::int64_t /*when*/, std::uint64_t arming_order) noexcept {
  last_arming_order_ = arming_order;
  const std::uint64_t rank = choose(ChoiceKind::timer_tie, tie_rank_bound);
  return (rank << tie_order_bits) | (arming_order & tie_order_mask);
}

void SimLoop::on_timer_armed(const asim::detail::CallbackNode& timer) noexcept {
  if (!options_.trace) return;
  const std::uint64_t id = last_arming_order_ + 1;
  try {
    timer_ids_[&timer] = id;
  } catch (...) {
    std::terminate();
  }
  record(TraceEventKind::timer_armed, running_task_ != nullptr ? task_id(*running_task_) : 0, id, timer.when_, {});
}

void SimLoop::on_timer_cancelled(const asim::detail::CallbackNode& timer) noexcept {
  if (!options_.trace) return;
  auto found = timer_ids_.find(&timer);
  const std::uint64_t id = found != timer_ids_.end() ? found->second : 0;
  if (found != timer_ids_.end()) timer_ids_.erase(found);
  record(TraceEventKind::timer_cancelled, running_task_ != nullptr ? task_id(*running_task_) : 0, id, timer.when_,
         {});
}

void SimLoop::on_timer_fired(const asim::detail::CallbackNode& timer) noexcept {
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
  throw_pending_violation();
  const std::int64_t now = virtual_clock.now();
  if (options_.invariants.time_never_goes_back && now < last_time_ns_) {
    throw_violation("time_never_goes_back",
                    "loop time went from " + format_time(last_time_ns_) + " s back to " + format_time(now) + " s");
  }
  last_time_ns_ = now;
  for (Invariant& invariant : invariants_) {
    bool holds = false;
    std::string detail;
    try {
      holds = invariant.holds(*this);
    } catch (...) {
      detail = "the check raised " + describe_exception(std::current_exception());
    }
    if (!holds) throw_violation(invariant.name, detail);
  }
  if (options_.max_steps != 0 && step_ > options_.max_steps) {
    throw StepLimitError("step limit: more than max_steps " + std::to_string(options_.max_steps) +
                             " callbacks ran (a livelock?) " + where(seed_, now, step_),
                         seed_, now, step_);
  }
}

void SimLoop::on_task_created(const TaskBase& task) noexcept {
  if (!options_.trace) return;
  const std::uint32_t id = ++tasks_seen_;
  try {
    task_ids_[&task] = id;
    trace_.name_task(id, task.get_name());
  } catch (...) {
    std::terminate();
  }
  record(TraceEventKind::task_created, id, 0, 0, {});
}

void SimLoop::on_task_step_start(const TaskBase& task) noexcept {
  if (options_.invariants.one_task_at_a_time && running_task_ != nullptr && running_task_ != &task) {
    violate("one_task_at_a_time", "task '" + task.get_name() + "' stepped while task '" +
                                      running_task_->get_name() + "' was running");
  }
  running_task_ = &task;
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
