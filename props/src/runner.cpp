// SPDX-License-Identifier: MIT
// run_scenario: builds the loop, runs the interpreter, tears down in the safe order.
#include <asim/props/runner.hpp>
#include <asim/props/virtual_loop.hpp>
#include <asim/real_loop.hpp>

#ifdef ASIM_PROPS_HAVE_SIM
#include <asim/sim/sim_loop.hpp>
#endif

#include <memory>
#include <type_traits>
#include <typeinfo>

namespace asim::props {

namespace {

bool is_virtual_deadlock(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const VirtualDeadlock&) {
    return true;
  } catch (...) {
    return false;
  }
}

#ifdef ASIM_PROPS_HAVE_SIM
bool is_sim_deadlock(const std::exception_ptr& error) {
#if defined(__GLIBCXX__) && defined(__cpp_rtti)
  // The exact class without a rethrow (a run that deadlocks ends here).
  if (const std::type_info* type = error ? error.__cxa_exception_type() : nullptr) {
    if (*type == typeid(sim::DeadlockError)) return true;
  }
#endif
  try {
    std::rethrow_exception(error);
  } catch (const sim::DeadlockError&) {
    return true;
  } catch (...) {
    return false;
  }
}
bool stopped_by_sim_deadlock(const EventLoop& loop) { return static_cast<const sim::SimLoop&>(loop).deadlocked(); }
#endif

/// Runs with the interpreter outliving the loop (see Interpreter).
template <class Loop, class... Args>
RunResult run_on(const Program& program, InterpreterOptions options, Args&&... args) {
  Interpreter interpreter(program, options);
  RunResult result;
  bool tie = false;
  {
    Loop loop(std::forward<Args>(args)...);
#ifdef ASIM_PROPS_HAVE_SIM
    if constexpr (std::is_same_v<Loop, sim::SimLoop>) loop.set_stop_on_deadlock(options.stopped_by_deadlock != nullptr);
#endif
    try {
      interpreter.run(loop);
    } catch (const std::exception& e) {
      result.loop_error = e.what();
#ifdef ASIM_PROPS_HAVE_SIM
      result.step_limit = dynamic_cast<const sim::StepLimitError*>(&e) != nullptr;
#endif
    } catch (...) {
      result.loop_error = "unknown error";
    }
    if constexpr (std::is_same_v<Loop, VirtualLoop>) tie = loop.saw_tie();
#ifdef ASIM_PROPS_HAVE_SIM
    if constexpr (std::is_same_v<Loop, sim::SimLoop>) {
      if (!loop.trace().events().empty()) result.chrome_trace = loop.trace().chrome_json();
    }
#endif
  }
  result.lines = interpreter.take_trace();
  if constexpr (std::is_same_v<Loop, VirtualLoop>) result.tie = tie;
  result.deadlock = interpreter.deadlocked();
  return result;
}

}  // namespace

std::string_view loop_kind_name(LoopKind kind) noexcept {
  switch (kind) {
    case LoopKind::sim: return "sim";
    case LoopKind::real: return "real";
    case LoopKind::virtual_clock: return "virtual";
  }
  return "sim";
}

std::optional<LoopKind> loop_kind_from_name(std::string_view name) noexcept {
  if (name == "sim") return LoopKind::sim;
  if (name == "real") return LoopKind::real;
  if (name == "virtual") return LoopKind::virtual_clock;
  return std::nullopt;
}

bool have_sim_loop() noexcept {
#ifdef ASIM_PROPS_HAVE_SIM
  return true;
#else
  return false;
#endif
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  return run_program(compile(scenario), options);
}

RunResult run_program(const Program& scenario, const RunOptions& options, TraceSink* sink) {
  InterpreterOptions interpreter_options;
  interpreter_options.sink = sink;
  switch (options.loop) {
    case LoopKind::real:
      interpreter_options.time_scale = options.time_scale;
      // A probe every 20 scenario-milliseconds keeps deadlock detection prompt.
      interpreter_options.deadlock_probe_interval = 0.02 * options.time_scale;
      return run_on<RealLoop>(scenario, interpreter_options);
    case LoopKind::sim: {
#ifdef ASIM_PROPS_HAVE_SIM
      interpreter_options.is_deadlock = &is_sim_deadlock;
      // A deadlock stops the loop instead of raising: the interpreter needs no report.
      interpreter_options.stopped_by_deadlock = &stopped_by_sim_deadlock;
      sim::SimOptions sim_options = options.sim_choices ? sim::SimOptions{} : sim::SimOptions::cpython();
      sim_options.max_steps = options.max_steps;
      sim_options.trace = options.record_chrome_trace;
      return run_on<sim::SimLoop>(scenario, interpreter_options, options.seed, sim_options);
#else
      break;
#endif
    }
    case LoopKind::virtual_clock: break;
  }
  interpreter_options.is_deadlock = &is_virtual_deadlock;
  return run_on<VirtualLoop>(scenario, interpreter_options);
}

}  // namespace asim::props
