// SPDX-License-Identifier: MIT
// `asim check`: the properties over a range of generated scenarios, in parallel, with
// a progress bar, shrinking and a replay line for every failure.
#include "commands.hpp"

#include <asim/props/generators.hpp>
#include <asim/props/properties.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
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

/// Guards rapidcheck generation (its implicit parameters are not meant for threads)
/// and the output.
std::mutex gen_mutex;
std::mutex out_mutex;

struct Counters {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> passed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> skipped{0};
  std::atomic<std::uint64_t> skipped_ties{0};
  std::atomic<std::uint64_t> skipped_cycles{0};
};

void progress(const Counters& c, std::uint64_t total) {
  if (::isatty(2) == 0) return;
  const std::uint64_t done = c.done.load();
  const int width = 30;
  const int filled = total == 0 ? width : static_cast<int>(done * width / total);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::lock_guard<std::mutex> lock(out_mutex);
  std::fprintf(stderr, "\r[%s] %llu/%llu  pass %llu  fail %llu  skip %llu ", bar.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               static_cast<unsigned long long>(c.passed.load()), static_cast<unsigned long long>(c.failed.load()),
               static_cast<unsigned long long>(c.skipped.load()));
  std::fflush(stderr);
}

std::string replay_line(const CheckConfig& config, std::uint64_t seed, props::Property property) {
  std::string line = program_path + " check --seeds " + std::to_string(seed) + ":" + std::to_string(seed + 1) +
                     " --property " + std::string(props::property_name(property)) + " --size " +
                     std::to_string(config.gen.size);
  if (config.gen.coarse) line += " --coarse";
  if (!config.property_options.oracle.empty()) line += " --oracle " + config.property_options.oracle;
  return line;
}

/// Greedy shrinking: take the first simpler scenario that still fails, until none does.
props::Scenario shrink(const CheckConfig& config, std::uint64_t seed, props::Property property,
                       props::CheckResult& result) {
  std::unique_lock<std::mutex> lock(gen_mutex);
  rc::Shrinkable<props::Scenario> current = props::generate_shrinkable(seed, config.gen);
  lock.unlock();
  std::size_t checks = 0;
  bool progressed = true;
  while (progressed && checks < config.max_shrink_checks) {
    progressed = false;
    lock.lock();
    rc::Seq<rc::Shrinkable<props::Scenario>> candidates = current.shrinks();
    lock.unlock();
    while (checks < config.max_shrink_checks) {
      lock.lock();
      rc::Maybe<rc::Shrinkable<props::Scenario>> next = candidates.next();
      if (!next) {
        lock.unlock();
        break;
      }
      props::Scenario candidate = next->value();
      lock.unlock();
      ++checks;
      props::CheckResult r = props::check_property(property, candidate, config.property_options);
      if (r.failed()) {
        current = std::move(*next);
        result = std::move(r);
        progressed = true;
        break;
      }
    }
  }
  lock.lock();
  return current.value();
}

void report_failure(const CheckConfig& config, std::uint64_t seed, props::Property property,
                    const props::Scenario& shrunk, const props::CheckResult& result) {
  const std::string path = config.out_dir + "/asim-failure-" + std::string(props::property_name(property)) + "-" +
                           std::to_string(seed) + ".json";
  {
    std::ofstream out(path);
    out << props::to_json(shrunk);
  }
  std::lock_guard<std::mutex> lock(out_mutex);
  std::cerr << "\n";
  std::cout << "FAIL seed " << seed << " property " << props::property_name(property) << "\n"
            << result.detail << (result.detail.empty() || result.detail.back() == '\n' ? "" : "\n")
            << "shrunk scenario (" << props::statement_count(shrunk) << " statements): " << path << "\n"
            << "replay: " << replay_line(config, seed, property) << "\n";
  std::cout.flush();
}

