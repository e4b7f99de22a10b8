// SPDX-License-Identifier: MIT
// `asim run` (a scenario's trace on a loop of one's choice) and `asim gen` (a generated
// scenario), plus the helpers the commands share.
#include "commands.hpp"
#include "run_file.hpp"

#include <asim/props/generators.hpp>
#include <asim/props/runner.hpp>
#include <asim/props/scenario.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <system_error>

namespace asim::tool {

std::string program_path = "asim";

namespace {
/// Reads all of `text` as a std::uint64_t: std::errc{} for digits only that fit,
/// result_out_of_range for more, invalid_argument for anything else (a sign, a suffix).
std::errc read_unsigned(std::string_view text, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{}) return ec;
  return end == text.data() + text.size() ? std::errc{} : std::errc::invalid_argument;
}
}  // namespace

SeedRange parse_seed_range(const std::string& text, const std::string& option, bool nonempty) {
  const std::size_t colon = text.find(':');
  auto number = [](std::string_view part, std::uint64_t& out) { return read_unsigned(part, out) == std::errc{}; };
  SeedRange range;
  const std::string_view view(text);
  if (colon == std::string::npos || !number(view.substr(0, colon), range.first) ||
      !number(view.substr(colon + 1), range.end)) {
    throw UsageError{fmt::format("{}: expected A:B (two non-negative integers), got '{}'", option, text)};
  }
  if (range.end < range.first || (nonempty && range.end == range.first)) {
    throw UsageError{fmt::format("{}: A:B needs A {} B, got '{}'", option, nonempty ? "<" : "<=", text)};
  }
  return range;
}

namespace {

struct RunArgs {
  std::string file;
  std::string loop_name = "sim";
  std::optional<std::uint64_t> seed;
  bool sim_choices = false;
  double time_scale = 0.05;
  bool no_times = false;
  bool check_only = false;
  std::uint64_t max_steps = props::RunOptions{}.max_steps;
  std::string trace_asim_json;
  std::string trace_chrome;
  std::string old_trace_json;
};

int run(const RunArgs& args, const CLI::App& app) {
  if (app.count("--trace-json") > 0) {
    throw UsageError{"--trace-json was ambiguous and is gone: --trace-asim-json FILE writes asim's JSON of "
                     "the printed trace, --trace-chrome FILE writes Chrome Trace Event JSON (Perfetto)"};
  }
  if (args.check_only) return check_file(args.file);
  props::RunOptions options;
  options.loop = *props::loop_kind_from_name(args.loop_name);
  options.time_scale = args.time_scale;
  if (options.loop != props::LoopKind::sim) {
    if (args.seed || args.sim_choices) {
      throw UsageError{"--seed and --sim-choices steer the simulated loop's choices: they need --loop sim"};
    }
    if (!args.trace_chrome.empty()) throw UsageError{"--trace-chrome records the simulated loop: it needs --loop sim"};
    if (app.count("--max-steps") > 0) throw UsageError{"--max-steps limits the simulated loop: it needs --loop sim"};
  }
  options.max_steps = args.max_steps;
  // A seed only matters when the simulated loop makes choices: asking for one asks
  // for them (without, the run follows CPython's order and every seed is the same).
  options.sim_choices = args.sim_choices || args.seed.has_value();
  options.seed = args.seed.value_or(0);
  options.record_chrome_trace = !args.trace_chrome.empty();

  const auto named = [](const std::string& path) {
    return path.empty() ? std::optional<std::string>() : std::optional<std::string>(path);
  };
  return run_file(args.file, options, !args.no_times, named(args.trace_asim_json), named(args.trace_chrome));
}

}  // namespace

CLI::Validator output_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        const std::filesystem::path parent = std::filesystem::path(path).parent_path();
        if (parent.empty() || std::filesystem::is_directory(parent)) return {};
        return fmt::format("the directory of '{}' does not exist", path);
      },
      "FILE", "OutputFile");
}

