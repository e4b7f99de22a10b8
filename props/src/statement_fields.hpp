// SPDX-License-Identifier: MIT
// The fields of each statement kind, in the order parse_scenario checks them, with
// which are required: the one table both loaders (scenario.cpp's tree reader and the
// one-pass compiler with its fast reader) check statements against, so that their
// messages cannot drift apart.
#pragma once

#include <asim/props/scenario.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace asim::props::detail {

enum class Field : std::uint8_t {
  msg,
  delay,
  name,
  body,
  target,
  targets,
  value,
  label,
  then,
  offset,
  timeout,
  return_when,
  return_exceptions,
  catch_,
  handler,
  reraise,
  maxsize,
  count,
};

constexpr std::uint32_t bit(Field f) { return 1U << static_cast<unsigned>(f); }

/// What both loaders report, at the second key's pointer, for a key given twice in one
/// object (not JSON to the scenario language).
inline constexpr const char* duplicate_key_problem = "invalid JSON: a key given twice in one object";

[[gnu::always_inline]] inline Field field_of(std::string_view key) {
  // Dispatch on length first: one or two comparisons per key.
  switch (key.size()) {
    case 3:
      if (key == "msg") return Field::msg;
      break;
    case 4:
      if (key == "name") return Field::name;
      if (key == "body") return Field::body;
      if (key == "then") return Field::then;
      break;
    case 5:
      if (key == "delay") return Field::delay;
      if (key == "value") return Field::value;
      if (key == "label") return Field::label;
      if (key == "catch") return Field::catch_;
      break;
    case 6:
      if (key == "target") return Field::target;
      if (key == "offset") return Field::offset;
      break;
    case 7:
      if (key == "targets") return Field::targets;
      if (key == "timeout") return Field::timeout;
      if (key == "handler") return Field::handler;
      if (key == "reraise") return Field::reraise;
      if (key == "maxsize") return Field::maxsize;
      break;
    case 11:
      if (key == "return_when") return Field::return_when;
      break;
    case 17:
      if (key == "return_exceptions") return Field::return_exceptions;
      break;
    default: break;
  }
  return Field::count;
}

/// A statement kind's fields: `fields[0..size)` in parse_scenario's order (the first
/// fault in this order is the one reported), and the same fields as bit masks.
struct StatementFields {
  std::array<Field, 4> fields{};
  std::uint8_t size = 0;
  std::uint32_t allowed = 0;
  std::uint32_t required = 0;
};

struct FieldRule {
  Field field;
  bool required;
};

constexpr StatementFields make_fields(std::initializer_list<FieldRule> rules) {
  StatementFields s;
  for (const FieldRule& rule : rules) {
    s.fields[s.size++] = rule.field;
    s.allowed |= bit(rule.field);
    if (rule.required) s.required |= bit(rule.field);
  }
  return s;
}

constexpr StatementFields make_statement_fields(Op op) {
  using F = Field;
  constexpr bool req = true;
  constexpr bool opt = false;
  switch (op) {
    case Op::log:
    case Op::raise: return make_fields({{F::msg, req}});
    case Op::sleep: return make_fields({{F::delay, req}});
    case Op::spawn: return make_fields({{F::name, req}, {F::body, req}});
    case Op::future:
    case Op::lock:
    case Op::event: return make_fields({{F::name, req}});
    case Op::await_:
    case Op::cancel:
    case Op::acquire:
    case Op::release:
    case Op::set:
    case Op::clear:
    case Op::wait_event:
    case Op::get:
    case Op::get_nowait: return make_fields({{F::target, req}});
    case Op::set_result:
    case Op::put:
    case Op::put_nowait: return make_fields({{F::target, req}, {F::value, req}});
    case Op::set_exception: return make_fields({{F::target, req}, {F::msg, req}});
    case Op::call_soon: return make_fields({{F::label, req}, {F::name, opt}, {F::then, opt}});
    case Op::call_later: return make_fields({{F::delay, req}, {F::label, req}, {F::name, opt}, {F::then, opt}});
    case Op::call_at: return make_fields({{F::offset, req}, {F::label, req}, {F::name, opt}, {F::then, opt}});
    case Op::wait: return make_fields({{F::targets, req}, {F::timeout, opt}, {F::return_when, req}});
    case Op::wait_for: return make_fields({{F::target, req}, {F::timeout, opt}});
    case Op::gather: return make_fields({{F::name, req}, {F::targets, req}, {F::return_exceptions, req}});
    case Op::shield: return make_fields({{F::name, req}, {F::target, req}});
    case Op::as_completed: return make_fields({{F::targets, req}, {F::timeout, opt}});
    case Op::timeout: return make_fields({{F::delay, opt}, {F::body, req}});
    case Op::try_: return make_fields({{F::body, req}, {F::catch_, req}, {F::handler, opt}, {F::reraise, opt}});
    case Op::return_: return make_fields({{F::value, opt}});
    case Op::semaphore: return make_fields({{F::name, req}, {F::value, req}});
    case Op::queue: return make_fields({{F::name, req}, {F::maxsize, req}});
  }
  return {};
}

inline constexpr std::size_t op_count = static_cast<std::size_t>(Op::get_nowait) + 1;

inline constexpr std::array<StatementFields, op_count> statement_field_table = [] {
  std::array<StatementFields, op_count> table{};
  for (std::size_t op = 0; op < op_count; ++op) table[op] = make_statement_fields(static_cast<Op>(op));
  return table;
}();

/// The fields of `op` (a table lookup: the loaders ask per statement).
constexpr const StatementFields& statement_fields(Op op) { return statement_field_table[static_cast<std::size_t>(op)]; }

constexpr std::string_view key_of(Field f) {
  switch (f) {
    case Field::msg: return "msg";
    case Field::delay: return "delay";
    case Field::name: return "name";
    case Field::body: return "body";
    case Field::target: return "target";
    case Field::targets: return "targets";
    case Field::value: return "value";
    case Field::label: return "label";
    case Field::then: return "then";
    case Field::offset: return "offset";
    case Field::timeout: return "timeout";
    case Field::return_when: return "return_when";
    case Field::return_exceptions: return "return_exceptions";
    case Field::catch_: return "catch";
    case Field::handler: return "handler";
    case Field::reraise: return "reraise";
    case Field::maxsize: return "maxsize";
    case Field::count: break;
  }
  return "";
}

}  // namespace asim::props::detail
