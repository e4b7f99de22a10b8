// SPDX-License-Identifier: MIT
// The properties: determinism, simulated against real loop, invariants, conformance.
#include <asim/errors.hpp>
#include <asim/props/generators.hpp>
#include <asim/props/properties.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace asim::props {

namespace {

std::string describe_run(const RunResult& run, bool times) {
  std::string out = format_trace(run.lines, times);
  if (run.loop_error) fmt::format_to(std::back_inserter(out), "(loop error: {})\n", *run.loop_error);
  return out;
}

/// The next line of `text` from `pos` (without its newline), or nullopt at the end.
std::optional<std::string_view> next_line(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) return std::nullopt;
  const std::size_t end = std::min(text.find('\n', pos), text.size());
  const std::string_view line = text.substr(pos, end - pos);
  pos = end + 1;
  return line;
}

/// The first line where two traces differ, both traces in full below it.
std::string difference(std::string_view left_name, const std::string& left, std::string_view right_name,
                       const std::string& right) {
  std::string out;
  std::size_t a = 0;
  std::size_t b = 0;
  for (int line = 1;; ++line) {
    const std::optional<std::string_view> la = next_line(left, a);
    const std::optional<std::string_view> lb = next_line(right, b);
    if (!la && !lb) break;
    if (la != lb) {
      out = fmt::format("first difference at line {}:\n  {}: {}\n  {}: {}\n", line, left_name,
                        la.value_or("<end>"), right_name, lb.value_or("<end>"));
      break;
    }
  }
  fmt::format_to(std::back_inserter(out), "--- {}\n{}--- {}\n{}", left_name, left, right_name, right);
  return out;
}

CheckResult fail(std::string detail) { return {CheckResult::Status::fail, std::move(detail)}; }
CheckResult skip(std::string detail) { return {CheckResult::Status::skip, std::move(detail)}; }

CheckResult check_determinism(const Scenario& scenario, const PropertyOptions& options) {
  RunOptions run;
  run.loop = LoopKind::sim;
  run.seed = options.seed;
  run.sim_choices = true;
  const std::string first = describe_run(run_scenario(scenario, run), true);
  const std::string second = describe_run(run_scenario(scenario, run), true);
  if (first != second) return fail(difference("run 1", first, "run 2", second));
  return {};
}

CheckResult check_sim_vs_real(const Scenario& scenario, const PropertyOptions& options) {
  // The reference is CPython's order (VirtualLoop), which also tells timer ties apart:
  // a real loop splits a tie into two batches by wall-clock latency, so ties are skipped.
  RunOptions sim;
  sim.loop = LoopKind::virtual_clock;
  RunOptions real;
  real.loop = LoopKind::real;
  real.time_scale = options.time_scale;
  const RunResult reference = run_scenario(scenario, sim);
  if (reference.tie) return skip("tied timers");
  const std::string expected = describe_run(reference, false);
  const std::string got = describe_run(run_scenario(scenario, real), false);
  if (expected != got) return fail(difference("sim", expected, "real", got));
  return {};
}

CheckResult check_invariants(const Scenario& scenario, const PropertyOptions& options) {
  RunOptions run;
  run.loop = LoopKind::sim;
  run.seed = options.seed;
  run.sim_choices = true;
  const RunResult result = run_scenario(scenario, run);
  if (result.loop_error) return fail(fmt::format("loop error: {}\n{}", *result.loop_error, describe_run(result, true)));
  double last = 0.0;
  std::map<std::string, int> done_lines;
  for (const TraceLine& line : result.lines) {
    if (line.time < last) {
      return fail(fmt::format("time went backwards at: {}\n{}", format_line(line), describe_run(result, true)));
    }
    last = line.time;
    if (line.event.rfind("done ", 0) == 0) {
      const std::string name = line.event.substr(5, line.event.find(' ', 5) - 5);
      if (++done_lines[name] > 1) return fail(fmt::format("{} is done twice\n{}", name, describe_run(result, true)));
    }
  }
  // A task's done-logger may still be queued when the loop stops (asyncio does the
  // same), so only main's end is certain: run_until_complete(main) runs its logger.
  if (!result.deadlock && done_lines["main"] != 1) {
    return fail(fmt::format("main never ended\n{}", describe_run(result, true)));
  }
  return {};
}

