// SPDX-License-Identifier: MIT
// The sleep awaiter (asyncio: tasks.sleep).
#include <asim/sleep.hpp>

namespace asim::detail {

void SleepAwaiter::await_suspend(std::coroutine_handle<> caller) {
  if (delay_ns_ <= 0) {
    suspend_task_bare(caller);
    return;
  }
  EventLoop& loop = get_running_loop();
  future_.emplace(loop);
  EmbeddedFuture<void>* future = &*future_;
  // asyncio: loop.call_later(delay, futures._set_result_unless_cancelled, future, result)
  timer_ = loop.call_at_ns(loop.deadline_after_ns(delay_ns_),
                           [future]() noexcept { future->set_result_unless_cancelled(); });
  suspend_task_on(*future, caller);
}

}  // namespace asim::detail
