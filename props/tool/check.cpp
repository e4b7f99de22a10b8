// SPDX-License-Identifier: MIT
// `asim check`: the properties over a range of generated scenarios, in parallel, with
// a progress bar, shrinking and a replay line for every failure.
#include "commands.hpp"

#include <asim/props/generators.hpp>
#include <asim/props/properties.hpp>
#include <asim/props/shrink.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace asim::tool {

namespace {

struct CheckConfig {
  std::uint64_t first_seed = 0;
  std::uint64_t end_seed = 100;
  std::uint64_t shard = 0;
  std::uint64_t shards = 1;
  unsigned jobs = 1;
  props::GenOptions gen;
  std::vector<props::Property> properties;
  props::PropertyOptions property_options;
  std::string out_dir = ".";
  std::optional<std::string> scenario_file;
  std::size_t max_shrink_checks = 400;
};

/// Guards the output.
std::mutex out_mutex;

struct Counters {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> passed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> skipped_ties{0};
  std::atomic<std::uint64_t> skipped_cycles{0};
};

/// The progress line on a terminal: done/total, failures so far, the rate and the time
/// left at that rate. Off when stderr is not a terminal (logs, CI).
class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total), start_(std::chrono::steady_clock::now()) {}

  /// Asked once, not once per scenario (a system call each time).
  [[nodiscard]] static bool enabled() {
    static const bool terminal = ::isatty(2) != 0;
    return terminal;
  }

  void show(const Counters& c) const {
    if (!enabled()) return;
    const std::uint64_t done = c.done.load();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    const std::string left =
        rate > 0 ? format_duration(static_cast<double>(total_ - std::min(done, total_)) / rate) : "?";
    constexpr std::size_t width = 24;
    const std::size_t filled = total_ == 0 ? width : static_cast<std::size_t>(done * width / total_);
    std::lock_guard<std::mutex> lock(out_mutex);
    fmt::print(stderr, "\r[{:#<{}}{:.<{}}] {}/{}  failed {}  skipped {}  {:.1f}/s  {} left ", "", filled, "",
               width - filled, done, total_, c.failed.load(), c.skipped.load(), rate, left);
    std::fflush(stderr);
  }

  /// Ends the progress line so that what follows starts on a fresh one.
  static void clear_line() {
    if (enabled()) fmt::print(stderr, "\n");
  }

 private:
  static std::string format_duration(double seconds) {
    const auto s = static_cast<std::uint64_t>(seconds + 0.5);
    if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
    if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}s", s);
  }

  std::uint64_t total_;
  std::chrono::steady_clock::time_point start_;
};

/// `text` as one shell word: as it is when it is plain, else in single quotes.
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-./:=+,@%") == std::string::npos;
  if (plain) return text;
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string replay_line(const CheckConfig& config, std::uint64_t seed, props::Property property) {
  std::string line = fmt::format("{} check --seeds {}:{} --property {} --size {}", program_path, seed, seed + 1,
                                 props::property_name(property), config.gen.size);
  if (config.gen.coarse) line += " --coarse";
  if (!config.property_options.oracle.empty()) {
    line += fmt::format(" --oracle {}", shell_word(config.property_options.oracle));
  }
  return line;
}

/// Shrinks the failing scenario of `seed` through the choices it was built from (see
/// props/shrink.hpp); `result` becomes the shrunk scenario's failure.
props::Scenario shrink(const CheckConfig& config, std::uint64_t seed, props::Property property,
                       props::CheckResult& result) {
  props::Choices choices;
  (void)props::generate(seed, config.gen, &choices);
  const std::function<bool(const props::Scenario&)> fails = [&](const props::Scenario& candidate) {
    props::CheckResult r = std::move(props::check_properties({&property, 1}, candidate, config.property_options)[0]);
    if (!r.failed()) return false;
    result = std::move(r);
    return true;
  };
  return props::shrink_choices(choices, config.gen, fails, config.max_shrink_checks).scenario;
}

