// SPDX-License-Identifier: MIT
// Outcome<T>: a value or an exception, as gather(return_exceptions=True) reports each child.
#pragma once

#include <asim/errors.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace asim {

/// Stands in for the result of a `void` future where a value is needed (the slots of
/// gather's tuple and vector results), as asyncio puts `None` there.
struct Void {
  friend bool operator==(Void, Void) noexcept { return true; }
};

/// What a child of `gather(return_exceptions, ...)` ended with: its value, or the
/// exception it raised (a CancelledError for a cancelled child). asyncio puts either
/// the result or the exception object in the list; C++ needs the two cases apart.
template <class T>
class Outcome {
 public:
  using value_type = T;

  /// A successful outcome holding `value`.
  explicit Outcome(T value) : value_(std::move(value)) {}
  /// A failed outcome; `error` must not be null.
  static Outcome failure(std::exception_ptr error) { return Outcome(std::move(error), 0); }

  [[nodiscard]] bool has_value() const noexcept { return !error_; }
  [[nodiscard]] explicit operator bool() const noexcept { return has_value(); }
  /// The value; rethrows the error when there is one.
  const T& value() const& {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  T& value() & {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  T&& value() && {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }
  /// The exception, or nullptr for a successful outcome.
  [[nodiscard]] const std::exception_ptr& error() const noexcept { return error_; }
  /// True when the error is a CancelledError.
  [[nodiscard]] bool cancelled() const noexcept { return is_cancelled_error(error_); }
  /// Raises the error, if any (asyncio: a bare `raise` in the except block).
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  Outcome(std::exception_ptr error, int /*tag*/) : error_(std::move(error)) {}
  std::optional<T> value_;
  std::exception_ptr error_;
};

/// The outcome of a `void` child: success, or its exception.
template <>
class Outcome<void> {
 public:
  using value_type = void;

  Outcome() = default;
  static Outcome failure(std::exception_ptr error) {
    Outcome outcome;
    outcome.error_ = std::move(error);
    return outcome;
  }
  [[nodiscard]] bool has_value() const noexcept { return !error_; }
  [[nodiscard]] explicit operator bool() const noexcept { return has_value(); }
  /// Returns for success; rethrows the error otherwise.
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  [[nodiscard]] const std::exception_ptr& error() const noexcept { return error_; }
  /// True when the error is a CancelledError.
  [[nodiscard]] bool cancelled() const noexcept { return is_cancelled_error(error_); }
  /// Raises the error, if any (asyncio: a bare `raise` in the except block).
  void rethrow() const { value(); }

 private:
  std::exception_ptr error_;
};

}  // namespace asim
