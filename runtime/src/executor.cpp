// SPDX-License-Identifier: MIT
// The loop's default executor (asyncio: BaseEventLoop.run_in_executor,
// shutdown_default_executor and the executor part of close).
#include <asim/executor.hpp>
#include <asim/real_loop.hpp>
#include <asim/thread_pool.hpp>

#include <thread>

namespace asim {

void EventLoop::submit_to_executor(std::unique_ptr<detail::ExecutorJob> job) {
  if (!default_executor_) default_executor_ = std::make_unique<ThreadPoolExecutor>();
  // The job is shared only to be copyable into std::function; the worker moves its
  // reference into the closure it posts, so the job is destroyed on the loop's thread.
  std::shared_ptr<detail::ExecutorJob> shared(std::move(job));
  default_executor_->post([this, shared = std::move(shared)](bool run) mutable {
    if (run) shared->run();
    // asyncio: _chain_future's call_soon_threadsafe(_set_state, ...). close() and
    // teardown join the workers before the loop is closed, so this cannot fail.
    call_soon_threadsafe([shared = std::move(shared)] { shared->complete(); });
  });
}

void EventLoop::stop_default_executor() noexcept {
  if (!default_executor_) return;
  // Work not started is cancelled; running work finishes and posts its completion,
  // which teardown drops on this thread.
  default_executor_->shutdown(/*wait=*/true, /*cancel_futures=*/true);
}

namespace {
Coro<void> await_executor_shutdown(EventLoop& loop, ThreadPoolExecutor& executor) {
  Future<void> future = loop.create_future<void>();
  // asyncio: _do_shutdown runs in a thread of its own, so the loop keeps running
  // while the workers finish. The thread gets a loop-side handle by move only.
  std::thread thread([&executor, &loop, done = future]() mutable {
    executor.shutdown(/*wait=*/true);
    loop.call_soon_threadsafe([done = std::move(done)]() mutable {
      if (!done.done()) done.set_result();
    });
  });
  struct Join {
    std::thread& thread;
    ~Join() { thread.join(); }  // asyncio's `finally: thread.join()`
  } join{thread};
  co_await future;
}
}  // namespace

// asyncio: BaseEventLoop.shutdown_default_executor
Coro<void> EventLoop::shutdown_default_executor() {
  executor_shutdown_called_ = true;
  if (!default_executor_) return []() -> Coro<void> { co_return; }();
  return await_executor_shutdown(*this, *default_executor_);
}

void detail::shutdown_default_executor(EventLoop& loop) {
  if (loop.is_closed()) return;
  loop.run_until_complete(loop.shutdown_default_executor());
}

}  // namespace asim
