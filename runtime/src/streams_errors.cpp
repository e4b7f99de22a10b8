// SPDX-License-Identifier: MIT
// The errors of sockets and streams (Python's OSError family, asyncio.exceptions).
#include <asim/errors.hpp>
#include <asim/streams_errors.hpp>

#include <cerrno>
#include <cstring>

namespace asim {

namespace {
std::string errno_message(int error_number, const std::string& message) {
  return "[Errno " + std::to_string(error_number) + "] " + message;
}
}  // namespace

OSError::OSError(int error_number, const std::string& message)
    : std::runtime_error(error_number != 0 ? errno_message(error_number, message) : message), errno_(error_number) {}

IncompleteReadError::IncompleteReadError(std::string partial, std::optional<std::size_t> expected)
    : EOFError(std::to_string(partial.size()) + " bytes read on a total of " +
               (expected ? std::to_string(*expected) : std::string("undefined")) + " expected bytes"),
      partial_(std::move(partial)),
      expected_(expected) {}

// Python: the OSError constructor picks the subclass from errno (PEP 3151).
std::exception_ptr make_os_error(int error_number, std::string_view what) {
  const std::string message(what);
  switch (error_number) {
    case ECONNREFUSED: return std::make_exception_ptr(ConnectionRefusedError(error_number, message));
    case ECONNRESET: return std::make_exception_ptr(ConnectionResetError(error_number, message));
    case ECONNABORTED: return std::make_exception_ptr(ConnectionAbortedError(error_number, message));
    case EPIPE:
    case ESHUTDOWN: return std::make_exception_ptr(BrokenPipeError(error_number, message));
    default: return std::make_exception_ptr(OSError(error_number, message));
  }
}

void throw_os_error(int error_number, std::string_view what) {
  std::rethrow_exception(make_os_error(error_number, what));
}

std::string stream_error_class_name(const std::exception_ptr& error) {
  if (!error) return "None";
  try {
    std::rethrow_exception(error);
  } catch (const OSError& e) {
    return e.class_name();
  } catch (const IncompleteReadError&) {
    return "IncompleteReadError";
  } catch (const EOFError&) {
    return "EOFError";
  } catch (const LimitOverrunError&) {
    return "LimitOverrunError";
  } catch (...) {
    return exception_class_name(error);
  }
}

}  // namespace asim
