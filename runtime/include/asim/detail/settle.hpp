// SPDX-License-Identifier: MIT
// Errors as values inside the runtime's own coroutines: awaiting a future without a
// throw, and what `future.result()` would raise, given back.
#pragma once

#include <asim/future.hpp>
#include <asim/outcome.hpp>

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

}  // namespace asim::detail