CheckResult check_conformance(const Scenario& scenario, const PropertyOptions& options) {
  if (options.oracle.empty()) return skip("no oracle given");
  const OracleResult oracle = run_oracle(options.oracle, scenario);
  if (oracle.exit_code == 3) return skip("cancel cycle (the runner exits 3)");
  if (oracle.exit_code != 0) {
    return fail(fmt::format("the Python runner failed with exit code {}:\n{}", oracle.exit_code, oracle.err));
  }
  if (oracle.err.find("tie") != std::string::npos) return skip("tied timers");
  RunOptions run;
  run.loop = LoopKind::sim;
  run.seed = options.seed;
  const std::string got = describe_run(run_scenario(scenario, run), true);
  if (got != oracle.out) return fail(difference("CPython", oracle.out, "asim", got));
  return {};
}

/// A TraceSink that keeps no line: it hashes each (for determinism) and, when asked,
/// applies the invariants' rules to it as it comes.
class StreamCheck final : public TraceSink {
 public:
  explicit StreamCheck(bool invariants) : invariants_(invariants), done_(spare_done_) {
    if (invariants_) done_.clear();
  }
  StreamCheck(const StreamCheck&) = delete;
  StreamCheck& operator=(const StreamCheck&) = delete;

  void line(double time, std::string_view who, std::string_view event) override {
    std::uint64_t bits = 0;
    static_assert(sizeof bits == sizeof time);
    std::memcpy(&bits, &time, sizeof bits);
    mix(bits);
    mix(who);
    mix(event);
    if (!invariants_ || broken_) return;
    if (time < last_time_) broken_ = true;
    last_time_ = time;
    if (event.size() > 5 && event.compare(0, 5, "done ") == 0) {
      const std::string_view name = event.substr(5, event.find(' ', 5) - 5);
      if (name == "main") ++main_done_;
      for (const std::string& seen : done_) broken_ = broken_ || seen == name;
      done_.emplace_back(name);
    }
  }

  /// The end of the run: its loop error, if any, counts as a line.
  void finish(const RunResult& run) {
    if (run.loop_error) {
      mix(*run.loop_error);
      broken_ = broken_ || invariants_;
    }
    if (invariants_ && !run.deadlock && main_done_ != 1) broken_ = true;
  }

  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }
  [[nodiscard]] bool broken() const noexcept { return broken_; }

 private:
  // Multiply-xor over 8-byte words: a line costs a few multiplications.
  void mix(std::uint64_t word) noexcept {
    hash_ = (hash_ ^ word) * 0x9E3779B97F4A7C15ULL;
    hash_ ^= hash_ >> 29;
  }
  void mix(std::string_view text) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, 8);
      mix(word);
    }
    mix(tail(text, i) ^ (static_cast<std::uint64_t>(text.size()) << 56));
  }
  // The bytes of `text` from `from` on (fewer than 8), little-endian, zero-filled: what
  // a memcpy into a zeroed word gives, read with whole loads (a memcpy of a variable
  // length is a call, and the word read back after its byte stores waits for them).
  static std::uint64_t tail(std::string_view text, std::size_t from) noexcept {
    const std::size_t left = text.size() - from;
    if (left == 0) return 0;
    const char* const data = text.data();
    std::uint64_t word = 0;
    if (text.size() >= 8) {
      // The last 8 bytes, of which the low ones were mixed already.
      std::memcpy(&word, data + text.size() - 8, 8);
      return word >> (8 * (8 - left));
    }
    // A text shorter than 8 bytes: at most a 4-, a 2- and a 1-byte piece.
    std::size_t at = 0;
    if (left & 4) {
      std::uint32_t piece = 0;
      std::memcpy(&piece, data, 4);
      word = piece;
      at = 4;
    }
    if (left & 2) {
      std::uint16_t piece = 0;
      std::memcpy(&piece, data + at, 2);
      word |= static_cast<std::uint64_t>(piece) << (8 * at);
      at += 2;
    }
    if (left & 1) word |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[at])) << (8 * at);
    return word;
  }

  bool invariants_;
  std::uint64_t hash_ = 0x243F6A8885A308D3ULL;
  bool broken_ = false;
  double last_time_ = 0.0;
  int main_done_ = 0;
  /// The names with a `done` line so far. A thread's list, kept from run to run:
  /// only the invariants' StreamCheck fills it, one run at a time.
  std::vector<std::string>& done_;
  static thread_local std::vector<std::string> spare_done_;
};
thread_local std::vector<std::string> StreamCheck::spare_done_;