void check_seed(const CheckConfig& config, std::uint64_t seed, Counters& counters) {
  props::Scenario scenario;
  {
    std::lock_guard<std::mutex> lock(gen_mutex);
    scenario = props::generate(seed, config.gen);
  }
  props::PropertyOptions options = config.property_options;
  options.seed = seed;
  bool any_fail = false;
  bool any_skip = false;
  for (props::Property property : config.properties) {
    props::CheckResult result = props::check_property(property, scenario, options);
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
    std::cout << status << " " << props::property_name(property) << "\n";
    if (!result.passed() && !result.detail.empty()) std::cout << result.detail << "\n";
    failures += result.failed() ? 1 : 0;
  }
  return failures > 0 ? 1 : 0;
}

}  // namespace

int check_command(Args args) {
  CheckConfig config;
  std::string loop = "sim";
  bool explicit_properties = false;
  while (!args.empty()) {
    const std::string arg = args.next();
    if (arg == "--seeds") {
      const std::string range = args.value(arg);
      const std::size_t colon = range.find(':');
      if (colon == std::string::npos) throw UsageError{"--seeds: expected A:B"};
      config.first_seed = parse_u64(range.substr(0, colon), arg);
      config.end_seed = parse_u64(range.substr(colon + 1), arg);
      if (config.end_seed < config.first_seed) throw UsageError{"--seeds: B must not be below A"};
    } else if (arg == "--loop") {
      loop = args.value(arg);
      if (loop != "sim" && loop != "real") throw UsageError{"--loop: expected sim or real"};
    } else if (arg == "--oracle") {
      config.property_options.oracle = args.value(arg);
    } else if (arg == "--shard") {
      const std::string shard = args.value(arg);
      const std::size_t slash = shard.find('/');
      if (slash == std::string::npos) throw UsageError{"--shard: expected I/N"};
      config.shard = parse_u64(shard.substr(0, slash), arg);
      config.shards = parse_u64(shard.substr(slash + 1), arg);
      if (config.shards == 0 || config.shard >= config.shards) throw UsageError{"--shard: need 0 <= I < N"};
    } else if (arg == "--jobs") {
      config.jobs = static_cast<unsigned>(parse_u64(args.value(arg), arg));
      if (config.jobs == 0) config.jobs = std::max(1U, std::thread::hardware_concurrency());
    } else if (arg == "--size") {
      config.gen.size = static_cast<int>(parse_u64(args.value(arg), arg));
    } else if (arg == "--coarse") {
      config.gen.coarse = true;
    } else if (arg == "--time-scale") {
      config.property_options.time_scale = parse_double(args.value(arg), arg);
    } else if (arg == "--property") {
      const std::string name = args.value(arg);
      auto property = props::property_from_name(name);
      if (!property) throw UsageError{"--property: unknown property '" + name + "'"};
      config.properties.push_back(*property);
      explicit_properties = true;
    } else if (arg == "--scenario") {
      config.scenario_file = args.value(arg);
    } else if (arg == "--out") {
      config.out_dir = args.value(arg);
    } else {
      throw UsageError{"check: unknown argument '" + arg + "'"};
    }
  }
  if (!explicit_properties) {
    if (loop == "real") {
      config.properties = {props::Property::sim_vs_real};
    } else {
      config.properties = {props::Property::determinism, props::Property::invariants};
      if (!config.property_options.oracle.empty()) config.properties.push_back(props::Property::conformance);
    }
  }
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
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      try {
        check_seed(config, seeds[i], counters);
      } catch (const std::exception& e) {
        ++counters.failed;
        std::lock_guard<std::mutex> lock(out_mutex);
        std::cout << "FAIL seed " << seeds[i] << ": " << e.what() << "\n";
      }
      ++counters.done;
      progress(counters, seeds.size());
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < config.jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (::isatty(2) != 0) std::cerr << "\n";

  std::string names;
  for (props::Property p : config.properties) names += (names.empty() ? "" : ", ") + std::string(props::property_name(p));
  std::cout << "checked " << seeds.size() << " scenarios (seeds " << config.first_seed << ":" << config.end_seed;
  if (config.shards > 1) std::cout << ", shard " << config.shard << "/" << config.shards;
  std::cout << "; " << names << "): " << counters.passed << " passed, " << counters.failed << " failed, "
            << counters.skipped << " skipped (" << counters.skipped_ties << " ties, " << counters.skipped_cycles
            << " cancel cycles)\n";
  return counters.failed > 0 ? 1 : 0;
}

}  // namespace asim::tool
