// SPDX-License-Identifier: MIT
// The scenario interpreter: runs a scenario on any asim loop and records its trace.
#pragma once

#include <asim/loop.hpp>
#include <asim/props/program.hpp>
#include <asim/props/scenario.hpp>
#include <asim/props/value.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

/// One trace line: `TIME WHO EVENT`.
struct TraceLine {
  /// Scenario seconds since the run began (loop time divided by the time scale).
  double time = 0.0;
  /// The current task's name, or "-" outside any task.
  std::string who;
  std::string event;
  friend bool operator==(const TraceLine&, const TraceLine&) = default;
};

/// `TIME WHO EVENT` with six decimals, or `- WHO EVENT` without times.
[[nodiscard]] std::string format_line(const TraceLine& line, bool print_times = true);
/// Every line followed by a newline.
[[nodiscard]] std::string format_trace(const std::vector<TraceLine>& lines, bool print_times = true);

/// Where trace lines go as they happen, instead of Interpreter::trace() (for example
/// a BufferedTrace writing large blocks to stdout). The views live for the call only.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void line(double time, std::string_view who, std::string_view event) = 0;
};

struct InterpreterOptions {
  /// Loop seconds per scenario second: delays are multiplied by it on the way in and
  /// measured times divided by it on the way out (the real loop runs faster than the
  /// scenario says). 1 on virtual clocks.
  double time_scale = 1.0;
  /// Recognises the exception the loop raises when it would wait forever with nothing
  /// to wake it (SimLoop's DeadlockError); nullptr when the loop has none.
  bool (*is_deadlock)(const std::exception_ptr& error) = nullptr;
  /// For loops set to stop on a deadlock instead of raising (SimLoop's
  /// set_stop_on_deadlock): tells, once the loop stopped with the awaited future
  /// pending, whether a deadlock stopped it. nullptr when the loop raises.
  bool (*stopped_by_deadlock)(const EventLoop& loop) = nullptr;
  /// For loops that would block forever instead (RealLoop): every this many loop
  /// seconds a probe timer checks whether anything can still happen, and stops the run
  /// as a deadlock when nothing can. 0: no probe.
  double deadlock_probe_interval = 0.0;
  /// Receives each line as it is made; trace() stays empty. nullptr: trace() keeps them.
  TraceSink* sink = nullptr;
};

/// Runs a scenario as SPEC.md says: task `main`, done-loggers, the callback-error
/// handler, the end-of-run cancel of pending tasks, `TIME - deadlock`.
///
/// Ground rules:
/// - Each statement maps to the asim call its Python counterpart makes (wait ->
///   asim::wait, gather -> asim::gather_any, ...), so a trace difference is a
///   difference of asim, not of the interpreter.
/// - Every task, future, gather and shield is a Future<Value> (a gather's value is a
///   Value list), so each statement accepts every kind of future CPython accepts.
/// - Tasks are Task<Value> over coroutines that take the interpreter state as a
///   parameter; awaiting a block is awaiting a Coro, which does not yield to the loop,
///   as Python's `await self.block()` does not.
/// - It runs a Program: every name bound to a slot at load time, so running does no
///   string lookup (names are only read to print them).
/// - Destroy the loop before the interpreter: the loop's teardown destroys task frames
///   that refer to the interpreter's locks and queues.
class Interpreter {
 public:
  /// Compiles `scenario` (ScenarioFormatError beyond the language's limits).
  explicit Interpreter(const Scenario& scenario, InterpreterOptions options = {});
  /// Runs `program`, which must outlive the interpreter.
  explicit Interpreter(const Program& program, InterpreterOptions options = {});
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;
  ~Interpreter();

  /// Runs the scenario on `loop` (fresh, not running; once per interpreter). Errors of
  /// the loop itself other than a deadlock (a simulator's step limit, an invariant
  /// violation) propagate.
  void run(EventLoop& loop);

  [[nodiscard]] const std::vector<TraceLine>& trace() const noexcept;
  /// Moves the lines out (trace() is empty afterwards).
  [[nodiscard]] std::vector<TraceLine> take_trace() noexcept;
  /// True when the run ended with `TIME - deadlock`.
  [[nodiscard]] bool deadlocked() const noexcept;

  struct State;

 private:
  std::unique_ptr<Program> owned_;  // the compiled scenario of the first constructor
  std::unique_ptr<State> state_;
};

}  // namespace asim::props