void report_failure(const CheckConfig& config, std::uint64_t seed, props::Property property,
                    const props::Scenario& shrunk, const props::CheckResult& result) {
  const std::string path =
      fmt::format("{}/asim-failure-{}-{}.json", config.out_dir, props::property_name(property), seed);
  bool written = false;
  {
    std::ofstream out(path);
    out << props::to_json(shrunk);
    written = static_cast<bool>(out);
  }
  const std::string where = written ? path : fmt::format("not written, {} cannot be written", path);
  std::lock_guard<std::mutex> lock(out_mutex);
  if (Progress::enabled()) fmt::print(stderr, "\n");
  const bool newline = result.detail.empty() || result.detail.back() == '\n';
  fmt::print("FAIL seed {} property {}\n{}{}shrunk scenario ({} statements): {}\nreplay: {}\n", seed,
             props::property_name(property), result.detail, newline ? "" : "\n", props::statement_count(shrunk),
             where, replay_line(config, seed, property));
  std::fflush(stdout);
}

void check_seed(const CheckConfig& config, std::uint64_t seed, Counters& counters) {
  // One Program per thread, rebuilt for each seed in the room of the last.
  thread_local props::Program program;
  props::generate_program(seed, config.gen, program);
  props::PropertyOptions options = config.property_options;
  options.seed = seed;
  bool any_fail = false;
  bool any_skip = false;
  std::vector<props::CheckResult> results = props::check_properties(config.properties, program, options);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const props::Property property = config.properties[i];
    props::CheckResult& result = results[i];
    if (result.status == props::CheckResult::Status::skip) {
      any_skip = true;
      if (result.detail.find("tie") != std::string::npos) ++counters.skipped_ties;
      if (result.detail.find("cycle") != std::string::npos) ++counters.skipped_cycles;
    } else if (result.failed()) {
      any_fail = true;
      CheckConfig shrink_config = config;
      shrink_config.property_options = options;
      const props::Scenario shrunk = shrink(shrink_config, seed, property, result);
      report_failure(config, seed, property, shrunk, result);
    }
  }
  if (any_fail) {
    ++counters.failed;
  } else if (any_skip) {
    ++counters.skipped;
  } else {
    ++counters.passed;
  }
}

int check_file(const CheckConfig& config) {
  const props::Scenario scenario = props::load_scenario(*config.scenario_file);
  int failures = 0;
  for (props::Property property : config.properties) {
    const props::CheckResult result = props::check_property(property, scenario, config.property_options);
    const char* status = result.passed() ? "pass" : result.failed() ? "FAIL" : "skip";
    fmt::print("{} {}\n", status, props::property_name(property));
    if (!result.passed() && !result.detail.empty()) fmt::print("{}\n", result.detail);
    failures += result.failed() ? 1 : 0;
  }
  return failures > 0 ? 1 : 0;
}

/// A runner that cannot run (missing, not CPython 3.11, broken) would make every seed
/// a conformance failure: try it once on an empty scenario before the sweep.
void check_oracle(const std::string& oracle) {
  const bool python = oracle.size() > 3 && oracle.compare(oracle.size() - 3, 3, ".py") == 0;
  if (python && !std::filesystem::is_regular_file(oracle)) {
    throw UsageError{fmt::format("--oracle: no such file '{}' (the runner is props/oracle/asim_oracle.py)", oracle)};
  }
  props::Scenario empty;
  const props::OracleResult result = props::run_oracle(oracle, empty);
  if (result.exit_code != 0 || result.out.find("done main") == std::string::npos) {
    throw UsageError{fmt::format("--oracle: '{}' does not run a scenario (exit code {}){}{}", oracle, result.exit_code,
                                 result.err.empty() ? "" : ":\n", result.err)};
  }
}

struct CheckArgs {
  CheckConfig config;
  std::string seeds;
  std::string shard;
  std::string loop = "sim";
  std::vector<std::string> properties;
  std::string scenario_file;
  int jobs = 1;
};

