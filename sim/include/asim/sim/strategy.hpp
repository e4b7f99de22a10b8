// SPDX-License-Identifier: MIT
// Exploration strategies beyond the seeded PRNG: PCT and bounded exhaustive search.
#pragma once

#include <asim/sim/chooser.hpp>
#include <asim/sim/schedule.hpp>

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace asim::sim {

/// How a sweep draws its choices.
enum class Strategy : std::uint8_t {
  /// Each seed draws every choice from a PRNG with the choice's own distribution.
  random,
  /// Probabilistic concurrency testing adapted to the choice stream: CPython's answer
  /// everywhere except at `depth` change points placed uniformly at random among the
  /// choices a run makes, where the answer is a random non-zero one. A bug that needs
  /// d specific deviations is found with probability at least 1 / (n^d * b^d) per run
  /// (n choices, b answers each), whatever the rest of the run does.
  pct,
  /// Depth-first over the tree of choices: every schedule with at most
  /// `max_deviations` non-zero answers among the first `max_choices` choices of the
  /// explored kinds. It ends with "explored all N schedules" (a proof for that bound)
  /// or with the first failure.
  exhaustive,
};

/// "random", "pct", "exhaustive".
[[nodiscard]] std::string_view strategy_name(Strategy strategy) noexcept;
/// Parses a strategy name; throws ValueError naming `source` and the valid names.
[[nodiscard]] Strategy parse_strategy(std::string_view name, std::string_view source = "strategy");

/// Options of the PCT strategy.
struct PctOptions {
  /// Change points per run (PCT's d); at least 1.
  std::uint32_t depth = 3;
};

/// Options of the exhaustive strategy.
struct ExhaustiveOptions {
  /// At most this many non-zero answers per schedule (the bound of the proof).
  std::uint32_t max_deviations = 2;
  /// Only the first this many choices of a run are branched on; later ones are 0.
  std::uint64_t max_choices = 64;
  /// The kinds branched on; other kinds are always answered 0. By default every kind
  /// but the lateness ladders (lateness, stall, executor), whose many rungs would
  /// swamp the search; add them to explore timing too.
  std::bitset<choice_kind_count> kinds = default_kinds();

  [[nodiscard]] static std::bitset<choice_kind_count> default_kinds() noexcept {
    std::bitset<choice_kind_count> kinds;
    kinds.set();
    kinds.reset(static_cast<std::size_t>(ChoiceKind::lateness));
    kinds.reset(static_cast<std::size_t>(ChoiceKind::stall));
    kinds.reset(static_cast<std::size_t>(ChoiceKind::executor));
    return kinds;
  }
};

/// The PCT chooser of one run.
class PctChooser final : public Chooser {
 public:
  /// `expected_choices`: how many choices a run makes (the sweep learns it from
  /// earlier runs); change points fall in [0, expected_choices).
  PctChooser(std::uint64_t seed, std::uint32_t depth, std::uint64_t expected_choices) noexcept;
  std::uint64_t choose(const Choice& choice) noexcept override;

 private:
  Xoshiro256 rng_;
  std::uint64_t change_points_[16] = {};
  std::uint32_t depth_ = 0;
  std::uint64_t index_ = 0;
};

/// Plans the exhaustive strategy's runs: each run replays a prefix of answers (0 after
/// it), and the recorded run tells which prefix comes next.
class ExhaustivePlanner {
 public:
  explicit ExhaustivePlanner(ExhaustiveOptions options) : options_(options) {}
  /// The chooser for the next run: answers the current prefix, then 0; only kinds in
  /// `options.kinds` take prefix answers.
  [[nodiscard]] const Schedule& prefix() const noexcept { return prefix_; }
  /// Given the run just made (recorded with zeros below max_choices), moves to the
  /// next schedule; false when every schedule within the bound has run.
  bool advance(const std::vector<RecordedChoice>& run);
  [[nodiscard]] const ExhaustiveOptions& options() const noexcept { return options_; }

 private:
  ExhaustiveOptions options_;
  Schedule prefix_;
};

}  // namespace asim::sim
