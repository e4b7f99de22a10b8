// SPDX-License-Identifier: MIT
// `asim demo NAME` for the example bugs of examples/bugs: the library's sweep finds,
// shrinks and labels the failing schedule; the demo adds the story and the replay line.
#include "demo.hpp"

#include <asim/sim/sweep.hpp>

#include "bugs/catalog.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string>

namespace asim::tool::demo {

namespace {

// The tool's own replay line (the sweep's uses environment variables).
std::string replay_command(const Options& options, std::uint64_t seed, const std::string& schedule) {
  std::string line = fmt::format("{} demo {} --seed {} --schedule '{}'", options.program, options.name, seed, schedule);
  if (options.variant == stale_cache::Variant::fixed) line += " --fixed";
  if (!options.trace_path.empty()) line += " --trace " + options.trace_path;
  return line;
}

}  // namespace

Report run_example_bug(const Options& options, const examples::bugs::Example& example) {
  Report report;
  std::string out;
  auto it = std::back_inserter(out);
  const bool fixed = options.variant == stale_cache::Variant::fixed;
  const bool replay = options.single_seed || options.has_schedule;
  const std::string source =
      example.source.empty() ? fmt::format("examples/bugs/{}.hpp", example.name) : std::string(example.source);
  fmt::format_to(it, "asim demo: {}, {} ({} variant)\n", source, example.summary, fixed ? "fixed" : "buggy");
  if (replay) {
    fmt::format_to(it, "replaying seed {} with schedule '{}'\n", options.first_seed, options.schedule);
  } else {
    fmt::format_to(it,
                   "sweeping seeds {}:{} on SimLoop with the default exploration (timer ties, late wake-ups, stalls, "
                   "timeouts racing their results, random draws, buggify sites)\n",
                   options.first_seed, options.end_seed);
  }
  sim::SweepOptions sweep;
  sweep.first_seed = options.first_seed;
  sweep.seeds = options.end_seed - options.first_seed;
  sweep.use_environment = false;
  sweep.quiet = true;
  sweep.replay = replay;
  sweep.schedule = options.schedule;
  sweep.trace_path = options.trace_path;
  const auto scenario = example.scenario;
  auto body = [scenario, fixed](sim::SimLoop&) { return scenario(fixed); };
  sim::SweepResult result = sim::run_sweep(sweep, body);
  report.seeds_run = result.seeds_run;
  if (result.passed) {
    out += result.summary() + "\n";
    report.output = std::move(out);
    return report;
  }
  report.found = true;
  report.failing_seed = result.failing_seed;
  report.replay = replay_command(options, result.failing_seed, result.shrunk.to_string());
  // The story, then the replay line last (as every demo ends).
  std::string story = fmt::format("the bug: {}\nthe fix: {}", example.bug, example.fix);
  if (!fixed) {
    sim::SweepOptions again = sweep;
    again.first_seed = result.failing_seed;
    again.replay = true;
    again.schedule = result.shrunk.to_string();
    again.trace_path.clear();
    auto fixed_body = [scenario](sim::SimLoop&) { return scenario(true); };
    const sim::SweepResult with_fix = sim::run_sweep(again, fixed_body);
    story += with_fix.passed ? " (the fixed variant passes this schedule)"
                             : " (the fixed variant FAILS this schedule too: " + with_fix.failure + ")";
  }
  result.replay = story + "\nreplay: " + report.replay;
  out += result.message() + "\n";
  report.exit_code = 1;
  report.output = std::move(out);
  return report;
}

}  // namespace asim::tool::demo
