// SPDX-License-Identifier: MIT
// Observation hooks of the loop core, used by the simulated loop for its trace,
// its invariants and its choice of tie order. The real loop installs none.
#pragma once

#include <cstdint>

namespace asim {
class FutureBase;
class TaskBase;
}  // namespace asim

namespace asim::detail {

class CallbackNode;
class Runnable;

/// Every hook has an empty default. Hooks other than `after_callback` must not
/// throw; `after_callback` may throw to stop the run (an invariant violation), and
/// the exception leaves `run_once` without reaching the exception handler.
class LoopInstrument {
 public:
  virtual ~LoopInstrument() = default;

  /// The tie-break key of a timer armed for `when`; `arming_order` counts timers armed.
  virtual std::uint64_t timer_tie_key(std::int64_t when, std::uint64_t arming_order) noexcept {
    (void)when;
    return arming_order;
  }
  virtual void on_timer_armed(const CallbackNode& timer) noexcept { (void)timer; }
  virtual void on_timer_cancelled(const CallbackNode& timer) noexcept { (void)timer; }
  /// A due timer moved to the ready queue.
  virtual void on_timer_fired(const CallbackNode& timer) noexcept { (void)timer; }
  /// A ready callback is about to run (`is_cancelled` ones are skipped silently).
  virtual void before_callback(const Runnable& node) noexcept { (void)node; }
  virtual void after_callback(const Runnable& node) { (void)node; }
  virtual void on_task_created(const TaskBase& task) noexcept { (void)task; }
  virtual void on_task_step_start(const TaskBase& task) noexcept { (void)task; }
  virtual void on_task_step_end(const TaskBase& task) noexcept { (void)task; }
  /// The future (or task) became done: finished, failed or cancelled.
  virtual void on_future_done(const FutureBase& future) noexcept { (void)future; }
  /// `cancel()` was called on a pending task.
  virtual void on_cancel_requested(const TaskBase& task) noexcept { (void)task; }
  /// CancelledError is thrown into the task's coroutine at its await point.
  virtual void on_cancel_delivered(const TaskBase& task) noexcept { (void)task; }
};

}  // namespace asim::detail
