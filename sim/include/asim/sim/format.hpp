// SPDX-License-Identifier: MIT
// fmt formatters for the simulated loop's trace events and sweep results. Opt-in
// glue like <asim/format.hpp>: include it and link fmt (`fmt::fmt`).
#pragma once

#include <asim/sim/errors.hpp>
#include <asim/sim/sweep.hpp>
#include <asim/sim/trace.hpp>

#include <fmt/format.h>

#include <string_view>

namespace asim::sim {

/// An event together with its trace, so that its task is printed with its name:
/// `fmt::format("{}", EventInTrace{trace, event})` is the event's line of trace.text().
struct EventInTrace {
  const Trace& trace;
  const TraceEvent& event;
};

namespace detail {

/// `<time s> #<step> <kind> [task#N ['name']] [timer#K when=<s>] [detail]`: one line of
/// Trace::text(), without the newline. With `trace`, tasks carry their names.
template <class Out>
Out format_trace_event(Out out, const TraceEvent& event, const Trace* trace) {
  out = fmt::format_to(out, "{} #{} {}", format_time(event.time_ns), event.step, trace_event_name(event.kind));
  if (event.task != 0) {
    out = fmt::format_to(out, " task#{}", event.task);
    if (trace != nullptr) out = fmt::format_to(out, " '{}'", trace->task_name(event.task));
  }
  if (event.timer != 0) out = fmt::format_to(out, " timer#{} when={}", event.timer, format_time(event.when_ns));
  if (!event.detail.empty()) out = fmt::format_to(out, " {}", event.detail);
  return out;
}

}  // namespace detail

}  // namespace asim::sim

/// `task_step_end`, `timer_fired`, ... (the text export's names).
template <>
struct fmt::formatter<asim::sim::TraceEventKind> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(asim::sim::TraceEventKind kind, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(asim::sim::trace_event_name(kind), ctx);
  }
};

/// One event as a line of the text export, tasks by number:
/// `0.500000000 #3 timer_fired task#1 timer#2 when=0.500000000`.
template <>
struct fmt::formatter<asim::sim::TraceEvent> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Context>
  auto format(const asim::sim::TraceEvent& event, Context& ctx) const {
    return asim::sim::detail::format_trace_event(ctx.out(), event, nullptr);
  }
};

/// One event as a line of the text export, tasks with their names.
template <>
struct fmt::formatter<asim::sim::EventInTrace> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Context>
  auto format(const asim::sim::EventInTrace& line, Context& ctx) const {
    return asim::sim::detail::format_trace_event(ctx.out(), line.event, &line.trace);
  }
};

/// The sweep's report (SweepResult::message()): "asim sweep passed: ..." or the
/// failing seed, its failure and its replay line.
template <>
struct fmt::formatter<asim::sim::SweepResult> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const asim::sim::SweepResult& result, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(result.message(), ctx);
  }
};
