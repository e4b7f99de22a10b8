// SPDX-License-Identifier: MIT
// The `asim` command-line tool: run, gen, check and demo.
#include "commands.hpp"

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

void write_trace_json(const std::string& path, const props::RunResult& result, const std::string& loop,
                      std::uint64_t seed, bool times) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["loop"] = loop;
  j["seed"] = seed;
  j["deadlock"] = result.deadlock;
  if (result.loop_error) j["loop_error"] = *result.loop_error;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const props::TraceLine& line : result.lines) {
    nlohmann::ordered_json e;
    e["time"] = times ? nlohmann::ordered_json(line.time) : nlohmann::ordered_json(nullptr);
    e["who"] = line.who;
    e["event"] = line.event;
    e["text"] = props::format_line(line, times);
    events.push_back(std::move(e));
  }
  j["events"] = std::move(events);
  std::ofstream out(path);
  if (!out) throw UsageError{"cannot write " + path};
  out << j.dump(1) << "\n";
}

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
  props::Scenario scenario;
  try {
    scenario = props::load_scenario(*file);
  } catch (const props::ScenarioFormatError& e) {
    std::cerr << "asim: " << (*file == "-" ? "<stdin>" : *file) << ": " << e.what() << "\n";
    return 2;
  }
  const props::RunResult result = props::run_scenario(scenario, options);
  std::cout << props::format_trace(result.lines, times);
  std::cout.flush();
  if (trace_json) {
    write_trace_json(*trace_json, result, std::string(props::loop_kind_name(options.loop)), options.seed, times);
  }
  if (result.loop_error) {
    std::cerr << "asim: the loop stopped: " << *result.loop_error << "\n";
    return 1;
  }
  return 0;
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
