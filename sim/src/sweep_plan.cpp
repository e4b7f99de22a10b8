// SPDX-License-Identifier: MIT
// Sweeps: the plan from options and environment, and regression files.
#include "sweep_plan.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
#include <thread>

namespace asim::sim::detail {

namespace {

std::uint64_t parse_number(std::string_view text, const char* variable) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) {
    throw ValueError(std::string(variable) + " must be an unsigned integer, got '" + std::string(text) + "'");
  }
  return value;
}

double parse_seconds(std::string_view text, const char* variable) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end || !(value >= 0) ||
      value == std::numeric_limits<double>::infinity()) {
    throw ValueError(std::string(variable) + " must be a number of seconds >= 0, got '" + std::string(text) + "'");
  }
  return value;
}

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// "A:B" into [first, end).
void parse_range(std::string_view text, std::uint64_t& first, std::uint64_t& end) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw ValueError("ASIM_SEEDS must be A:B or TEST=A:B;..., got '" + std::string(text) + "'");
  }
  first = parse_number(text.substr(0, colon), "ASIM_SEEDS");
  end = parse_number(text.substr(colon + 1), "ASIM_SEEDS");
  if (end < first) throw ValueError("ASIM_SEEDS A:B needs A <= B, got '" + std::string(text) + "'");
}

// ASIM_SEEDS: "A:B" for every sweep, or "Suite.Name=A:B;Other.Name=C:D" for the named
// tests only. Returns whether it applied to this test.
bool apply_seed_range(std::string_view text, const std::string& test_id, std::uint64_t& first, std::uint64_t& end) {
  if (text.find('=') == std::string_view::npos) {
    parse_range(text, first, end);
    return true;
  }
  bool applied = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t semicolon = text.find(';', start);
    if (semicolon == std::string_view::npos) semicolon = text.size();
    const std::string_view entry = text.substr(start, semicolon - start);
    start = semicolon + 1;
    if (entry.empty()) continue;
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      throw ValueError("ASIM_SEEDS entry '" + std::string(entry) + "' must be TEST=A:B (e.g. Suite.Name=0:1000)");
    }
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    parse_range(entry.substr(equals + 1), a, b);
    if (entry.substr(0, equals) == test_id) {
      first = a;
      end = b;
      applied = true;
    }
  }
  return applied;
}

std::string trim(std::string text) {
  const std::size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t\r");
  return text.substr(begin, last - begin + 1);
}

}  // namespace

CancelPoint parse_cancel_point(const std::string& text, const char* source) {
  const std::size_t at = text.rfind('@');
  const auto fail = [&] {
    throw ValueError(std::string(source) + " must be TASK@K or #INDEX@K (e.g. worker@3, #2@1), got '" + text + "'");
  };
  if (at == std::string::npos || at == 0) fail();
  CancelPoint point;
  try {
    const std::uint64_t k = parse_number(std::string_view(text).substr(at + 1), source);
    if (k == 0 || k > std::numeric_limits<std::uint32_t>::max()) fail();
    point.suspension = static_cast<std::uint32_t>(k);
    if (text[0] == '#') {
      const std::uint64_t index = parse_number(std::string_view(text).substr(1, at - 1), source);
      if (index == 0 || index > std::numeric_limits<std::uint32_t>::max()) fail();
      point.task_index = static_cast<std::uint32_t>(index);
    } else {
      point.task = text.substr(0, at);
    }
  } catch (const ValueError&) {
    fail();
  }
  return point;
}

// Appended piece by piece: g++ 12 at -O3 warns (-Wrestrict, a false positive) on
// `"#" + std::to_string(n)`.
std::string format_cancel_point(const CancelPoint& point) {
  std::string text;
  if (point.task.empty()) {
    text += '#';
    text += std::to_string(point.task_index);
  } else {
    text += point.task;
  }
  text += '@';
  text += std::to_string(point.suspension);
  return text;
}

