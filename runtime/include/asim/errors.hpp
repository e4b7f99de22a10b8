// SPDX-License-Identifier: MIT
// The exception classes of asim, named and arranged as asyncio's.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asim {

/// Raised at the await point of a cancelled task, and by `result()` of a cancelled future.
///
/// Like asyncio's `CancelledError` (a `BaseException`, not an `Exception`), it does not
/// derive from `std::exception`, so `catch (const std::exception&)` never swallows a
/// cancellation by accident. Catch it by name and re-throw it.
class CancelledError {
 public:
  CancelledError() = default;
  explicit CancelledError(std::string message) : message_(std::move(message)) {}

  /// The message given to `cancel(msg)`, empty when there was none.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] const char* what() const noexcept { return message_.c_str(); }
  /// The task whose cancellation this is ("Task 'main'"), once known: set when the
  /// error leaves `run_until_complete`, so a report can say which task was cancelled.
  [[nodiscard]] const std::string& task() const noexcept { return task_; }
  void set_task(std::string task) { task_ = std::move(task); }

 private:
  std::string message_;
  std::string task_;
};

/// asyncio's `InvalidStateError`: the operation is not allowed in the future's state
/// (reading the result of a pending future, setting a result twice).
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// asyncio's `TimeoutError`: a deadline passed (`wait_for`, `timeout`).
class TimeoutError : public std::runtime_error {
 public:
  TimeoutError() : std::runtime_error("timed out") {}
  using std::runtime_error::runtime_error;
};

/// Python's `RuntimeError` as asyncio raises it: a closed loop, a loop already running,
/// a task awaiting itself, releasing an unlocked lock.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's `ValueError`, for example `wait()` of an empty set.
class ValueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// asyncio's `QueueEmpty`: `get_nowait()` on an empty queue.
class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty() : std::runtime_error("queue is empty") {}
};

/// asyncio's `QueueFull`: `put_nowait()` on a full queue.
class QueueFull : public std::runtime_error {
 public:
  QueueFull() : std::runtime_error("queue is full") {}
};

/// Python's `ExceptionGroup` as a TaskGroup raises it: every error of the group's
/// children (and of its body), in the order they were recorded. what() reads like
/// Python's str(): "unhandled errors in a TaskGroup (2 sub-exceptions)".
class ExceptionGroup : public std::runtime_error {
 public:
  ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> exceptions);
  /// The message without the count ("unhandled errors in a TaskGroup").
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  /// The sub-exceptions. asyncio: BaseExceptionGroup.exceptions.
  [[nodiscard]] const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

 private:
  std::string message_;
  std::vector<std::exception_ptr> exceptions_;
};

/// The class name asyncio would print for the exception in `error`:
/// `CancelledError`, `TimeoutError`, `InvalidStateError`, `RuntimeError`, ... and, for
/// any other exception, its C++ type demangled: `std::logic_error`, `svc::BackendError`,
/// `int` for `throw 42`.
[[nodiscard]] std::string exception_class_name(const std::exception_ptr& error);

/// A description of the exception in `error`: its class and its message, on one line
/// ("RuntimeError: boom", "CancelledError: Task 'main' was cancelled: why"). An
/// ExceptionGroup lists its sub-exceptions below, nested groups indented, as Python's
/// traceback module prints them.
[[nodiscard]] std::string describe_exception(const std::exception_ptr& error);

/// True when `error` holds a `CancelledError`.
[[nodiscard]] bool is_cancelled_error(const std::exception_ptr& error) noexcept;

}  // namespace asim