int run_check(CheckArgs& args) {
  CheckConfig& config = args.config;
  if (!args.seeds.empty()) {
    const SeedRange range = parse_seed_range(args.seeds, "--seeds", false);
    config.first_seed = range.first;
    config.end_seed = range.end;
  }
  if (!args.shard.empty()) {
    // I/N is read as the range I:N, which also checks both numbers.
    std::string text = args.shard;
    const std::size_t slash = text.find('/');
    SeedRange parts{1, 0};
    if (slash != std::string::npos) {
      text[slash] = ':';
      try {
        parts = parse_seed_range(text, "--shard", true);
      } catch (const UsageError&) {
        parts = {1, 0};
      }
    }
    if (parts.first >= parts.end) {
      throw UsageError{fmt::format("--shard: expected I/N with 0 <= I < N, got '{}'", args.shard)};
    }
    config.shard = parts.first;
    config.shards = parts.end;
  }
  config.jobs = args.jobs == 0 ? std::max(1U, std::thread::hardware_concurrency()) : static_cast<unsigned>(args.jobs);
  if (!args.scenario_file.empty()) config.scenario_file = args.scenario_file;
  for (const std::string& name : args.properties) config.properties.push_back(*props::property_from_name(name));
  if (config.properties.empty()) {
    if (args.loop == "real") {
      config.properties = {props::Property::sim_vs_real};
    } else {
      config.properties = {props::Property::determinism, props::Property::invariants};
      if (!config.property_options.oracle.empty()) config.properties.push_back(props::Property::conformance);
    }
  }
  const bool conformance = std::find(config.properties.begin(), config.properties.end(),
                                     props::Property::conformance) != config.properties.end();
  if (conformance && config.property_options.oracle.empty()) {
    throw UsageError{"--property conformance needs --oracle (e.g. props/oracle/asim_oracle.py)"};
  }
  if (!config.property_options.oracle.empty()) check_oracle(config.property_options.oracle);
  for (props::Property p : config.properties) {
    // The real loop adds wall-clock latency: compare it on scenarios with far-apart delays.
    if (p == props::Property::sim_vs_real) config.gen.coarse = true;
  }
  if (config.scenario_file) return check_file(config);

  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = config.first_seed; s < config.end_seed; ++s) {
    if (s % config.shards == config.shard) seeds.push_back(s);
  }
  Counters counters;
  const Progress progress(seeds.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      try {
        check_seed(config, seeds[i], counters);
      } catch (const std::exception& e) {
        ++counters.failed;
        std::lock_guard<std::mutex> lock(out_mutex);
        fmt::print("FAIL seed {}: {}\n", seeds[i], e.what());
      }
      ++counters.done;
      progress.show(counters);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < config.jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  Progress::clear_line();

  std::vector<std::string_view> names;
  for (props::Property p : config.properties) names.push_back(props::property_name(p));
  const std::string shard =
      config.shards > 1 ? fmt::format(", shard {}/{}", config.shard, config.shards) : std::string();
  fmt::print("checked {} scenarios (seeds {}:{}{}; {}): {} passed, {} failed, {} skipped ({} ties, {} cancel "
             "cycles)\n",
             seeds.size(), config.first_seed, config.end_seed, shard, fmt::join(names, ", "), counters.passed.load(),
             counters.failed.load(), counters.skipped.load(), counters.skipped_ties.load(),
             counters.skipped_cycles.load());
  return counters.failed > 0 ? 1 : 0;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Checks properties over generated scenarios (or one --scenario FILE), shrinks each failure and prints a "
      "replay line.\nProgress goes to stderr when it is a terminal. Exit 1 when a property failed.");
  check->add_option("--seeds", args->seeds, "the seeds A:B (B excluded); default 0:100")->type_name("A:B");
  check->add_option("--loop", args->loop, "sim: determinism + invariants (+ conformance with --oracle); "
                                          "real: sim_vs_real")
      ->check(CLI::IsMember({"sim", "real"}))
      ->capture_default_str();
  check->add_option("--oracle", args->config.property_options.oracle,
                    "the CPython runner of the scenario language (props/oracle/asim_oracle.py): adds conformance")
      ->type_name("RUNNER");
  check->add_option("--shard", args->shard, "check only the seeds s with s % N == I")->type_name("I/N");
  check->add_option("--jobs", args->jobs, "threads (0: one per core)")->check(unsigned_integer())->capture_default_str();
  check->add_option("--size", args->config.gen.size, "the generator's size")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  check->add_flag("--coarse", args->config.gen.coarse, "delays on a 0.25 s grid");
  check->add_option("--time-scale", args->config.property_options.time_scale,
                    "sim_vs_real: real seconds per scenario second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  std::vector<std::string> names;
  for (props::Property p : {props::Property::determinism, props::Property::sim_vs_real, props::Property::invariants,
                            props::Property::conformance}) {
    names.emplace_back(props::property_name(p));
  }
  check->add_option("--property", args->properties, "a property to check (repeatable); default: by --loop")
      ->check(CLI::IsMember(names))
      ->type_name("NAME");
  check->add_option("--scenario", args->scenario_file, "check this scenario file instead of generated ones")
      ->check(CLI::ExistingFile);
  check->add_option("--out", args->config.out_dir, "where shrunk failing scenarios are written")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  return {check, [args] { return run_check(*args); }};
}

}  // namespace asim::tool
