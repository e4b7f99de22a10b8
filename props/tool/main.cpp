// SPDX-License-Identifier: MIT
// The `asim` command-line tool: run, gen, check and demo.
#include "commands.hpp"
#include "run_file.hpp"

#include <asim/props/generators.hpp>
#include <asim/props/runner.hpp>
#include <asim/props/scenario.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace asim::tool {

std::string program_path = "asim";

namespace {

constexpr const char* usage = R"(usage:
  asim run FILE|- [--loop sim|real|virtual] [--seed N] [--sim-choices] [--time-scale S]
                  [--no-times] [--trace-json OUT]
      Runs a scenario and prints its trace. Exit 2 on a malformed file.
  asim gen --seed N [--size K] [--coarse]
      Prints a generated scenario.
  asim check [--seeds A:B] [--loop sim|real] [--oracle PYTHON_RUNNER] [--shard I/N]
             [--jobs J] [--size K] [--property NAME]... [--scenario FILE] [--out DIR]
      Checks the properties over generated scenarios (or one FILE).
  asim demo [--seeds A:B] [--seed N] [--fixed] [--trace OUT]
      Finds a schedule-dependent bug in a shipped example (examples/stale_cache),
      shrinks its schedule, explains it and prints its replay line. Exit 1 on a failure.
)";

}  // namespace

std::uint64_t parse_u64(const std::string& text, const std::string& what) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || text[0] == '-') {
    throw UsageError{what + ": expected a non-negative integer, got '" + text + "'"};
  }
  return v;
}

double parse_double(const std::string& text, const std::string& what) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v <= 0) {
    throw UsageError{what + ": expected a positive number, got '" + text + "'"};
  }
  return v;
}

int run_command(Args args) {
  std::optional<std::string> file;
  props::RunOptions options;
  bool times = true;
  std::optional<std::string> trace_json;
  while (!args.empty()) {
    const std::string arg = args.next();
    if (arg == "--loop") {
      const std::string name = args.value(arg);
      auto kind = props::loop_kind_from_name(name);
      if (!kind) throw UsageError{"--loop: expected sim, real or virtual, got '" + name + "'"};
      options.loop = *kind;
    } else if (arg == "--seed") {
      options.seed = parse_u64(args.value(arg), arg);
    } else if (arg == "--sim-choices") {
      options.sim_choices = true;
    } else if (arg == "--time-scale") {
      options.time_scale = parse_double(args.value(arg), arg);
    } else if (arg == "--no-times") {
      times = false;
    } else if (arg == "--trace-json") {
      trace_json = args.value(arg);
    } else if (!file && (arg == "-" || arg.rfind("--", 0) != 0)) {
      file = arg;
    } else {
      throw UsageError{"run: unknown argument '" + arg + "'"};
    }
  }
  if (!file) throw UsageError{"run: which scenario? (a FILE, or - for stdin)"};
  return run_file(*file, options, times, trace_json);
}

int gen_command(Args args) {
  std::optional<std::uint64_t> seed;
  props::GenOptions options;
  while (!args.empty()) {
    const std::string arg = args.next();
    if (arg == "--seed") {
      seed = parse_u64(args.value(arg), arg);
    } else if (arg == "--size") {
      options.size = static_cast<int>(parse_u64(args.value(arg), arg));
    } else if (arg == "--coarse") {
      options.coarse = true;
    } else {
      throw UsageError{"gen: unknown argument '" + arg + "'"};
    }
  }
  if (!seed) throw UsageError{"gen: --seed N is required"};
  std::cout << props::to_json(props::generate(*seed, options));
  return 0;
}

}  // namespace asim::tool

int main(int argc, char** argv) {
  using namespace asim::tool;
  if (argc > 0) program_path = argv[0];
  std::vector<std::string> rest(argv + (argc > 1 ? 2 : argc), argv + argc);
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "run") return run_command(rest);
    if (command == "gen") return gen_command(rest);
    if (command == "check") return check_command(rest);
    if (command == "demo") return demo_command(rest);
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << usage;
      return 0;
    }
    throw UsageError{command.empty() ? "which command?" : "unknown command '" + command + "'"};
  } catch (const UsageError& e) {
    std::cerr << "asim: " << e.message << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "asim: " << e.what() << "\n";
    return 1;
  }
}
