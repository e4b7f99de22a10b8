// SPDX-License-Identifier: MIT
// wait_for(future, timeout): await with a deadline, cancelling on expiry (asyncio: tasks.wait_for).
#pragma once

#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>
#include <asim/wait.hpp>

#include <exception>
#include <optional>
#include <utility>

namespace asim {

/// Awaits `fut` for at most `timeout` seconds and returns its result. On expiry it
/// cancels `fut`, waits until `fut` is done, and raises TimeoutError (or returns the
/// result if `fut` finished anyway). No timeout (nullopt) is a plain await. A timeout
/// of 0 or less cancels a pending `fut` at once. Cancelling the awaiting task cancels
/// `fut` and waits for it before CancelledError is raised; if `fut` is already done at
/// that moment its result is returned and the cancellation is swallowed, as in
/// CPython 3.11. asyncio: asyncio.wait_for (3.11).
template <class T>
Coro<T> wait_for(Future<T> fut, std::optional<double> timeout) {
  EventLoop& loop = get_running_loop();
  if (!fut) throw ValueError("wait_for() got an empty future handle");
  if (!timeout) co_return co_await fut;

  if (*timeout <= 0) {
    if (fut.done()) co_return fut.result();
    co_await detail::cancel_and_wait(fut);
    try {
      co_return fut.result();
    } catch (const CancelledError&) {
      throw TimeoutError();
    }
  }

  Future<void> waiter = loop.create_future<void>();
  TimerHandle timeout_handle = loop.call_later(*timeout, [waiter] { detail::release_waiter(waiter); });
  loop.mark_timeout(timeout_handle);
  struct Finally {
    TimerHandle& handle;
    ~Finally() { handle.cancel(); }
  } finally{timeout_handle};
  Handle cb = fut.base().add_done_callback([waiter](FutureBase&) { detail::release_waiter(waiter); });

  // wait until the future completes or the timeout
  std::exception_ptr cancelled;
  try {
    co_await waiter;
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    if (fut.done()) co_return fut.result();
    fut.remove_done_callback(cb);
    // We must ensure that the task is not running after wait_for() returns.
    co_await detail::cancel_and_wait(fut);
    std::rethrow_exception(cancelled);
  }

  if (fut.done()) co_return fut.result();
  fut.remove_done_callback(cb);
  // We must ensure that the task is not running after wait_for() returns.
  co_await detail::cancel_and_wait(fut);
  // In case task cancellation failed with TimeoutError, the exception is not ours.
  try {
    co_return fut.result();
  } catch (const CancelledError&) {
    throw TimeoutError();
  }
}

/// wait_for a coroutine: with no timeout it is awaited inline, otherwise it runs in a
/// new task (asyncio's ensure_future).
template <class T>
Coro<T> wait_for(Coro<T> coro, std::optional<double> timeout) {
  if (!timeout) co_return co_await std::move(coro);
  EventLoop& loop = get_running_loop();
  co_return co_await wait_for(Future<T>(loop.create_task(std::move(coro), detail::inner_task_name(loop, "wait_for"))),
                              timeout);
}

/// wait_for what asyncio would accept as a coroutine, e.g. `wait_for(sleep(d), t)`.
template <detail::coro_convertible A>
auto wait_for(A awaitable, std::optional<double> timeout) {
  return wait_for(std::move(awaitable).as_coro(), timeout);
}

/// wait_for a task (keeps overload resolution away from the Coro form).
template <class T>
Coro<T> wait_for(const Task<T>& task, std::optional<double> timeout) {
  return wait_for(Future<T>(task), timeout);
}

}  // namespace asim
