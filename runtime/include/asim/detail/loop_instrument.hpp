// SPDX-License-Identifier: MIT
// Observation hooks of the loop core, used by the simulated loop for its trace,
// its invariants and its choice of tie order. The real loop installs none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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

  /// Two or more timers with the same deadline came due together: `due[0..count)` in
  /// arming order (asyncio's heap order). The hook may permute them; they run in the
  /// order it leaves.
  virtual void order_due_timers(CallbackNode** due, std::size_t count) noexcept {
    (void)due;
    (void)count;
  }
  virtual void on_timer_armed(const CallbackNode& timer) noexcept { (void)timer; }
  /// `timer` (already armed) is the timeout of a `wait_for`, `timeout` or `wait`.
  virtual void on_timeout_armed(const CallbackNode& timer) noexcept { (void)timer; }
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

  /// run_forever (and so run_until_complete) is returning.
  virtual void on_run_end() noexcept {}
  /// run_until_complete(coro)'s main coroutine is done and tasks it left are still
  /// pending (they are cancelled next, as asyncio.run does).
  virtual void on_main_done_with_leftovers() noexcept {}

  /// A draw of `asim::random`: an answer in [0, bound) (bound >= 2); 0 is the low
  /// end, false, the first element. `nonzero_chance` as sim::Choice (0: uniform).
  virtual std::uint64_t random_draw(std::uint64_t bound, std::uint32_t nonzero_chance,
                                    std::string_view label) noexcept {
    (void)bound;
    (void)nonzero_chance;
    (void)label;
    return 0;
  }
  /// Whether the fault point `site` fires now (asim::buggify).
  virtual bool buggify(std::string_view site) noexcept {
    (void)site;
    return false;
  }
};

}  // namespace asim::detail
