// SPDX-License-Identifier: MIT
// The scenario model of ../shared/scenario/SPEC.md, read and written as JSON.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

/// The statement kinds, one per `do` of the scenario language.
enum class Op : std::uint8_t {
  log,
  sleep,
  spawn,
  future,
  await_,
  cancel,
  set_result,
  set_exception,
  call_soon,
  call_later,
  call_at,
  wait,
  wait_for,
  gather,
  shield,
  as_completed,
  timeout,
  try_,
  return_,
  raise,
  lock,
  semaphore,
  acquire,
  release,
  event,
  set,
  clear,
  wait_event,
  queue,
  put,
  get,
  put_nowait,
  get_nowait,
};

/// The `do` text of `op` (`await`, `try`, `return` without the trailing underscore).
[[nodiscard]] std::string_view op_name(Op op) noexcept;
/// The op for a `do` text, or nullopt.
[[nodiscard]] std::optional<Op> op_from_name(std::string_view name) noexcept;
/// True when the statement may appear in a callback's `then` list (marked (cb) in SPEC.md).
[[nodiscard]] bool allowed_in_callback(Op op) noexcept;
/// The exception classes a scenario sees (SCENARIO.md, "Exceptions"): the names a
/// `try`'s `catch` list may give; any other name makes the file malformed.
inline constexpr std::array<std::string_view, 10> exception_classes = {
    "CancelledError", "TimeoutError", "ScenarioError", "InvalidStateError", "RuntimeError",
    "QueueEmpty",     "QueueFull",    "NameError",     "TypeError",         "ValueError"};
[[nodiscard]] constexpr bool is_exception_class(std::string_view name) noexcept {
  for (const std::string_view known : exception_classes) {
    if (known == name) return true;
  }
  return false;
}
/// What a loader reports for a `catch` entry that is not one of exception_classes.
[[nodiscard]] std::string unknown_exception_class_problem(std::string_view name);
/// call_soon, call_later, call_at: the statements with a `then` list.
[[nodiscard]] constexpr bool is_call(Op op) noexcept {
  return op == Op::call_soon || op == Op::call_later || op == Op::call_at;
}
/// True when the statement carries a `text` (log, raise, set_exception, the calls' label).
[[nodiscard]] constexpr bool uses_text(Op op) noexcept {
  return op == Op::log || op == Op::raise || op == Op::set_exception || is_call(op);
}
/// True when the statement names the object it works on in its `target` field (await,
/// cancel, set_result, acquire, put, ...): the loaders bind it to a slot, the generator
/// writes it back, the interpreter counts it as a use of that name.
[[nodiscard]] constexpr bool uses_target(Op op) noexcept {
  switch (op) {
    case Op::await_:
    case Op::cancel:
    case Op::set_result:
    case Op::set_exception:
    case Op::wait_for:
    case Op::shield:
    case Op::acquire:
    case Op::release:
    case Op::set:
    case Op::clear:
    case Op::wait_event:
    case Op::put:
    case Op::get:
    case Op::put_nowait:
    case Op::get_nowait: return true;
    default: return false;
  }
}

enum class ReturnWhen : std::uint8_t { all_completed, first_completed, first_exception };

/// One statement. A flat record: each op uses the fields SPEC.md lists for it and
/// leaves the others at their defaults, which keeps generation and shrinking simple.
struct Statement {
  Op op = Op::log;
  /// `name` of spawn, future, gather, shield, lock, semaphore, event, queue; the
  /// optional handle name of call_soon / call_later / call_at.
  std::optional<std::string> name;
  /// `target` of the statements that use one name.
  std::string target;
  /// `targets` of wait, gather, as_completed.
  std::vector<std::string> targets;
  /// `msg` of log, set_exception, raise; `label` of call_*.
  std::string text;
  /// `delay` of sleep, call_later, timeout; `offset` of call_at; `timeout` of wait,
  /// wait_for, as_completed. nullopt is JSON null (only where SPEC.md allows it).
  std::optional<double> seconds;
  /// `value` of set_result, put, put_nowait, return (nullopt is None); `value` of
  /// semaphore and `maxsize` of queue (always set).
  std::optional<std::int64_t> value;
  /// `return_exceptions` of gather; `reraise` of try.
  bool flag = false;
  ReturnWhen return_when = ReturnWhen::all_completed;
  /// `catch` of try: class names.
  std::vector<std::string> catch_classes;
  /// `body` of spawn, timeout and try; `then` of call_*.
  std::vector<Statement> body;
  /// `handler` of try.
  std::vector<Statement> handler;

  friend bool operator==(const Statement&, const Statement&) = default;
};

/// A scenario: the body of the task `main` (format version 1).
struct Scenario {
  std::vector<Statement> main;
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

/// A malformed scenario: `what()` starts with the JSON pointer of the place,
/// e.g. `/main/3/body/0/delay: expected a number`.
class ScenarioFormatError : public std::runtime_error {
 public:
  ScenarioFormatError(std::string pointer, const std::string& problem)
      : std::runtime_error((pointer.empty() ? std::string("/") : pointer) + ": " + problem),
        pointer_(std::move(pointer)) {}
  /// The JSON pointer of the offending place ("" for the whole document).
  [[nodiscard]] const std::string& pointer() const noexcept { return pointer_; }

 private:
  std::string pointer_;
};

/// `key` as one token of a JSON pointer (RFC 6901: `~` becomes `~0`, `/` becomes `~1`),
/// for the place of an unknown field in both loaders' messages. A control character is
/// written as JSON writes it (`\u0000`), so that a message shows it and a NUL does not
/// cut the message short.
[[nodiscard]] std::string json_pointer_token(std::string_view key);

/// Parses and validates a scenario. Throws ScenarioFormatError naming the place for
/// bad JSON, a wrong version, an unknown statement or field, a missing or ill-typed
/// field, a non-finite number, or a task-only statement inside a callback's `then`.
[[nodiscard]] Scenario parse_scenario(std::string_view json_text);
/// Reads and parses a file ("-" reads stdin). Throws ScenarioFormatError, also when
/// the file cannot be read.
[[nodiscard]] Scenario load_scenario(const std::string& path);

/// The scenario as JSON text that parse_scenario reads back to an equal scenario.
/// `pretty`: one statement per line, nested bodies indented.
[[nodiscard]] std::string to_json(const Scenario& scenario, bool pretty = true);

/// Statements in the scenario, nested ones included.
[[nodiscard]] std::size_t statement_count(const Scenario& scenario) noexcept;

}  // namespace asim::props
