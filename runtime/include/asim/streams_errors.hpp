// SPDX-License-Identifier: MIT
// The errors of sockets and streams, arranged as Python's: OSError and its
// ConnectionError family, plus asyncio.streams' IncompleteReadError and
// LimitOverrunError.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace asim {

/// Python's `OSError`: a system call failed. `error_number()` is Python's `errno`
/// (0 when the error did not come from the system); what() reads like Python's
/// str(): "[Errno 111] Connect call failed ('127.0.0.1', 1)".
class OSError : public std::runtime_error {
 public:
  explicit OSError(const std::string& message) : std::runtime_error(message) {}
  OSError(int error_number, const std::string& message);
  [[nodiscard]] int error_number() const noexcept { return errno_; }
  /// The Python class name ("OSError", "ConnectionResetError", ...).
  [[nodiscard]] virtual const char* class_name() const noexcept { return "OSError"; }

 private:
  int errno_ = 0;
};

/// Python's `ConnectionError`, the base of the four below.
class ConnectionError : public OSError {
 public:
  using OSError::OSError;
  [[nodiscard]] const char* class_name() const noexcept override { return "ConnectionError"; }
};

/// Python's `BrokenPipeError` (EPIPE, ESHUTDOWN): writing to a closed connection.
class BrokenPipeError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
  [[nodiscard]] const char* class_name() const noexcept override { return "BrokenPipeError"; }
};

/// Python's `ConnectionAbortedError` (ECONNABORTED).
class ConnectionAbortedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
  [[nodiscard]] const char* class_name() const noexcept override { return "ConnectionAbortedError"; }
};

/// Python's `ConnectionRefusedError` (ECONNREFUSED): nobody listens there.
class ConnectionRefusedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
  [[nodiscard]] const char* class_name() const noexcept override { return "ConnectionRefusedError"; }
};

/// Python's `ConnectionResetError` (ECONNRESET), also what asyncio raises as
/// "Connection lost" from drain() on a connection that is gone.
class ConnectionResetError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
  [[nodiscard]] const char* class_name() const noexcept override { return "ConnectionResetError"; }
};

/// Python's `socket.gaierror`: a name did not resolve; `error_number()` is the EAI_
/// code ("[Errno -2] Name or service not known").
class GaiError : public OSError {
 public:
  using OSError::OSError;
  [[nodiscard]] const char* class_name() const noexcept override { return "gaierror"; }
};

/// Python's `EOFError`.
class EOFError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// asyncio's `IncompleteReadError`: EOF came before the bytes asked for.
/// `partial()` holds what was read; `expected()` the total asked for (none for
/// readuntil). what(): "3 bytes read on a total of 10 expected bytes".
class IncompleteReadError : public EOFError {
 public:
  IncompleteReadError(std::string partial, std::optional<std::size_t> expected);
  [[nodiscard]] const std::string& partial() const noexcept { return partial_; }
  [[nodiscard]] std::optional<std::size_t> expected() const noexcept { return expected_; }

 private:
  std::string partial_;
  std::optional<std::size_t> expected_;
};

/// asyncio's `LimitOverrunError`: the separator was not found within the stream's
/// limit. `consumed()` is how many bytes are to be consumed.
class LimitOverrunError : public std::runtime_error {
 public:
  LimitOverrunError(const std::string& message, std::size_t consumed)
      : std::runtime_error(message), consumed_(consumed) {}
  [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }

 private:
  std::size_t consumed_;
};

/// The OSError subclass Python raises for `error_number` (ECONNREFUSED gives
/// ConnectionRefusedError, ...), with the message "[Errno N] <what>".
[[nodiscard]] std::exception_ptr make_os_error(int error_number, std::string_view what);
/// Throws make_os_error(error_number, what).
[[noreturn]] void throw_os_error(int error_number, std::string_view what);

/// The Python class name of a stream or socket error in `error` ("OSError",
/// "ConnectionResetError", "IncompleteReadError", "LimitOverrunError", "EOFError"),
/// or asim::exception_class_name's answer for any other error.
[[nodiscard]] std::string stream_error_class_name(const std::exception_ptr& error);

}  // namespace asim
