// SPDX-License-Identifier: MIT
// wait(futures, timeout, return_when): wait until some or all futures are done (asyncio: tasks.wait).
#pragma once

#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/outcome.hpp>
#include <asim/task.hpp>

#include <optional>
#include <vector>

namespace asim {

/// When `wait` returns. asyncio: FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED.
enum class ReturnWhen { all_completed, first_completed, first_exception };
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::all_completed;      // NOLINT: asyncio's name
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::first_completed;  // NOLINT: asyncio's name
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::first_exception;  // NOLINT: asyncio's name

/// What `wait` returns: the futures that are done and those still pending, each in
/// the order of the input, a future given twice listed once (asyncio returns two sets).
struct WaitResult {
  std::vector<AnyFuture> done;
  std::vector<AnyFuture> pending;
};

/// Waits until the futures are done as `return_when` says, or until `timeout`
/// seconds pass. Never raises TimeoutError and never cancels the futures: what is
/// not done is returned in `pending`. Raises ValueError (when awaited) for an empty
/// list; cancelling the awaiting task raises CancelledError and removes every
/// callback and timer it installed. asyncio: asyncio.wait (and its `_wait`).
Coro<WaitResult> wait(std::vector<AnyFuture> futures, std::optional<double> timeout = std::nullopt,
                      ReturnWhen return_when = ALL_COMPLETED);

/// wait() over typed futures.
template <class T>
Coro<WaitResult> wait(const std::vector<Future<T>>& futures, std::optional<double> timeout = std::nullopt,
                      ReturnWhen return_when = ALL_COMPLETED) {
  return wait(std::vector<AnyFuture>(futures.begin(), futures.end()), timeout, return_when);
}
/// wait() over tasks.
template <class T>
Coro<WaitResult> wait(const std::vector<Task<T>>& tasks, std::optional<double> timeout = std::nullopt,
                      ReturnWhen return_when = ALL_COMPLETED) {
  std::vector<AnyFuture> futures;
  futures.reserve(tasks.size());
  for (const Task<T>& task : tasks) futures.emplace_back(static_cast<const Future<T>&>(task));
  return wait(std::move(futures), timeout, return_when);
}

/// wait() over coroutines: when the wait starts, each is wrapped in a task on the
/// running loop, as asyncio 3.11 does (with a DeprecationWarning); `done` and
/// `pending` list those tasks, so keep the result to reach their values.
template <class T>
Coro<WaitResult> wait(std::vector<Coro<T>> coros, std::optional<double> timeout = std::nullopt,
                      ReturnWhen return_when = ALL_COMPLETED) {
  // asyncio: fs = {ensure_future(f, loop=loop) for f in fs}
  std::vector<AnyFuture> futures;
  futures.reserve(coros.size());
  for (Coro<T>& coro : coros) futures.emplace_back(Future<T>(create_task(std::move(coro))));
  co_return co_await wait(std::move(futures), timeout, return_when);
}

namespace detail {
/// One item of asim::futures(...): a future as is, a coroutine as a new task.
template <class F>
AnyFuture as_any_future(F&& item) {
  if constexpr (coroutine_like<F>) {
    return AnyFuture(ensure_future(to_coro(std::forward<F>(item))));
  } else {
    return AnyFuture(std::forward<F>(item));
  }
}
}  // namespace detail

/// The futures `wait` takes, given one by one: `co_await asim::wait(asim::futures(a, b))`
/// where `co_await asim::wait({a, b})` would do, since g++ 12 rejects a braced list
/// inside a co_await expression ("array used as initializer"). Futures and tasks of
/// any value type; coroutines (and `sleep(d)`) are wrapped in tasks on the running
/// loop, as asyncio.ensure_future does.
template <class... Fs>
std::vector<AnyFuture> futures(Fs&&... items) {
  std::vector<AnyFuture> out;
  out.reserve(sizeof...(Fs));
  (out.push_back(detail::as_any_future(std::forward<Fs>(items))), ...);
  return out;
}

namespace detail {
/// Finishes `waiter` unless it is done already. asyncio: tasks._release_waiter.
inline void release_waiter(Future<void> waiter) {
  if (!waiter.done()) waiter.set_result();
}
/// Cancels `future` and waits until it is done, whatever it ends with; cancelling
/// the waiting task stops the wait but not the future. asyncio: tasks._cancel_and_wait.
Coro<void> cancel_and_wait(AnyFuture future);
/// wait(futures, timeout, return_when) with the error of its wait (the awaiting
/// task's CancelledError) given back instead of thrown; the argument errors
/// (ValueError) are still raised. For callers that pass errors as values; wait()
/// rethrows it.
Coro<Outcome<WaitResult>> wait_outcome(std::vector<AnyFuture> futures, std::optional<double> timeout,
                                       ReturnWhen return_when);
}  // namespace detail

}  // namespace asim
