// SPDX-License-Identifier: MIT
// Trace: the simulated loop's record of events, exported as text or Chrome trace JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asim::sim {

/// The kinds of event the simulated loop records.
enum class TraceEventKind : std::uint8_t {
  task_created,
  callback,         // a ready callback runs (timer: `timer` is its id)
  task_step_start,  // `detail`: nothing
  task_step_end,    // `detail`: what the task awaits now, or "done"
  timer_armed,      // `timer`, `when_ns`
  timer_fired,      // `timer`, `when_ns`
  timer_cancelled,  // `timer`, `when_ns`
  future_done,      // `detail`: "Future finished" / "Task 'x' cancelled" ...
  cancel_requested,
  cancel_delivered,
  choice,   // a choice answered other than CPython's: `detail` names it and the answer
  failure,  // the run's failure (the last event of a failing run): `detail`
  network,  // the simulated network: a segment sent, delivered, held; a partition, crash: `detail`
};

/// The name used in the text export ("task_step_start", ...).
[[nodiscard]] std::string_view trace_event_name(TraceEventKind kind) noexcept;

/// One recorded event. Ids are stable: tasks and timers are numbered in creation
/// order from 1 (0: none), so a trace never contains an address.
struct TraceEvent {
  std::int64_t time_ns = 0;
  std::uint64_t step = 0;  // the callback being run (0 before the first)
  TraceEventKind kind = TraceEventKind::callback;
  std::uint32_t task = 0;   // the task concerned, or the running task for timers
  std::uint64_t timer = 0;  // the timer concerned
  std::int64_t when_ns = 0;
  std::string detail;
};

/// The events of one run, in order. Same seed and program: byte-identical exports.
class Trace {
 public:
  /// Tells the exports which seed produced the trace (a header line / the process name).
  void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  void add(TraceEvent event) { events_.push_back(std::move(event)); }
  /// Registers task `id` (ids count from 1 without gaps) or renames it.
  void name_task(std::uint32_t id, std::string name);

  [[nodiscard]] const std::vector<TraceEvent>& events() const noexcept { return events_; }
  /// The name of task `id` as last seen.
  [[nodiscard]] const std::string& task_name(std::uint32_t id) const;
  [[nodiscard]] std::size_t task_count() const noexcept { return task_names_.size(); }
  /// Puts task `id` in a process of the Chrome export (a simulated host's name; tasks
  /// without one stay in the loop's process).
  void set_task_process(std::uint32_t id, std::string process);
  void clear() noexcept {
    events_.clear();
    task_names_.clear();
    task_processes_.clear();
  }

  /// One line per event: `<time s> #<step> <kind> [task#N 'name'] [timer#K when=<s>] [detail]`.
  [[nodiscard]] std::string text() const;
  /// Chrome Trace Event JSON (opens in Perfetto and chrome://tracing): one track
  /// (tid) per task, named after it, plus a "loop" track for timers; `ts` is virtual
  /// time in microseconds. A task's steps are zero-length "step" slices and its waits
  /// are "await <what>" slices spanning the virtual time it was suspended. Tasks of a
  /// simulated host are in one process per host (pid 2, 3, ... in order of appearance).
  [[nodiscard]] std::string chrome_json() const;
  /// Writes chrome_json() if `path` ends in ".json", else text(). Throws
  /// RuntimeError when the file cannot be written.
  void write(const std::string& path) const;

 private:
  std::vector<TraceEvent> events_;
  std::vector<std::string> task_names_;  // index id - 1
  std::vector<std::string> task_processes_;  // index id - 1; "" = the loop's process
  std::uint64_t seed_ = 0;
};

}  // namespace asim::sim