CLI::Validator unsigned_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const std::errc error = read_unsigned(text, value);
        if (error == std::errc{}) return {};
        if (error == std::errc::result_out_of_range) return fmt::format("'{}' is more than 2^64 - 1", text);
        return fmt::format("expected a non-negative integer, got '{}'", text);
      },
      "UINT", "UnsignedInteger");
}

Command add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run_app = app.add_subcommand("run", "Runs a scenario (props/SCENARIO.md) and prints its trace.\n"
                                                "Exit 1 when the loop stopped on an error, 2 on a malformed file.");
  run_app->add_option("FILE", args->file, "the scenario, or - for stdin (examples: props/scenarios/examples/)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            if (path == "-") return {};
            // Any file but a directory: a pipe, a FIFO, /dev/stdin or a shell's <(...)
            // is read as stdin is.
            std::error_code error;
            const std::filesystem::file_status status = std::filesystem::status(path, error);
            if (status.type() == std::filesystem::file_type::directory) {
              return fmt::format("'{}' is a directory", path);
            }
            if (std::filesystem::exists(status)) return {};
            return fmt::format("no such file '{}'", path);
          },
          "FILE|-", "ScenarioFile"));
  run_app->add_option("--loop", args->loop_name, "sim: SimLoop; real: RealLoop; virtual: a clock that jumps")
      ->check(CLI::IsMember({"sim", "real", "virtual"}))
      ->capture_default_str();
  run_app
      ->add_option("--seed", args->seed,
                   "the simulated loop's seed; implies --sim-choices (without either the run keeps CPython's "
                   "order, the same for every seed)")
      ->check(unsigned_integer());
  run_app->add_flag("--sim-choices", args->sim_choices,
                    "let the simulated loop choose among timer ties by its seed (0 unless --seed)");
  run_app->add_option("--time-scale", args->time_scale, "real loop: real seconds per scenario second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  run_app
      ->add_option("--max-steps", args->max_steps,
                   "simulated loop: stop the run as a livelock after this many callbacks (0: no limit)")
      ->check(unsigned_integer())
      ->capture_default_str();
  run_app->add_flag("--no-times", args->no_times, "print the trace without times (to compare loops)");
  CLI::Option* check_only = run_app->add_flag(
      "--check-only", args->check_only,
      "load and check the file, run nothing: exit 0 when it is a well-formed scenario, 2 with the place when not");
  CLI::Option* trace_asim_json =
      run_app
          ->add_option("--trace-asim-json", args->trace_asim_json,
                       "also write the printed trace as asim's JSON (lines with time, task, event)")
          ->check(output_file());
  CLI::Option* trace_chrome = run_app
                                  ->add_option("--trace-chrome", args->trace_chrome,
                                               "also write the simulated loop's trace as Chrome Trace Event JSON "
                                               "(Perfetto, chrome://tracing), as `asim demo --trace X.json` and "
                                               "ASIM_TRACE do")
                                  ->check(output_file());
  check_only->excludes(trace_asim_json)->excludes(trace_chrome);
  run_app->add_option("--trace-json", args->old_trace_json, "")->group("");  // renamed: an error that says so
  CLI::App* self = run_app;
  return {run_app, [args, self] { return run(*args, *self); }};
}

Command add_gen_command(CLI::App& app) {
  struct GenArgs {
    std::uint64_t seed = 0;
    props::GenOptions options;
  };
  auto args = std::make_shared<GenArgs>();
  CLI::App* gen_app = app.add_subcommand("gen", "Prints a generated scenario (a valid program: it never uses a name "
                                                "that does not exist).");
  gen_app->add_option("--seed", args->seed, "the generator's seed")->required()->check(unsigned_integer());
  gen_app->add_option("--size", args->options.size, "the number of statements of main, at most")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  gen_app->add_flag("--coarse", args->options.coarse, "delays on a 0.25 s grid (for the real loop)");
  return {gen_app, [args] {
            fmt::print("{}", props::to_json(props::generate(args->seed, args->options)));
            return 0;
          }};
}

}  // namespace asim::tool
