// SPDX-License-Identifier: MIT
// Names and descriptions of exceptions, as asyncio prints them.
#include <asim/errors.hpp>

#include <typeinfo>

namespace asim {

ExceptionGroup::ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> exceptions)
    : std::runtime_error(message + " (" + std::to_string(exceptions.size()) +
                         (exceptions.size() == 1 ? " sub-exception)" : " sub-exceptions)")),
      message_(message),
      exceptions_(std::move(exceptions)) {}

std::string exception_class_name(const std::exception_ptr& error) {
  if (!error) return "None";
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return "CancelledError";
  } catch (const InvalidStateError&) {
    return "InvalidStateError";
  } catch (const TimeoutError&) {
    return "TimeoutError";
  } catch (const RuntimeError&) {
    return "RuntimeError";
  } catch (const ValueError&) {
    return "ValueError";
  } catch (const QueueEmpty&) {
    return "QueueEmpty";
  } catch (const QueueFull&) {
    return "QueueFull";
  } catch (const ExceptionGroup&) {
    return "ExceptionGroup";
  } catch (const std::invalid_argument&) {
    return "std::invalid_argument";
  } catch (const std::exception& e) {
    return typeid(e).name();
  } catch (...) {
    return "unknown";
  }
}

std::string describe_exception(const std::exception_ptr& error) {
  if (!error) return "None";
  std::string name = exception_class_name(error);
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError& e) {
    return e.message().empty() ? name : name + ": " + e.message();
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  } catch (...) {
    return name;
  }
}

bool is_cancelled_error(const std::exception_ptr& error) noexcept {
  if (!error) return false;
#if defined(__GLIBCXX__) && defined(__cpp_rtti)
  // Classify by the thrown object's exact type without rethrowing: a rethrow costs a
  // throw and an allocation, and every cancellation passes here. Only a type that
  // might derive from CancelledError (an unknown class) needs the catch below.
  if (const std::type_info* type = error.__cxa_exception_type()) {
    if (*type == typeid(CancelledError)) return true;
    if (*type == typeid(RuntimeError) || *type == typeid(InvalidStateError) || *type == typeid(TimeoutError) ||
        *type == typeid(ValueError) || *type == typeid(QueueEmpty) || *type == typeid(QueueFull) ||
        *type == typeid(ExceptionGroup)) {
      return false;
    }
  }
#endif
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace asim
