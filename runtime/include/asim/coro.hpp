// SPDX-License-Identifier: MIT
// Coro<T>: the lazy coroutine type of asim (asyncio: a native coroutine).
#pragma once

#include <asim/detail/frame_allocator.hpp>
#include <asim/errors.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace asim {

template <class T>
class Coro;

namespace detail {

/// What every Coro promise has: the coroutine that awaits it, and how it ended.
class CoroPromiseBase {
 public:
  /// Frames come from the per-thread frame cache (detail/frame_allocator.hpp), so
  /// creating a Coro allocates nothing once a frame of its size class was freed on
  /// this thread. The compiler passes the frame's size to both.
  static void* operator new(std::size_t size) { return FrameRecycled::operator new(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { FrameRecycled::operator delete(frame, size); }

  std::suspend_always initial_suspend() const noexcept { return {}; }

  /// Resumes the awaiting coroutine directly (symmetric transfer), so awaiting a
  /// coroutine never passes through the loop; a top-level coroutine (a task's)
  /// returns to the task's step instead.
  struct FinalAwaiter {
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) const noexcept {
      std::coroutine_handle<> next = self.promise().continuation_;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() const noexcept { return {}; }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
};

template <class T>
class CoroPromise final : public CoroPromiseBase {
 public:
  Coro<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }
  /// The returned value, or the exception the body ended with.
  T take_result() {
    if (exception_) std::rethrow_exception(exception_);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class CoroPromise<void> final : public CoroPromiseBase {
 public:
  Coro<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void take_result() const {
    if (exception_) std::rethrow_exception(exception_);
  }
};

}  // namespace detail

/// A lazy coroutine returning `T`. Nothing runs until it is awaited (inline, without
/// yielding to the loop) or wrapped in a Task by `create_task`. A Coro is awaited at
/// most once; dropping an unstarted Coro destroys its frame without running it.
///
/// Lambda coroutines must not capture: the lambda object may die before the coroutine
/// ends. Pass state as parameters.
template <class T = void>
class [[nodiscard]] Coro {
 public:
  using promise_type = detail::CoroPromise<T>;
  using value_type = T;

  Coro() = default;
  explicit Coro(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  Coro(Coro&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Coro& operator=(Coro&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Coro(const Coro&) = delete;
  Coro& operator=(const Coro&) = delete;
  ~Coro() { reset(); }

  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }
  [[nodiscard]] explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership of the frame (a Task takes it).
  std::coroutine_handle<promise_type> release() noexcept { return std::exchange(handle_, {}); }

  class Awaiter {
   public:
    explicit Awaiter(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
      handle_.promise().continuation_ = caller;
      return handle_;
    }
    T await_resume() { return handle_.promise().take_result(); }

   private:
    std::coroutine_handle<promise_type> handle_;
  };

  /// Runs the coroutine inline until it returns, then resumes the caller with its value.
  /// Throws RuntimeError for an empty or already awaited Coro.
  Awaiter operator co_await() && { return Awaiter(checked_handle()); }
  Awaiter operator co_await() & { return Awaiter(checked_handle()); }

 private:
  std::coroutine_handle<promise_type> checked_handle() {
    if (!handle_) throw RuntimeError("cannot await an empty Coro");
    if (handle_.done() || handle_.promise().continuation_) {
      throw RuntimeError("cannot reuse already awaited coroutine");
    }
    return handle_;
  }
  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }

  std::coroutine_handle<promise_type> handle_;
};

namespace detail {
template <class T>
Coro<T> CoroPromise<T>::get_return_object() noexcept {
  return Coro<T>(std::coroutine_handle<CoroPromise<T>>::from_promise(*this));
}
inline Coro<void> CoroPromise<void>::get_return_object() noexcept {
  return Coro<void>(std::coroutine_handle<CoroPromise<void>>::from_promise(*this));
}
}  // namespace detail

namespace detail {
/// An awaitable that asyncio would accept as a coroutine object (asyncio.sleep(d) is
/// one): it turns into a Coro through `as_coro()`.
template <class A>
concept coro_convertible = requires(A&& a) {
  { std::move(a).as_coro() };
};
/// A Coro, or what becomes one (coro_convertible): what ensure_future wraps in a task.
template <class A>
concept coroutine_like = coro_convertible<A> || requires { typename std::remove_cvref_t<A>::promise_type; };
/// The Coro for a coroutine-like argument.
template <class T>
Coro<T> to_coro(Coro<T>&& coro) noexcept {
  return std::move(coro);
}
template <coro_convertible A>
auto to_coro(A&& awaitable) {
  return std::move(awaitable).as_coro();
}
/// The Coro type to_coro gives for `A`.
template <class A>
using to_coro_t = decltype(to_coro(std::declval<std::remove_cvref_t<A>&&>()));
}  // namespace detail

}  // namespace asim
