// SPDX-License-Identifier: MIT
// Scenario values (integers, None, gather lists) and the exceptions a scenario can raise.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asim::props {

/// A value a scenario can see: an integer, `None`, or the list a gather returns, whose
/// elements may be exceptions (gather with return_exceptions).
class Value {
 public:
  enum class Kind : std::uint8_t { none, integer, list, error };

  Value() = default;
  static Value integer(std::int64_t number) {
    Value v;
    v.kind_ = Kind::integer;
    v.integer_ = number;
    return v;
  }
  static Value list(std::vector<Value> items);
  /// A list element that is an exception, written as its trace text (`ScenarioError:m`).
  static Value error(std::string text);

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_none() const noexcept { return kind_ == Kind::none; }
  [[nodiscard]] std::int64_t as_integer() const noexcept { return integer_; }
  /// A list's items (empty for the other kinds).
  [[nodiscard]] const std::vector<Value>& items() const noexcept;

  /// The trace text: `5`, `None`, `[1, !ScenarioError:x, None]`.
  [[nodiscard]] std::string text() const;
  /// Appends text() to `out` (no temporary strings for integers and None).
  void append_text(std::string& out) const;

  friend bool operator==(const Value& a, const Value& b) noexcept;

 private:
  /// A list's items or an error's text, shared between copies (values are immutable),
  /// so that an integer or None is 32 bytes and a gather's list is copied in O(1).
  struct Payload;

  Kind kind_ = Kind::none;
  std::int64_t integer_ = 0;
  std::shared_ptr<const Payload> payload_;
};

/// The exception `raise` and `set_exception` create (Python: a plain Exception subclass).
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(const std::string& msg)
      : std::runtime_error(msg),
        with_nul_(msg.find('\0') == std::string::npos ? nullptr : std::make_shared<const std::string>(msg)) {}
  /// The whole message. what() ends at a NUL byte, which a scenario's text may hold
  /// ("\u0000"): such a message is kept whole beside it (shared, so a copy cannot throw).
  [[nodiscard]] std::string_view message() const noexcept {
    return with_nul_ ? std::string_view(*with_nul_) : std::string_view(what());
  }

 private:
  std::shared_ptr<const std::string> with_nul_;
};

/// A name used before it exists, or created twice (Python's NameError).
class NameError : public std::runtime_error {
 public:
  explicit NameError(const std::string& name) : std::runtime_error(name) {}
};

/// A name of the wrong kind for the statement (Python's TypeError).
class TypeError : public std::runtime_error {
 public:
  explicit TypeError(const std::string& name) : std::runtime_error(name) {}
};

/// A statement the C++ interpreter cannot express although Python can (for example
/// `set_result` on a pending gather); printed as `Unsupported`.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An exception as the trace writes it: `CLASS`, or `ScenarioError:MSG`.
[[nodiscard]] std::string exception_text(const std::exception_ptr& error);
/// The class name alone, as `try`'s `catch` list names it.
[[nodiscard]] std::string exception_class(const std::exception_ptr& error);

}  // namespace asim::props
