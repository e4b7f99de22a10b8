// SPDX-License-Identifier: MIT
// The scenario fuzz target: arbitrary bytes go to the scenario loader, and what loads
// runs on the simulated loop under step and virtual-time limits.
//
// The bytes take the path of `asim run`: compile_scenario (one SAX pass that also makes
// parse_scenario's message for a fault), then the Interpreter on the Program.
//
// Built with -fsanitize=fuzzer it is a libFuzzer target; built without, the corpus
// replay test (corpus_replay_test.cpp) calls LLVMFuzzerTestOneInput on every file of
// the corpus. A finding is anything but a clean return: a crash, a sanitizer report,
// a hang (libFuzzer's -timeout), or an exception other than the ones a bad or
// runaway scenario may give (ScenarioFormatError, the simulator's LimitError, the
// runtime's "Cancel cycle" RuntimeError), which escapes and terminates.
#include <asim/props/interpreter.hpp>
#include <asim/props/program.hpp>
#include <asim/props/scenario.hpp>
#include <asim/errors.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/sim_loop.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

// Small enough that a runaway scenario ends in milliseconds, large enough for every
// shared example to finish.
constexpr std::uint64_t max_steps = 20000;
constexpr double max_virtual_time = 1000.0;
// Inputs above this size only slow the fuzzer down without reaching new code.
constexpr std::size_t max_input_size = 64 * 1024;

bool is_sim_deadlock(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const asim::sim::DeadlockError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// FNV-1a of the input: the seed differs between inputs but is the same on a replay.
std::uint64_t seed_of(const std::uint8_t* data, std::size_t size) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ULL;
  return hash;
}

#ifdef ASIM_FUZZ_COMPARE_LOADERS
/// Differential mode (-DASIM_FUZZ_COMPARE_LOADERS, a separate build: it halves the
/// rate): compile_scenario must end as parse_scenario does, the same message or both
/// loading. Any difference aborts, which libFuzzer reports as a crash.
void compare_loaders(std::string_view text) {
  const auto outcome = [](auto load) -> std::string {
    try {
      (void)load();
    } catch (const asim::props::ScenarioFormatError& e) {
      return e.what();
    }
    return "ok";
  };
  const std::string pass = outcome([&] { return asim::props::compile_scenario(text); });
  const std::string tree = outcome([&] { return asim::props::parse_scenario(text); });
  if (pass != tree) {
    std::fprintf(stderr, "compile_scenario: %s\nparse_scenario:   %s\n", pass.c_str(), tree.c_str());
    std::abort();
  }
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > max_input_size) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#ifdef ASIM_FUZZ_COMPARE_LOADERS
  compare_loaders(text);
#endif
  asim::props::Program program;
  try {
    program = asim::props::compile_scenario(text);
  } catch (const asim::props::ScenarioFormatError&) {
    return 0;  // rejected with a message naming the place: the expected outcome
  }
  asim::props::InterpreterOptions interpreter_options;
  interpreter_options.is_deadlock = &is_sim_deadlock;
  asim::sim::SimOptions sim_options;
  sim_options.max_steps = max_steps;
  sim_options.max_virtual_time = max_virtual_time;
  // The interpreter must outlive the loop: the loop's teardown destroys task frames
  // that refer to the interpreter's locks and queues.
  asim::props::Interpreter interpreter(program, interpreter_options);
  {
    asim::sim::SimLoop loop(seed_of(data, size), sim_options);
    try {
      interpreter.run(loop);
    } catch (const asim::sim::LimitError&) {
      // A runaway scenario (an endless loop of callbacks or timers) is not a finding.
    } catch (const asim::RuntimeError& e) {
      // A cancel cycle (a task awaiting a gather that contains it, cancelled, e.g. by the
      // end of the run) is reported as an error, as SCENARIO.md asks: CPython recurses
      // until RecursionError there (its runner exits 3). Any other RuntimeError is a finding.
      if (std::string_view(e.what()).rfind("Cancel cycle", 0) != 0) throw;
    }
  }
  return 0;
}
