// SPDX-License-Identifier: MIT
// The seed sweep: seed plan from options and environment, runs, failure report.
#include <asim/sim/sweep.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace asim::sim {

namespace {

SweepReporter installed_reporter;

std::uint64_t parse_number(std::string_view text, const char* variable) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) {
    throw ValueError(std::string(variable) + " must be an unsigned integer, got '" + std::string(text) + "'");
  }
  return value;
}

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// This process's command line, for the replay line: argv[0] alone when the test
// framework supplies the arguments that select the test, else every argument.
std::string command_line(bool program_only) {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string command;
  std::string arg;
  while (cmdline && std::getline(cmdline, arg, '\0')) {
    if (!command.empty()) command += ' ';
    const bool plain = !arg.empty() && arg.find_first_of(" \t'\"$\\;&|<>()*?") == std::string::npos;
    command += plain ? arg : "'" + arg + "'";
    if (program_only) break;
  }
  return command.empty() ? std::string("<program>") : command;
}

// The failure of the exception in flight, named by its class.
std::string describe_current() {
  try {
    throw;
  } catch (const DeadlockError& e) {
    return std::string("DeadlockError: ") + e.what();
  } catch (const StepLimitError& e) {
    return std::string("StepLimitError: ") + e.what();
  } catch (const TimeLimitError& e) {
    return std::string("TimeLimitError: ") + e.what();
  } catch (const InvariantViolation& e) {
    return std::string("InvariantViolation: ") + e.what();
  } catch (...) {
    return describe_exception(std::current_exception());
  }
}

// Tasks still pending when the body returns are destroyed with the loop; a sweep of
// thousands of seeds reports that once per task otherwise.
void quiet_teardown(EventLoop& loop, const ExceptionContext& context) {
  if (context.message == "Task was destroyed but it is pending!") return;
  loop.default_exception_handler(context);
}

// Runs one seed; returns "" when it passed, else the failure.
std::string run_one(std::uint64_t seed, const SimOptions& sim_options, void* body, detail::RunBody run) {
  try {
    SimLoop loop(seed, sim_options);
    loop.set_exception_handler(quiet_teardown);
    run(body, loop);
  } catch (...) {
    return describe_current();
  }
  return {};
}

}  // namespace

bool install_sweep_reporter(SweepReporter reporter) noexcept {
  installed_reporter = reporter;
  return true;
}

SweepReporter sweep_reporter() noexcept { return installed_reporter; }

std::string SweepResult::message() const {
  if (passed) return fmt::format("asim sweep passed: {} seeds of [{}, {})", seeds_run, first, end);
  std::string text = fmt::format("asim sweep failed at seed {} (after {} seeds of [{}, {})", failing_seed, seeds_run,
                                 first, end);
  auto out = std::back_inserter(text);
  if (total_shards > 1) fmt::format_to(out, ", shard {}/{}", shard_index, total_shards);
  fmt::format_to(out, ")\n{}\n{}", failure, replay);
  if (!trace_path.empty()) fmt::format_to(out, "\ntrace written to {}", trace_path);
  return text;
}

namespace detail {

SweepResult run_sweep(const SweepOptions& options, void* body, RunBody run) {
  SweepResult result;
  result.first = options.first_seed;
  result.end = options.first_seed + options.seeds;
  const char* trace_path = nullptr;
  if (options.use_environment) {
    if (const char* seed = env("ASIM_SEED")) {
      result.first = parse_number(seed, "ASIM_SEED");
      result.end = result.first + 1;
    } else if (const char* range = env("ASIM_SEEDS")) {
      const std::string_view text(range);
      const std::size_t colon = text.find(':');
      if (colon == std::string_view::npos) throw ValueError("ASIM_SEEDS must be A:B, got '" + std::string(text) + "'");
      result.first = parse_number(text.substr(0, colon), "ASIM_SEEDS");
      result.end = parse_number(text.substr(colon + 1), "ASIM_SEEDS");
      if (result.end < result.first) throw ValueError("ASIM_SEEDS A:B needs A <= B, got '" + std::string(text) + "'");
    }
    // One seed named explicitly is a replay: it runs whatever the shard.
    if (env("ASIM_SEED") == nullptr) {
      const char* total = env("GTEST_TOTAL_SHARDS");
      const char* index = env("GTEST_SHARD_INDEX");
      if (total == nullptr) {  // <asim/sim/gtest.hpp> moves gtest's own variables here
        total = env("ASIM_TOTAL_SHARDS");
        index = env("ASIM_SHARD_INDEX");
      }
      if (total != nullptr) {
        result.total_shards = parse_number(total, "GTEST_TOTAL_SHARDS");
        result.shard_index = index != nullptr ? parse_number(index, "GTEST_SHARD_INDEX") : 0;
        if (result.total_shards == 0 || result.shard_index >= result.total_shards) {
          throw ValueError("GTEST_SHARD_INDEX must be below GTEST_TOTAL_SHARDS");
        }
      }
    }
    trace_path = env("ASIM_TRACE");
  }

  SimOptions sim_options = options.sim;
  sim_options.trace = false;
  for (std::uint64_t seed = result.first + result.shard_index; seed < result.end; seed += result.total_shards) {
    ++result.seeds_run;
    std::string failure = run_one(seed, sim_options, body, run);
    if (failure.empty()) continue;
    result.passed = false;
    result.failing_seed = seed;
    result.failure = std::move(failure);
    SweepReporter reporter = sweep_reporter();
    const std::string arguments = reporter.replay_arguments != nullptr ? reporter.replay_arguments() : std::string();
    const std::string command = command_line(reporter.replay_arguments != nullptr) + arguments;
    result.replay = "replay: ASIM_SEED=" + std::to_string(seed) + " " + command + "\ntrace:  ASIM_SEED=" +
                    std::to_string(seed) + " ASIM_TRACE=asim-seed-" + std::to_string(seed) + ".json " + command;
    if (trace_path != nullptr) {
      // Runs are deterministic: the same seed again, recording, gives the failing run.
      SimOptions traced = options.sim;
      traced.trace = true;
      try {
        SimLoop loop(seed, traced);
        loop.set_exception_handler(quiet_teardown);
        try {
          run(body, loop);
        } catch (...) {
        }
        loop.trace().write(trace_path);
        result.trace_path = trace_path;
      } catch (const std::exception& error) {
        result.trace_path = std::string("(not written: ") + error.what() + ")";
      }
    }
    if (!options.quiet) std::fprintf(stderr, "%s\n", result.message().c_str());
    break;
  }
  return result;
}

}  // namespace detail

}  // namespace asim::sim
