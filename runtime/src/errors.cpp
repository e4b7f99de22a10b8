// SPDX-License-Identifier: MIT
// Names and descriptions of exceptions, as asyncio prints them.
#include <asim/barrier.hpp>
#include <asim/context.hpp>
#include <asim/errors.hpp>
#include <asim/streams_errors.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define ASIM_HAS_CXXABI 1
#endif

namespace asim {

namespace {

// "St11logic_error" -> "std::logic_error"; the mangled name when demangling fails.
std::string demangle(const char* mangled) {
#if defined(ASIM_HAS_CXXABI)
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  if (status == 0 && name) return name.get();
#endif
  return mangled;
}

// The type of the exception being handled, for a catch (...) (`throw 42` is an int).
std::string current_exception_type_name() {
#if defined(ASIM_HAS_CXXABI)
  if (const std::type_info* type = abi::__cxa_current_exception_type()) return demangle(type->name());
#endif
  return "unknown";
}

// The first line of one exception, as Python's format_exception_only prints it.
std::string exception_line(const std::exception_ptr& error);

// asyncio prints an exception group as traceback.TracebackException.format does:
// each sub-exception under a "+---- i ----" rule, nested groups one level deeper, and
// one closing rule after the last one (shared with a nested group that closes last).
struct GroupFormatter {
  std::string out;
  int depth = 0;
  bool need_close = false;

  [[nodiscard]] std::string indent() const { return std::string(static_cast<std::size_t>(2 * depth), ' '); }
  void emit(const std::string& line) { out += indent() + (depth > 0 ? "| " : "") + line + "\n"; }

  void format(const std::exception_ptr& error, bool top_level) {
    const ExceptionGroup* group = nullptr;
    try {
      std::rethrow_exception(error);
    } catch (const ExceptionGroup& e) {
      group = &e;
    } catch (...) {
    }
    if (group == nullptr) {
      emit(exception_line(error));
      return;
    }
    if (top_level) ++depth;
    if (!top_level) emit(exception_line(error));
    const std::size_t n = group->exceptions().size();
    need_close = false;
    for (std::size_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      if (last) need_close = true;  // the closing rule may be added by a nested group
      out += indent() + (i == 0 ? "+-" : "  ") + "+---------------- " + std::to_string(i + 1) + " ----------------\n";
      ++depth;
      format(group->exceptions()[i], false);
      if (last && need_close) {
        out += indent() + "+------------------------------------\n";
        need_close = false;
      }
      --depth;
    }
    if (top_level) depth = 0;
  }
};

}  // namespace

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
  } catch (const BrokenBarrierError&) {
    return "BrokenBarrierError";
  } catch (const OSError& e) {
    return e.class_name();
  } catch (const IncompleteReadError&) {
    return "IncompleteReadError";
  } catch (const EOFError&) {
    return "EOFError";
  } catch (const LimitOverrunError&) {
    return "LimitOverrunError";
  } catch (const LookupError&) {
    return "LookupError";
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
    return demangle(typeid(e).name());
  } catch (...) {
    return current_exception_type_name();
  }
}

namespace {

std::string exception_line(const std::exception_ptr& error) {
  std::string name = exception_class_name(error);
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError& e) {
    std::string text = e.task().empty() ? std::string() : e.task() + " was cancelled";
    if (!e.message().empty()) text += (text.empty() ? "" : ": ") + e.message();
    return text.empty() ? name : name + ": " + text;
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  } catch (...) {
    return name;
  }
}

}  // namespace

std::string describe_exception(const std::exception_ptr& error) {
  if (!error) return "None";
  std::string line = exception_line(error);
  try {
    std::rethrow_exception(error);
  } catch (const ExceptionGroup&) {
    GroupFormatter formatter;
    formatter.format(error, true);
    if (!formatter.out.empty() && formatter.out.back() == '\n') formatter.out.pop_back();
    return line + "\n" + formatter.out;
  } catch (...) {
  }
  return line;
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
    // Any other class (a user's error): ask the type info what `catch (const
    // CancelledError&)` would ask the unwinder, on the thrown object itself, which
    // libstdc++'s exception_ptr holds (and nothing else).
    static_assert(sizeof(std::exception_ptr) == sizeof(void*));
    void* object = nullptr;
    std::memcpy(&object, &error, sizeof object);
    return typeid(CancelledError).__do_catch(type, &object, 1);
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
