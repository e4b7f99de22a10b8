// SPDX-License-Identifier: MIT
// Measures the example bugs (examples/bugs) under the default exploration. Not a test:
//
//     example_bugs_measure [SEEDS] [NAME|-] [ablation | KEY=VALUE...]
//
// Per example: the buggy variant over every seed (first failing seed, failing
// fraction, distinct schedules, seeds per second), the sweep's shrink of its first
// failure (runs, shrunk length, schedule), the fixed variant swept on one job and on
// all jobs (failures, distinct schedules, seeds per second), and CPython's order.
// `ablation` instead prints the buggy variant's failing fraction with one kind of
// exploration at a time (the others off), to tell which default finds what.
// KEY=VALUE pairs change the defaults: late=P, lateness=S, stall=P, max_stall=S,
// race=P (probabilities, seconds).
#include <asim/errors.hpp>
#include <asim/sim/schedule.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include "bugs/catalog.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <string>

namespace {

using asim::examples::bugs::Example;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

SimOptions defaults;  // the exploration, as changed by KEY=VALUE arguments

SimOptions exploring() {
  SimOptions options = defaults;
  options.max_steps = 100000;
  options.max_virtual_time = 10;
  return options;
}

/// Applies one KEY=VALUE argument to `defaults`; false if it is not one.
bool set_default(const std::string& argument) {
  const std::size_t equals = argument.find('=');
  if (equals == std::string::npos) return false;
  const std::string key = argument.substr(0, equals);
  const double value = std::strtod(argument.c_str() + equals + 1, nullptr);
  if (key == "late") {
    defaults.late_probability = value;
  } else if (key == "lateness") {
    defaults.max_lateness = value;
  } else if (key == "stall") {
    defaults.stall_probability = value;
  } else if (key == "max_stall") {
    defaults.max_stall = value;
  } else if (key == "race") {
    defaults.timeout_race_probability = value;
  } else {
    return false;
  }
  return true;
}

/// The default exploration with only one kind of choice left on.
SimOptions only(const std::string& kind) {
  SimOptions options = defaults;
  options.choose_timer_ties = false;
  options.choose_lateness = false;
  options.choose_stalls = false;
  options.choose_timeout_races = false;
  options.choose_io_order = false;
  options.choose_random = false;
  options.buggify = false;
  options.max_steps = 100000;
  options.max_virtual_time = 10;
  if (kind == "ties") options.choose_timer_ties = true;
  if (kind == "lateness") options.choose_lateness = true;
  if (kind == "stalls") options.choose_stalls = true;
  if (kind == "timeout_races") options.choose_timeout_races = true;
  if (kind == "random+buggify") {
    options.choose_random = true;
    options.buggify = true;
  }
  return options;
}

/// Runs one seed the way a random sweep does; returns true when the bug showed.
bool run_seed(const Example& example, bool fixed, std::uint64_t seed, std::uint64_t& schedule_hash,
              SimOptions options = exploring()) {
  asim::sim::PrngChooser prng(seed);
  asim::sim::RecordingChooser chooser(prng);
  options.chooser = &chooser;
  bool failed = false;
  {
    SimLoop loop(seed, options);
    try {
      loop.run_until_complete(example.scenario(fixed));
    } catch (...) {
      failed = true;
    }
  }
  schedule_hash = chooser.hash();
  return failed;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  const std::string name = argc > 2 && std::string(argv[2]) != "-" ? argv[2] : "";
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) != "ablation" && !set_default(argv[i])) {
      std::fprintf(stderr, "unknown argument '%s' (expected ablation or late=, lateness=, stall=, max_stall=, race=)\n",
                   argv[i]);
      return 2;
    }
  }
  if (argc > 3 && std::string(argv[argc - 1]) == "ablation") {
    const char* kinds[] = {"ties", "lateness", "stalls", "timeout_races", "random+buggify"};
    std::printf("%-20s", "example");
    for (const char* kind : kinds) std::printf(" %15s", kind);
    std::printf("\n");
    for (const Example& example : asim::examples::bugs::catalog) {
      if (!name.empty() && example.name != name) continue;
      std::printf("%-20.*s", static_cast<int>(example.name.size()), example.name.data());
      for (const char* kind : kinds) {
        std::uint64_t failing = 0;
        for (std::uint64_t seed = 0; seed < seeds; ++seed) {
          std::uint64_t hash = 0;
          if (run_seed(example, false, seed, hash, only(kind))) ++failing;
        }
        std::printf(" %14.2f%%", 100.0 * static_cast<double>(failing) / static_cast<double>(seeds));
      }
      std::printf("\n");
    }
    return 0;
  }
  std::printf("%-20s %6s %8s %9s %9s | %6s %6s %s | %6s %9s %9s %9s | %s\n", "example", "first", "failing", "schedules",
              "seeds/s", "shrink", "length", "shrunk schedule", "fixed", "schedules", "seeds/s", "all jobs", "cpython");
  for (const Example& example : asim::examples::bugs::catalog) {
    if (!name.empty() && example.name != name) continue;
    std::uint64_t failing = 0;
    std::uint64_t first = seeds;
    std::set<std::uint64_t> schedules;
    auto start = std::chrono::steady_clock::now();
    for (std::uint64_t seed = 0; seed < seeds; ++seed) {
      std::uint64_t hash = 0;
      if (run_seed(example, false, seed, hash)) {
        ++failing;
        if (first == seeds) first = seed;
      }
      schedules.insert(hash);
    }
    const double buggy_rate = static_cast<double>(seeds) / seconds_since(start);

    auto body = [&example](bool fixed) { return [&example, fixed](SimLoop&) { return example.scenario(fixed); }; };
    const asim::sim::SweepResult found = asim::sim::run_sweep(
        {.seeds = seeds, .sim = exploring(), .use_environment = false, .quiet = true}, body(false));
    const asim::sim::SweepResult fixed_one = asim::sim::run_sweep(
        {.seeds = seeds, .sim = exploring(), .shrink = false, .jobs = 1, .use_environment = false, .quiet = true},
        body(true));
    const asim::sim::SweepResult fixed_all = asim::sim::run_sweep(
        {.seeds = seeds, .sim = exploring(), .shrink = false, .jobs = 0, .use_environment = false, .quiet = true},
        body(true));

    bool cpython_fails = false;
    {
      SimLoop loop(0, SimOptions::cpython());
      try {
        loop.run_until_complete(example.scenario(false));
      } catch (...) {
        cpython_fails = true;
      }
    }
    std::printf("%-20.*s %6llu %7.2f%% %9zu %9.0f | %6llu %6zu %s | %6s %9llu %9.0f %9.0f | %s\n",
                static_cast<int>(example.name.size()), example.name.data(), static_cast<unsigned long long>(first),
                100.0 * static_cast<double>(failing) / static_cast<double>(seeds), schedules.size(), buggy_rate,
                static_cast<unsigned long long>(found.shrink_runs), found.shrunk.size(),
                found.shrunk.to_string().c_str(), fixed_one.passed ? "passes" : "FAILS",
                static_cast<unsigned long long>(fixed_one.distinct_schedules),
                static_cast<double>(fixed_one.seeds_run) / fixed_one.seconds,
                static_cast<double>(fixed_all.seeds_run) / fixed_all.seconds, cpython_fails ? "FAILS" : "passes");
    if (found.passed)
      std::printf("    the sweep found no failure in %llu seeds\n", static_cast<unsigned long long>(seeds));
  }
  return 0;
}