SweepPlan make_plan(const SweepOptions& options) {
  SweepPlan plan;
  plan.first = options.first_seed;
  plan.end = options.first_seed + options.seeds;
  plan.strategy = options.strategy;
  plan.jobs = options.jobs;
  plan.time_budget = options.time_budget;
  plan.regressions = options.regressions;
  const SweepReporter reporter = sweep_reporter();
  if (reporter.test_id != nullptr) plan.test_id = reporter.test_id();
  if (!(options.time_budget >= 0)) throw ValueError("SweepOptions::time_budget must be >= 0 seconds");
  if (options.sim.chooser != nullptr) {
    throw ValueError(
        "SweepOptions::sim.chooser: a sweep gives each run its own chooser from its strategy (one chooser "
        "shared by every seed would make runs depend on each other); choose a Strategy, or run a SimLoop with "
        "your chooser directly");
  }
  if (options.strategy == Strategy::pct && options.pct.depth == 0) {
    throw ValueError("SweepOptions::pct.depth must be at least 1");
  }

  plan.trace_path = options.trace_path;
  if (options.replay) {
    plan.replay_schedule = Schedule::parse(options.schedule, "SweepOptions::schedule");
    plan.end = plan.first + 1;
  }
  if (options.use_environment) {
    const char* seed = env("ASIM_SEED");
    if (seed != nullptr) {
      plan.first = parse_number(seed, "ASIM_SEED");
      plan.end = plan.first + 1;
    } else if (const char* range = env("ASIM_SEEDS")) {
      (void)apply_seed_range(range, plan.test_id, plan.first, plan.end);
    }
    if (const char* schedule = env("ASIM_SCHEDULE")) {
      plan.replay_schedule = Schedule::parse(schedule, "ASIM_SCHEDULE");
      if (seed == nullptr) {
        plan.first = 0;
        plan.end = 1;
      }
    }
    if (const char* point = env("ASIM_CANCEL_POINT")) {
      // A cancellation point is replayed with its schedule (empty: CPython's order).
      plan.replay_cancel_point = parse_cancel_point(point, "ASIM_CANCEL_POINT");
      if (!plan.replay_schedule) {
        plan.replay_schedule = Schedule{};
        if (seed == nullptr) {
          plan.first = 0;
          plan.end = 1;
        }
      }
    }
    if (const char* strategy = env("ASIM_STRATEGY")) plan.strategy = parse_strategy(strategy, "ASIM_STRATEGY");
    if (const char* jobs = env("ASIM_JOBS")) plan.jobs = static_cast<unsigned>(parse_number(jobs, "ASIM_JOBS"));
    if (const char* seconds = env("ASIM_SWEEP_SECONDS"))
      plan.time_budget = parse_seconds(seconds, "ASIM_SWEEP_SECONDS");
    if (const char* path = env("ASIM_REGRESSIONS")) plan.regressions = path;
    // One seed named explicitly is a replay: it runs whatever the shard. With
    // ASIM_GTEST_SHARD_TESTS=1 GoogleTest shards the tests and each sweep stays whole.
    const char* keep_tests_sharded = env("ASIM_GTEST_SHARD_TESTS");
    const bool whole = keep_tests_sharded != nullptr && std::string_view(keep_tests_sharded) == "1";
    if (seed == nullptr && !plan.replay_schedule && !whole) {
      const char* total = env("ASIM_TOTAL_SHARDS");  // <asim/sim/gtest.hpp> moves gtest's variables here
      const char* index = env("ASIM_SHARD_INDEX");
      if (total == nullptr) {
        total = env("GTEST_TOTAL_SHARDS");
        index = env("GTEST_SHARD_INDEX");
      }
      if (total != nullptr) {
        plan.total_shards = parse_number(total, "GTEST_TOTAL_SHARDS");
        plan.shard_index = index != nullptr ? parse_number(index, "GTEST_SHARD_INDEX") : 0;
        if (plan.total_shards == 0 || plan.shard_index >= plan.total_shards) {
          throw ValueError("GTEST_SHARD_INDEX must be below GTEST_TOTAL_SHARDS");
        }
      }
    }
    if (const char* trace = env("ASIM_TRACE")) plan.trace_path = trace;
  }
  if (plan.jobs == 0) {
    const unsigned cores = std::thread::hardware_concurrency();
    plan.jobs = cores == 0 ? 1 : cores;
  }

  plan.sim = options.sim;
  plan.sim.trace = false;
  plan.sim.label_choices = false;
  plan.sim.chooser = nullptr;
  if (plan.sim.max_steps == 0) plan.sim.max_steps = options.default_max_steps;
  if (plan.sim.max_virtual_time == std::numeric_limits<double>::infinity()) {
    plan.sim.max_virtual_time = options.default_max_virtual_time;
  }
  return plan;
}

std::vector<Regression> load_regressions(const std::string& path, const std::string& test_id) {
  std::vector<Regression> found;
  std::ifstream file(path);
  if (!file) return found;
  const std::string wanted = test_id.empty() ? "-" : test_id;
  std::string line;
  std::size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    const std::string place = path + ":" + std::to_string(number);
    const std::size_t hash = line.find('#');
    const std::string content = trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (content.empty()) continue;
    const auto fail = [&](const std::string& why) {
      throw ValueError(place + ": malformed regression (" + why +
                       "); expected 'TEST seed=N schedule=INDEX:KIND=ANSWER,... [cancel=TASK@K]'");
    };
    std::istringstream words(content);
    Regression regression;
    regression.place = place;
    if (!(words >> regression.test_id)) fail("no test name");
    bool has_seed = false;
    bool has_schedule = false;
    std::string word;
    while (words >> word) {
      if (word.rfind("seed=", 0) == 0) {
        try {
          regression.seed = parse_number(std::string_view(word).substr(5), "seed");
        } catch (const ValueError&) {
          fail("seed is not an unsigned integer");
        }
        has_seed = true;
      } else if (word.rfind("schedule=", 0) == 0) {
        regression.schedule = Schedule::parse(std::string_view(word).substr(9), place);
        has_schedule = true;
      } else if (word.rfind("cancel=", 0) == 0) {
        regression.cancel_point = parse_cancel_point(word.substr(7), place.c_str());
      } else {
        fail("unknown field '" + word + "'");
      }
    }
    if (!has_seed || !has_schedule) fail("seed= and schedule= are required");
    if (regression.test_id == wanted) found.push_back(std::move(regression));
  }
  return found;
}

bool append_regression(const std::string& path, const Regression& regression, const std::string& failure) {
  std::string line = (regression.test_id.empty() ? std::string("-") : regression.test_id) +
                     " seed=" + std::to_string(regression.seed) + " schedule=" + regression.schedule.to_string();
  if (regression.cancel_point) line += " cancel=" + format_cancel_point(*regression.cancel_point);
  {
    std::ifstream existing(path);
    std::string known;
    while (existing && std::getline(existing, known)) {
      if (trim(known.substr(0, known.find('#'))) == line) return true;
    }
  }
  const bool fresh = !std::ifstream(path).good();
  std::ofstream file(path, std::ios::app);
  if (!file) return false;
  if (fresh) file << "# asim regressions: failing schedules, replayed first by every sweep of the test named\n";
  std::string first_line = failure.substr(0, failure.find('\n'));
  for (char& c : first_line) {
    if (c == '#') c = ' ';
  }
  file << line << "  # " << first_line << "\n";
  return static_cast<bool>(file);
}

}  // namespace asim::sim::detail