RunOptions seeded_sim(const PropertyOptions& options) {
  RunOptions run;
  run.loop = LoopKind::sim;
  run.seed = options.seed;
  run.sim_choices = true;
  return run;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string_view property_name(Property property) noexcept {
  switch (property) {
    case Property::determinism: return "determinism";
    case Property::sim_vs_real: return "sim_vs_real";
    case Property::invariants: return "invariants";
    case Property::conformance: return "conformance";
  }
  return "?";
}

std::optional<Property> property_from_name(std::string_view name) noexcept {
  for (Property p : {Property::determinism, Property::sim_vs_real, Property::invariants, Property::conformance}) {
    if (property_name(p) == name) return p;
  }
  return std::nullopt;
}

CheckResult check_property(Property property, const Scenario& scenario, const PropertyOptions& options) {
  switch (property) {
    case Property::determinism: return check_determinism(scenario, options);
    case Property::sim_vs_real: return check_sim_vs_real(scenario, options);
    case Property::invariants: return check_invariants(scenario, options);
    case Property::conformance: return check_conformance(scenario, options);
  }
  return {};
}

namespace {

/// check_properties on a compiled scenario; `tree` is its tree when the caller has one,
/// else it is made when a property needs it (a full re-run, the oracle's file).
std::vector<CheckResult> check_compiled(std::span<const Property> properties, const Program& program,
                                        const Scenario* tree, const PropertyOptions& options) {
  std::optional<Scenario> made;
  const auto scenario = [&]() -> const Scenario& {
    if (tree != nullptr) return *tree;
    if (!made) made = to_scenario(program);
    return *made;
  };
  const auto wants = [&](Property p) { return std::find(properties.begin(), properties.end(), p) != properties.end(); };
  const bool determinism = wants(Property::determinism);
  const bool invariants = wants(Property::invariants);
  std::optional<CheckResult> determinism_result;
  std::optional<CheckResult> invariants_result;
  if (determinism || invariants) {
    const RunOptions run = seeded_sim(options);
    StreamCheck first(invariants);
    first.finish(run_program(program, run, &first));
    if (invariants) {
      // A broken rule is run again in full for the message; should that run keep the
      // rules, the two runs differed.
      invariants_result = first.broken() ? check_invariants(scenario(), options) : CheckResult{};
      if (first.broken() && !invariants_result->failed()) {
        invariants_result = fail("a run broke an invariant and the same run, repeated, did not (nondeterminism)\n" +
                                 invariants_result->detail);
      }
    }
    if (determinism) {
      StreamCheck second(false);
      second.finish(run_program(program, run, &second));
      // Equal hashes: equal lines. Else the full check tells (times may differ below
      // the six printed decimals and print the same).
      determinism_result = first.hash() == second.hash() ? CheckResult{} : check_determinism(scenario(), options);
    }
  }
  std::vector<CheckResult> results;
  results.reserve(properties.size());
  for (const Property property : properties) {
    if (property == Property::determinism) {
      results.push_back(*determinism_result);
    } else if (property == Property::invariants) {
      results.push_back(*invariants_result);
    } else {
      results.push_back(check_property(property, scenario(), options));
    }
  }
  return results;
}

}  // namespace

std::vector<CheckResult> check_properties(std::span<const Property> properties, const Scenario& scenario,
                                          const PropertyOptions& options) {
  return check_compiled(properties, compile(scenario), &scenario, options);
}

std::vector<CheckResult> check_properties(std::span<const Property> properties, const Program& program,
                                          const PropertyOptions& options) {
  return check_compiled(properties, program, nullptr, options);
}

OracleResult run_oracle(const std::string& oracle, const Scenario& scenario) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = fmt::format("{}/asim-oracle-XXXXXX", tmp != nullptr ? tmp : "/tmp");
  std::vector<char> pattern(base.begin(), base.end());
  pattern.push_back('\0');
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw RuntimeError("cannot create a temporary file for the oracle");
  ::close(fd);
  const std::string scenario_path(pattern.data());
  const std::string err_path = scenario_path + ".err";
  {
    std::ofstream out(scenario_path, std::ios::binary);
    out << to_json(scenario);
  }
  const bool python = oracle.size() > 3 && oracle.compare(oracle.size() - 3, 3, ".py") == 0;
  const std::string command = fmt::format("{}{} {} 2> {}", python ? "python3 " : "", python ? quote(oracle) : oracle,
                                          quote(scenario_path), quote(err_path));
  OracleResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    std::remove(scenario_path.c_str());
    throw RuntimeError(fmt::format("cannot run the oracle: {}", command));
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.err = read_file(err_path);
  std::remove(scenario_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

}  // namespace asim::props
