// SPDX-License-Identifier: MIT
// `asim demo [NAME] [--list] [--seed N | --seeds A:B] [--fixed] [--trace FILE]`: finds,
// shrinks and explains a schedule-dependent bug of a shipped example (engine:
// demo_engine.cpp; NAME defaults to stale_cache, examples/stale_cache).
#include "commands.hpp"
#include "demo.hpp"

#include <asim/sim/schedule.hpp>

#include <fmt/format.h>

#include <memory>
#include <optional>

namespace asim::tool {

namespace {

struct DemoArgs {
  demo::Options options;
  bool list = false;
  std::optional<std::uint64_t> seed;
  std::string seeds;
  bool fixed = false;
  std::optional<std::string> schedule;
};

int run_demo(DemoArgs& args) {
  if (args.list) {
    fmt::print("{}\n", fmt::join(demo::demo_names(), "\n"));
    return 0;
  }
  demo::Options& options = args.options;
  if (args.seed) {
    if (*args.seed == UINT64_MAX) throw UsageError{"--seed: too large"};
    options.first_seed = *args.seed;
    options.end_seed = *args.seed + 1;
    options.single_seed = true;
  } else if (!args.seeds.empty()) {
    const SeedRange range = parse_seed_range(args.seeds, "--seeds", true);
    options.first_seed = range.first;
    options.end_seed = range.end;
    options.single_seed = false;
  }
  if (args.fixed) options.variant = stale_cache::Variant::fixed;
  if (args.schedule) {
    if (options.name == "stale_cache") throw UsageError{"--schedule: the stale_cache demo replays by --seed alone"};
    try {
      (void)sim::Schedule::parse(*args.schedule, "--schedule");
    } catch (const ValueError& error) {
      throw UsageError{error.what()};
    }
    options.has_schedule = true;
    options.schedule = *args.schedule;
    if (!args.seed) {
      options.first_seed = 0;
      options.end_seed = 1;
    }
  }
  options.program = program_path;
  const demo::Report report = demo::run(options);
  fmt::print("{}", report.output);
  std::fflush(stdout);
  return report.exit_code;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* demo_app = app.add_subcommand(
      "demo",
      "Finds a schedule-dependent bug in a shipped example by sweeping seeds on the simulated loop, shrinks its "
      "schedule, explains it and prints its replay line.\nExit 1 when a failing schedule was found.");
  demo_app->add_option("NAME", args->options.name, "the example (see --list)")
      ->check(CLI::IsMember(demo::demo_names()))
      ->capture_default_str();
  demo_app->add_flag("--list", args->list, "print the names of the demos and exit");
  CLI::Option* seed = demo_app->add_option("--seed", args->seed, "replay this one seed")->check(unsigned_integer());
  CLI::Option* seeds = demo_app->add_option("--seeds", args->seeds, "the seeds to sweep, A:B (B excluded); "
                                                                    "default 0:1000")
                           ->type_name("A:B");
  seed->excludes(seeds);
  demo_app->add_flag("--fixed", args->fixed, "run the corrected variant (no failure expected)");
  demo_app->add_option("--schedule", args->schedule,
                       "replay this schedule (as the report prints it, e.g. 1:lateness=6) with --seed's seed; "
                       "example bugs only")
      ->type_name("S");
  demo_app->add_option("--trace", args->options.trace_path,
                       "write the shrunk failing run's trace: FILE.json as Chrome Trace Event JSON (Perfetto, "
                       "chrome://tracing), any other name as text")
      ->check(output_file());
  return {demo_app, [args] { return run_demo(*args); }};
}

}  // namespace asim::tool
