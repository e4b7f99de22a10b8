// SPDX-License-Identifier: MIT
// wait_for(future, timeout): await with a deadline, cancelling on expiry (asyncio: tasks.wait_for).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/settle.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>
#include <asim/wait.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace asim {

namespace detail {

/// The body of wait_for(Future<T>, timeout), with its outcome (the value, the
/// TimeoutError, the CancelledError of a cancelled wait, the future's error) given
/// back instead of thrown; errors of the cancel-and-wait steps still propagate. For
/// callers that pass errors as values (the scenario interpreter); wait_for rethrows.
/// asyncio: asyncio.wait_for (3.11).
template <class T>
Coro<Outcome<T>> wait_for_outcome(Future<T> fut, std::optional<double> timeout) {
  EventLoop& loop = get_running_loop();
  if (!fut) throw ValueError("wait_for() got an empty future handle");
  if (!timeout) {
    std::exception_ptr error = co_await settle_await(fut.base());
    if (error) co_return Outcome<T>::failure(std::move(error));
    co_return result_outcome(fut);
  }

  if (*timeout <= 0) {
    if (fut.done()) co_return result_outcome(fut);
    co_await cancel_and_wait(fut);
    Outcome<T> result = result_outcome(fut);
    if (result.cancelled()) co_return Outcome<T>::failure(std::make_exception_ptr(TimeoutError()));
    co_return result;
  }

  Future<void> waiter = loop.create_future<void>();
  TimerHandle timeout_handle = loop.call_later(*timeout, [waiter] { release_waiter(waiter); });
  loop.mark_timeout(timeout_handle);
  struct Finally {
    TimerHandle& handle;
    ~Finally() { handle.cancel(); }
  } finally{timeout_handle};
  Handle cb = fut.base().add_done_callback([waiter](FutureBase&) { release_waiter(waiter); });

  // wait until the future completes or the timeout
  std::exception_ptr cancelled = co_await settle_await(waiter.base());
  if (cancelled && !is_cancelled_error(cancelled)) std::rethrow_exception(cancelled);  // only CancelledError is caught
  if (cancelled) {
    if (fut.done()) co_return result_outcome(fut);
    fut.remove_done_callback(cb);
    // We must ensure that the task is not running after wait_for() returns.
    co_await cancel_and_wait(fut);
    co_return Outcome<T>::failure(std::move(cancelled));
  }

  if (fut.done()) co_return result_outcome(fut);
  fut.remove_done_callback(cb);
  // We must ensure that the task is not running after wait_for() returns.
  co_await cancel_and_wait(fut);
  // In case task cancellation failed with TimeoutError, the exception is not ours.
  Outcome<T> result = result_outcome(fut);
  if (result.cancelled()) co_return Outcome<T>::failure(std::make_exception_ptr(TimeoutError()));
  co_return result;
}

}  // namespace detail

/// Awaits `fut` for at most `timeout` seconds and returns its result. On expiry it
/// cancels `fut`, waits until `fut` is done, and raises TimeoutError (or returns the
/// result if `fut` finished anyway). No timeout (nullopt) is a plain await. A timeout
/// of 0 or less cancels a pending `fut` at once. Cancelling the awaiting task cancels
/// `fut` and waits for it before CancelledError is raised; if `fut` is already done at
/// that moment its result is returned and the cancellation is swallowed, as in
/// CPython 3.11. asyncio: asyncio.wait_for (3.11).
template <class T>
Coro<T> wait_for(Future<T> fut, std::optional<double> timeout) {
  Outcome<T> result = co_await detail::wait_for_outcome(std::move(fut), timeout);
  if constexpr (std::is_void_v<T>) {
    result.rethrow();
  } else {
    co_return std::move(result).value();
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
