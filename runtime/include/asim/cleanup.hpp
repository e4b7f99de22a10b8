// SPDX-License-Identifier: MIT
// Awaiting in cleanup code: outcome_of, finally, on_cancelled (asyncio: `except ...: await`,
// `finally: await`).
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/outcome.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace asim {

namespace detail {
/// What `co_await a` gives for the awaitables asim passes around: a Coro or what
/// becomes one (sleep), a Future or Task.
template <class A>
struct awaited {
  using type = typename std::remove_cvref_t<A>::value_type;
};
template <class A>
  requires coro_convertible<A>
struct awaited<A> {
  using type = typename to_coro_t<A>::value_type;
};
template <class A>
using awaited_t = typename awaited<A>::type;
}  // namespace detail

/// Awaits `awaitable` (a coroutine, a future, a task, a sleep) and returns how it
/// ended: its value, or the exception it raised, CancelledError included, without
/// throwing it. C++ cannot `co_await` inside a `catch` block; this is how asim code
/// writes asyncio's
///
///     try: r = await work()
///     except CancelledError: await cleanup(); raise
///
/// as
///
///     asim::Outcome<R> r = co_await asim::outcome_of(work());
///     if (r.cancelled()) co_await cleanup();
///     co_return std::move(r).value();  // rethrows what work() raised
///
/// A cancellation of the awaiting task while `awaitable` runs is caught the same way
/// (it arrives as the CancelledError of the await, as in asyncio), so re-raise it.
template <class A>
Coro<Outcome<detail::awaited_t<A>>> outcome_of(A awaitable) {
  using T = detail::awaited_t<A>;
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await std::move(awaitable);
    } catch (...) {
      error = std::current_exception();
    }
    if (error) co_return Outcome<void>::failure(std::move(error));
    co_return Outcome<void>();
  } else {
    std::optional<T> value;
    try {
      value.emplace(co_await std::move(awaitable));
    } catch (...) {
      error = std::current_exception();
    }
    if (error) co_return Outcome<T>::failure(std::move(error));
    co_return Outcome<T>(std::move(*value));
  }
}

/// Awaits `body`, then awaits `cleanup` however `body` ended, then returns what
/// `body` returned or raises what it raised; an exception from `cleanup` replaces
/// it, as in Python. `cleanup` is a coroutine not yet started (or a sleep, a future),
/// so it runs only after `body`. asyncio: `try: return await body` / `finally: await cleanup`.
template <class A, class C>
Coro<detail::awaited_t<A>> finally(A body, C cleanup) {
  Outcome<detail::awaited_t<A>> outcome = co_await outcome_of(std::move(body));
  co_await std::move(cleanup);
  co_return std::move(outcome).value();
}

/// Awaits `body`; if it raises CancelledError (it was cancelled, or the awaiting
/// task was), awaits `cleanup` and raises the same CancelledError again, so the task
/// still ends cancelled. Other outcomes pass through and `cleanup` is dropped unrun.
/// asyncio: `try: return await body` / `except CancelledError: await cleanup; raise`.
template <class A, class C>
Coro<detail::awaited_t<A>> on_cancelled(A body, C cleanup) {
  Outcome<detail::awaited_t<A>> outcome = co_await outcome_of(std::move(body));
  if (outcome.cancelled()) co_await std::move(cleanup);
  co_return std::move(outcome).value();
}

}  // namespace asim
