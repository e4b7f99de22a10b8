// SPDX-License-Identifier: MIT
// Timeout: a deadline for a block of code in the current task (asyncio: timeouts.Timeout).
#pragma once

#include <asim/coro.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace asim {

/// A deadline for a scope of the current task. When it passes, the task is cancelled;
/// leaving the scope with that CancelledError turns it into TimeoutError, unless the
/// task has other cancellation requests pending (`uncancel()` tells). asyncio:
/// asyncio.Timeout.
///
/// C++ has no `async with`, so the scope is a coroutine run inline in the current task:
/// `co_await asim::timeout(1.0, body())` or `co_await asim::timeout(1.0, fn, args...)`
/// with `fn(Timeout&, args...) -> Coro<T>` (the body may reschedule its Timeout).
/// `enter()` / `exit(error)` are the two halves of `async with` for code that needs them
/// apart (the scenario interpreter): call `exit` with the exception the scope ended
/// with (or nullptr); it throws TimeoutError or returns, and the caller then rethrows
/// that exception itself (`exit_error` returns the TimeoutError instead).
///
/// A Timeout holds `this` in its timer, so it must not move once entered.
class Timeout {
 public:
  enum class State : std::uint8_t { created, entered, expiring, expired, exited };

  /// A timeout at loop time `when` (seconds), or never for nullopt.
  explicit Timeout(std::optional<double> when) noexcept : when_(when) {}
  Timeout(Timeout&& other);
  Timeout& operator=(Timeout&&) = delete;
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() { handler_.cancel(); }

  /// The current deadline. asyncio: Timeout.when.
  [[nodiscard]] std::optional<double> when() const noexcept { return when_; }
  /// Moves the deadline; a deadline not after now fires in the next iteration; nullopt
  /// disables it. RuntimeError unless the scope is active. asyncio: Timeout.reschedule.
  void reschedule(std::optional<double> when);
  /// True once the deadline passed inside the scope. asyncio: Timeout.expired.
  [[nodiscard]] bool expired() const noexcept { return state_ == State::expiring || state_ == State::expired; }
  [[nodiscard]] State state() const noexcept { return state_; }
  /// "<Timeout [active] when=1.5>" as asyncio's repr.
  [[nodiscard]] std::string repr() const;

  /// asyncio: Timeout.__aenter__. RuntimeError if entered before or outside a task.
  void enter();
  /// asyncio: Timeout.__aexit__. `error` is what the scope ended with, or nullptr.
  /// Throws TimeoutError when the scope's cancellation was this timeout's own.
  void exit(const std::exception_ptr& error);
  /// exit() that gives its TimeoutError back instead of throwing it: the error the
  /// scope ends with is the returned one if not null, else `error`. (A throw per
  /// timeout is costly where errors are passed as values, as in the interpreter.)
  [[nodiscard]] std::exception_ptr exit_error(const std::exception_ptr& error);

 private:
  // asyncio: Timeout._on_timeout
  void on_timeout();

  State state_ = State::created;
  Handle handler_;
  AnyTask task_;
  std::optional<double> when_;
  int cancelling_ = 0;
};

/// A Timeout `delay` seconds from now (nullopt: never). Needs a running loop.
/// asyncio: asyncio.timeout.
Timeout timeout(std::optional<double> delay);
/// A Timeout at loop time `when` (nullopt: never). asyncio: asyncio.timeout_at.
Timeout timeout_at(std::optional<double> when);

namespace detail {

/// `async with scope: return await body` — runs `body` inline in the current task.
template <class T>
Coro<T> run_in_timeout(Timeout scope, Coro<T> body) {
  scope.enter();
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(body);
      result.emplace(true);
    } else {
      result.emplace(co_await std::move(body));
    }
  } catch (...) {
    error = std::current_exception();
  }
  scope.exit(error);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

/// The same with a body that receives the scope; `fn` lives in this frame until the
/// body is done.
template <class F, class... Args>
auto run_in_timeout_fn(Timeout scope, F fn, Args... args)
    -> std::invoke_result_t<F&, Timeout&, Args&...> {
  using R = typename std::invoke_result_t<F&, Timeout&, Args&...>::value_type;
  scope.enter();
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await std::invoke(fn, scope, args...);
      result.emplace(true);
    } else {
      result.emplace(co_await std::invoke(fn, scope, args...));
    }
  } catch (...) {
    error = std::current_exception();
  }
  scope.exit(error);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

template <class F, class... Args>
concept timeout_body = std::invocable<F&, Timeout&, Args&...>;

}  // namespace detail

/// Runs `body` inline in the current task with a deadline `delay` seconds away;
/// raises TimeoutError when the deadline cancels it. asyncio: `async with timeout(delay)`.
template <class T>
Coro<T> timeout(std::optional<double> delay, Coro<T> body) {
  return detail::run_in_timeout(timeout(delay), std::move(body));
}
/// As above with the scope passed to the body: `fn(Timeout&, args...) -> Coro<T>`.
template <class F, class... Args>
  requires detail::timeout_body<F, Args...>
auto timeout(std::optional<double> delay, F fn, Args... args) {
  return detail::run_in_timeout_fn(timeout(delay), std::move(fn), std::move(args)...);
}
/// Runs `body` with a deadline at loop time `when`. asyncio: `async with timeout_at(when)`.
template <class T>
Coro<T> timeout_at(std::optional<double> when, Coro<T> body) {
  return detail::run_in_timeout(Timeout(when), std::move(body));
}
template <class F, class... Args>
  requires detail::timeout_body<F, Args...>
auto timeout_at(std::optional<double> when, F fn, Args... args) {
  return detail::run_in_timeout_fn(Timeout(when), std::move(fn), std::move(args)...);
}

}  // namespace asim
