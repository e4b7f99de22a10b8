// SPDX-License-Identifier: MIT
// Trace exports (text and Chrome Trace Event JSON) and time formatting.
#include <asim/errors.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/format.hpp>
#include <asim/sim/trace.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

namespace asim::sim {

namespace {

// "<int>.<frac>" from an integer count of `unit`ths, without floating point.
std::string fixed(std::int64_t value, std::int64_t unit, int digits) {
  // The magnitude of INT64_MIN does not fit an int64_t: negate in unsigned arithmetic.
  const std::uint64_t magnitude =
      value < 0 ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  const auto divisor = static_cast<std::uint64_t>(unit);
  return fmt::format("{}{}.{:0{}}", value < 0 ? "-" : "", magnitude / divisor, magnitude % divisor, digits);
}

// Virtual nanoseconds as Chrome's microseconds with nanosecond precision.
std::string micros(std::int64_t ns) { return fixed(ns, 1000, 3); }

void append_json_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string format_time(std::int64_t ns) { return fixed(ns, 1000000000, 9); }

std::string_view trace_event_name(TraceEventKind kind) noexcept {
  switch (kind) {
    case TraceEventKind::task_created:
      return "task_created";
    case TraceEventKind::callback:
      return "callback";
    case TraceEventKind::task_step_start:
      return "task_step_start";
    case TraceEventKind::task_step_end:
      return "task_step_end";
    case TraceEventKind::timer_armed:
      return "timer_armed";
    case TraceEventKind::timer_fired:
      return "timer_fired";
    case TraceEventKind::timer_cancelled:
      return "timer_cancelled";
    case TraceEventKind::future_done:
      return "future_done";
    case TraceEventKind::cancel_requested:
      return "cancel_requested";
    case TraceEventKind::cancel_delivered:
      return "cancel_delivered";
    case TraceEventKind::choice:
      return "choice";
    case TraceEventKind::failure:
      return "failure";
    case TraceEventKind::network:
      return "network";
  }
  return "unknown";
}

void Trace::name_task(std::uint32_t id, std::string name) {
  if (id == 0) return;
  if (task_names_.size() < id) task_names_.resize(id);
  task_names_[id - 1] = std::move(name);
}

void Trace::set_task_process(std::uint32_t id, std::string process) {
  if (id == 0) return;
  if (task_processes_.size() < id) task_processes_.resize(id);
  task_processes_[id - 1] = std::move(process);
}

const std::string& Trace::task_name(std::uint32_t id) const {
  static const std::string none;
  if (id == 0 || id > task_names_.size()) return none;
  return task_names_[id - 1];
}

std::string Trace::text() const {
  std::string out = fmt::format("# asim trace, seed {}\n", seed_);
  auto it = std::back_inserter(out);
  for (const TraceEvent& event : events_) it = fmt::format_to(it, "{}\n", EventInTrace{*this, event});
  return out;
}

std::string Trace::chrome_json() const {
  std::string out = fmt::format("{{\"displayTimeUnit\":\"ns\",\"otherData\":{{\"seed\":{}}},\"traceEvents\":[\n", seed_);
  auto it = std::back_inserter(out);
  bool first = true;
  auto begin = [&]() {
    if (!first) out += ",\n";
    first = false;
  };
  // Processes: 1 is the loop; each simulated host seen gets the next pid.
  std::vector<std::string> processes;
  std::vector<std::uint32_t> pids(task_names_.size() + 1, 1);
  for (std::uint32_t id = 1; id <= task_processes_.size(); ++id) {
    const std::string& process = task_processes_[id - 1];
    if (process.empty()) continue;
    auto found = std::find(processes.begin(), processes.end(), process);
    if (found == processes.end()) found = processes.insert(processes.end(), process);
    if (id < pids.size()) pids[id] = static_cast<std::uint32_t>(2 + (found - processes.begin()));
  }
  auto pid_of = [&](std::uint32_t tid) { return tid < pids.size() ? pids[tid] : 1U; };
  auto metadata = [&](std::uint32_t tid, const char* what, const std::string& key, const std::string& value,
                      bool quoted, std::uint32_t pid = 0) {
    begin();
    fmt::format_to(it, "{{\"ph\":\"M\",\"pid\":{},\"tid\":{},\"name\":\"{}\",\"args\":{{\"{}\":",
                   pid != 0 ? pid : pid_of(tid), tid, what, key);
    if (quoted) {
      append_json_string(out, value);
    } else {
      out += value;
    }
    out += "}}";
  };
  metadata(0, "process_name", "name", fmt::format("asim SimLoop seed {}", seed_), true);
  metadata(0, "thread_name", "name", "loop", true);
  metadata(0, "thread_sort_index", "sort_index", "0", false);
  for (std::size_t index = 0; index < processes.size(); ++index) {
    const auto pid = static_cast<std::uint32_t>(2 + index);
    metadata(0, "process_name", "name", "host " + processes[index], true, pid);
    metadata(0, "process_sort_index", "sort_index", fmt::format("{}", pid), false, pid);
  }
  for (std::uint32_t id = 1; id <= task_names_.size(); ++id) {
    metadata(id, "thread_name", "name", fmt::format("task#{} {}", id, task_names_[id - 1]), true);
    metadata(id, "thread_sort_index", "sort_index", fmt::format("{}", id), false);
  }

  // Open waits per task: the virtual time it suspended and what it awaited.
  std::vector<std::int64_t> wait_since(task_names_.size() + 1, -1);
  std::vector<std::string> wait_what(task_names_.size() + 1);
  auto slice = [&](std::uint32_t tid, const std::string& name, std::int64_t ts, std::int64_t dur,
                   std::uint64_t step) {
    begin();
    fmt::format_to(it, "{{\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{},\"dur\":{},\"name\":", pid_of(tid), tid,
                   micros(ts), micros(dur));
    append_json_string(out, name);
    fmt::format_to(it, ",\"args\":{{\"step\":{}}}}}", step);
  };
  auto instant = [&](std::uint32_t tid, const std::string& name, const TraceEvent& event) {
    begin();
    fmt::format_to(it, "{{\"ph\":\"i\",\"s\":\"t\",\"pid\":{},\"tid\":{},\"ts\":{},\"name\":", pid_of(tid),
                   tid, micros(event.time_ns));
    append_json_string(out, name);
    fmt::format_to(it, ",\"args\":{{\"step\":{}", event.step);
    if (event.timer != 0) fmt::format_to(it, ",\"when_us\":{}", micros(event.when_ns));
    out += "}}";
  };
  for (const TraceEvent& event : events_) {
    const std::uint32_t tid = event.task < wait_since.size() ? event.task : 0;
    switch (event.kind) {
      case TraceEventKind::task_step_start:
        if (tid != 0 && wait_since[tid] >= 0) {
          slice(tid, wait_what[tid], wait_since[tid], event.time_ns - wait_since[tid], event.step);
          wait_since[tid] = -1;
        }
        slice(tid, "step", event.time_ns, 0, event.step);
        break;
      case TraceEventKind::task_step_end:
        if (tid != 0 && event.detail != "done") {
          wait_since[tid] = event.time_ns;
          wait_what[tid] = event.detail == "yields" ? std::string("yield") : "await" + event.detail.substr(6);
        }
        break;
      case TraceEventKind::callback:
        break;  // task steps show on their task's track; other callbacks are noise there
      case TraceEventKind::timer_armed:
      case TraceEventKind::timer_fired:
      case TraceEventKind::timer_cancelled:
        instant(event.kind == TraceEventKind::timer_armed ? tid : 0,
                fmt::format("{} #{}", event.kind, event.timer), event);
        break;
      case TraceEventKind::choice:
      case TraceEventKind::failure:
      case TraceEventKind::network:
        instant(tid, std::string(trace_event_name(event.kind)) + ": " + event.detail, event);
        break;
      case TraceEventKind::future_done:
        instant(tid, event.detail, event);
        break;
      default:
        instant(tid, std::string(trace_event_name(event.kind)), event);
        break;
    }
  }
  out += "\n]}\n";
  return out;
}

void Trace::write(const std::string& path) const {
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw RuntimeError(fmt::format("cannot write trace file {}", path));
  file << (json ? chrome_json() : text());
  if (!file) throw RuntimeError(fmt::format("cannot write trace file {}", path));
}

}  // namespace asim::sim
