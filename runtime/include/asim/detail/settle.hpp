// SPDX-License-Identifier: MIT
// Errors as values inside the runtime's own coroutines: awaiting a future without a
// throw, and what `future.result()` would raise, given back.
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/future.hpp>
#include <asim/outcome.hpp>

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

namespace asim::detail {

/// What `future.result()` (check_result) would raise, given back instead of thrown:
/// the cancelled future's CancelledError, InvalidStateError for a pending one, its
/// exception; nullptr when it has a result. The same objects, taken the same way.
inline std::exception_ptr result_error(const FutureBase& future) {
  if (future.cancelled()) return future.make_cancelled_error();
  if (!future.done()) return std::make_exception_ptr(InvalidStateError("Result is not ready."));
  return future.stored_exception();
}

/// `fut.result()` as an Outcome (its value, or what it would raise).
template <class T>
Outcome<T> result_outcome(const Future<T>& fut) {
  if (std::exception_ptr error = result_error(fut.base())) return Outcome<T>::failure(std::move(error));
  if constexpr (std::is_void_v<T>) {
    return Outcome<void>();
  } else {
    return Outcome<T>(T(fut.result()));
  }
}

/// `co_await future` that gives back what it would raise (the error the task's step
/// throws in, i.e. its cancellation, else result_error) instead of throwing it;
/// nullptr when the future has a result. A throw costs an unwind per frame, and a
/// cancelled wait_for or wait used to throw, catch and rethrow. The future must
/// outlive the await (the awaiting frame holds it).
class SettleAwaiter : public FutureAwaiterBase {
 public:
  explicit SettleAwaiter(FutureBase& future) noexcept : FutureAwaiterBase(future) {}
  [[nodiscard]] std::exception_ptr await_resume() const {
    if (std::exception_ptr error = take_thrown_in()) return error;
    return result_error(*future_);
  }
};
inline SettleAwaiter settle_await(FutureBase& future) noexcept { return SettleAwaiter(future); }

/// `co_await waiter` (a lock's, event's, semaphore's or queue's) that gives back what
/// it would raise instead of throwing it, as SettleAwaiter does for a future.
class SettleWaiter {
 public:
  explicit SettleWaiter(Waiter& waiter) noexcept : waiter_(&waiter) {}
  [[nodiscard]] bool await_ready() const noexcept { return waiter_->done(); }
  void await_suspend(std::coroutine_handle<> caller) noexcept { suspend_task_on(waiter_->future(), caller); }
  [[nodiscard]] std::exception_ptr await_resume() const {
    if (std::exception_ptr error = take_thrown_in()) return error;
    return result_error(waiter_->future());
  }

 private:
  Waiter* waiter_;
};
inline SettleWaiter settle_await(Waiter& waiter) noexcept { return SettleWaiter(waiter); }

/// Ends the awaiting Coro with `error` as an exception leaving its body would (the
/// promise's unhandled_exception stores it), without throwing it:
/// `co_await fail_with(error); co_return <anything>;`. Whoever awaits the Coro sees
/// the error as before, raised once by its awaiter instead of thrown and rethrown.
class FailAwaiter {
 public:
  explicit FailAwaiter(std::exception_ptr error) noexcept : error_(std::move(error)) {}
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> self) noexcept {
    self.promise().exception_ = std::move(error_);
    return false;  // resume at once, to the co_return
  }
  void await_resume() const noexcept {}

 private:
  std::exception_ptr error_;
};
inline FailAwaiter fail_with(std::exception_ptr error) noexcept { return FailAwaiter(std::move(error)); }

}  // namespace asim::detail
