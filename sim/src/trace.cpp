// SPDX-License-Identifier: MIT
// Trace exports (text and Chrome Trace Event JSON) and time formatting.
#include <asim/errors.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/trace.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace asim::sim {

namespace {

// "<int>.<frac>" from an integer count of `unit`ths, without floating point.
std::string fixed(std::int64_t value, std::int64_t unit, int digits) {
  std::string out;
  std::uint64_t magnitude = 0;
  if (value < 0) {
    out += '-';
    magnitude = static_cast<std::uint64_t>(-(value + 1)) + 1;
  } else {
    magnitude = static_cast<std::uint64_t>(value);
  }
  const auto divisor = static_cast<std::uint64_t>(unit);
  out += std::to_string(magnitude / divisor);
  std::string frac = std::to_string(magnitude % divisor);
  out += '.';
  out.append(static_cast<std::size_t>(digits) - frac.size(), '0');
  out += frac;
  return out;
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
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buffer;
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
  }
  return "unknown";
}

void Trace::name_task(std::uint32_t id, std::string name) {
  if (id == 0) return;
  if (task_names_.size() < id) task_names_.resize(id);
  task_names_[id - 1] = std::move(name);
}

const std::string& Trace::task_name(std::uint32_t id) const {
  static const std::string none;
  if (id == 0 || id > task_names_.size()) return none;
  return task_names_[id - 1];
}

std::string Trace::text() const {
  std::string out = "# asim trace, seed " + std::to_string(seed_) + "\n";
  for (const TraceEvent& event : events_) {
    out += format_time(event.time_ns);
    out += " #";
    out += std::to_string(event.step);
    out += ' ';
    out += trace_event_name(event.kind);
    if (event.task != 0) {
      out += " task#" + std::to_string(event.task) + " '" + task_name(event.task) + "'";
    }
    if (event.timer != 0) {
      out += " timer#" + std::to_string(event.timer) + " when=" + format_time(event.when_ns);
    }
    if (!event.detail.empty()) {
      out += ' ';
      out += event.detail;
    }
    out += '\n';
  }
  return out;
}

std::string Trace::chrome_json() const {
  std::string out = "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"seed\":" + std::to_string(seed_) +
                    "},\"traceEvents\":[\n";
  bool first = true;
  auto begin = [&]() {
    if (!first) out += ",\n";
    first = false;
  };
  auto metadata = [&](std::uint32_t tid, const char* what, const std::string& key, const std::string& value,
                      bool quoted) {
    begin();
    out += "{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"name\":\"" + what + "\",\"args\":{\"" +
           key + "\":";
    if (quoted) {
      append_json_string(out, value);
    } else {
      out += value;
    }
    out += "}}";
  };
  metadata(0, "process_name", "name", "asim SimLoop seed " + std::to_string(seed_), true);
  metadata(0, "thread_name", "name", "loop", true);
  metadata(0, "thread_sort_index", "sort_index", "0", false);
  for (std::uint32_t id = 1; id <= task_names_.size(); ++id) {
    metadata(id, "thread_name", "name", "task#" + std::to_string(id) + " " + task_names_[id - 1], true);
    metadata(id, "thread_sort_index", "sort_index", std::to_string(id), false);
  }

  // Open waits per task: the virtual time it suspended and what it awaited.
  std::vector<std::int64_t> wait_since(task_names_.size() + 1, -1);
  std::vector<std::string> wait_what(task_names_.size() + 1);
  auto slice = [&](std::uint32_t tid, const std::string& name, std::int64_t ts, std::int64_t dur,
                   std::uint64_t step) {
    begin();
    out += "{\"ph\":\"X\",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"ts\":" + micros(ts) +
           ",\"dur\":" + micros(dur) + ",\"name\":";
    append_json_string(out, name);
    out += ",\"args\":{\"step\":" + std::to_string(step) + "}}";
  };
  auto instant = [&](std::uint32_t tid, const std::string& name, const TraceEvent& event) {
    begin();
    out += "{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"ts\":" + micros(event.time_ns) +
           ",\"name\":";
    append_json_string(out, name);
    out += ",\"args\":{\"step\":" + std::to_string(event.step);
    if (event.timer != 0) out += ",\"when_us\":" + micros(event.when_ns);
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
                std::string(trace_event_name(event.kind)) + " #" + std::to_string(event.timer), event);
        break;
      case TraceEventKind::choice:
      case TraceEventKind::failure:
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
  if (!file) throw RuntimeError("cannot write trace file " + path);
  file << (json ? chrome_json() : text());
  if (!file) throw RuntimeError("cannot write trace file " + path);
}

}  // namespace asim::sim
