// SPDX-License-Identifier: MIT
// sleep(delay): suspend the running task for a while (asyncio: tasks.sleep).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/time_conversion.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <optional>
#include <utility>

namespace asim {

namespace detail {

/// The awaiter of `sleep`. Its future lives in the awaiter, which lives in the
/// waiting coroutine's frame, and its timer node comes from the loop's pool: a sleep
/// allocates nothing once the pool is warm.
class SleepAwaiter {
 public:
  explicit SleepAwaiter(std::int64_t delay_ns) noexcept : delay_ns_(delay_ns) {}
  SleepAwaiter(const SleepAwaiter&) = delete;
  SleepAwaiter& operator=(const SleepAwaiter&) = delete;
  ~SleepAwaiter() { timer_.cancel(); }  // asyncio: the `finally: h.cancel()` of sleep

  [[nodiscard]] bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> caller);
  void await_resume() const {
    raise_thrown_in();
    if (future_) future_->check_result();
  }

 private:
  std::int64_t delay_ns_;
  std::optional<EmbeddedFuture<void>> future_;
  TimerHandle timer_;
};

/// sleep with a result (asyncio: `sleep(delay, result)`).
template <class T>
class SleepValueAwaiter : public SleepAwaiter {
 public:
  SleepValueAwaiter(std::int64_t delay_ns, T value) : SleepAwaiter(delay_ns), value_(std::move(value)) {}
  T await_resume() {
    SleepAwaiter::await_resume();
    return std::move(value_);
  }

 private:
  T value_;
};

/// What `sleep(delay)` returns: awaited, it suspends the task (through a
/// SleepAwaiter in the awaiting frame, so a sleep allocates nothing); passed where
/// asyncio passes a coroutine (create_task, gather, wait_for, ensure_future), it
/// becomes one through as_coro().
class Sleep {
 public:
  explicit Sleep(std::int64_t delay_ns) noexcept : delay_ns_(delay_ns) {}
  SleepAwaiter operator co_await() const noexcept { return SleepAwaiter(delay_ns_); }
  /// The coroutine `asyncio.sleep(delay)` is.
  [[nodiscard]] Coro<void> as_coro() const { return sleep_coro(delay_ns_); }
  [[nodiscard]] std::int64_t delay_ns() const noexcept { return delay_ns_; }

 private:
  static Coro<void> sleep_coro(std::int64_t delay_ns) { co_await SleepAwaiter(delay_ns); }
  std::int64_t delay_ns_;
};

/// `sleep(delay, value)`: like Sleep, then gives `value`.
template <class T>
class SleepValue {
 public:
  SleepValue(std::int64_t delay_ns, T value) : delay_ns_(delay_ns), value_(std::move(value)) {}
  SleepValueAwaiter<T> operator co_await() && { return SleepValueAwaiter<T>(delay_ns_, std::move(value_)); }
  SleepValueAwaiter<T> operator co_await() const& { return SleepValueAwaiter<T>(delay_ns_, value_); }
  [[nodiscard]] Coro<T> as_coro() && { return sleep_coro(delay_ns_, std::move(value_)); }

 private:
  static Coro<T> sleep_coro(std::int64_t delay_ns, T value) {
    co_return co_await SleepValueAwaiter<T>(delay_ns, std::move(value));
  }
  std::int64_t delay_ns_;
  T value_;
};

}  // namespace detail

/// Suspends the running task for `delay` seconds. A delay of 0 or less is one bare
/// yield: the task steps again in the next loop iteration, as in asyncio. Cancelling
/// the task raises CancelledError here. Throws std::invalid_argument for NaN or
/// infinity. Usable wherever asyncio takes a coroutine: `create_task(sleep(d))`,
/// `gather(sleep(d), ...)`, `wait_for(sleep(d), t)`. asyncio: asyncio.sleep.
inline detail::Sleep sleep(double delay) { return detail::Sleep(detail::seconds_to_ns(delay, "delay")); }
template <class Rep, class Period>
detail::Sleep sleep(std::chrono::duration<Rep, Period> delay) {
  return sleep(detail::to_seconds(delay));
}
/// Like sleep(delay), then returns `value`.
template <class T>
detail::SleepValue<T> sleep(double delay, T value) {
  return detail::SleepValue<T>(detail::seconds_to_ns(delay, "delay"), std::move(value));
}

}  // namespace asim
