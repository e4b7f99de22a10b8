// SPDX-License-Identifier: MIT
// The PCT chooser and the exhaustive strategy's depth-first planner.
#include <asim/errors.hpp>
#include <asim/sim/strategy.hpp>

#include <algorithm>
#include <string>

namespace asim::sim {

std::string_view strategy_name(Strategy strategy) noexcept {
  switch (strategy) {
    case Strategy::random: return "random";
    case Strategy::pct: return "pct";
    case Strategy::exhaustive: return "exhaustive";
  }
  return "unknown";
}

Strategy parse_strategy(std::string_view name, std::string_view source) {
  for (Strategy strategy : {Strategy::random, Strategy::pct, Strategy::exhaustive}) {
    if (strategy_name(strategy) == name) return strategy;
  }
  throw ValueError(std::string(source) + ": unknown strategy '" + std::string(name) +
                   "'; expected one of random, pct, exhaustive");
}

PctChooser::PctChooser(std::uint64_t seed, std::uint32_t depth, std::uint64_t expected_choices) noexcept
    : rng_(seed), depth_(std::min<std::uint32_t>(std::max<std::uint32_t>(depth, 1), 16)) {
  const std::uint64_t span = std::max<std::uint64_t>(expected_choices, 1);
  for (std::uint32_t i = 0; i < depth_; ++i) change_points_[i] = rng_.below(span);
  std::sort(change_points_, change_points_ + depth_);
}

std::uint64_t PctChooser::choose(const Choice& choice) noexcept {
  const std::uint64_t index = index_++;
  bool change = false;
  for (std::uint32_t i = 0; i < depth_; ++i) change = change || change_points_[i] == index;
  if (!change || choice.bound <= 1) return 0;
  return 1 + rng_.below(choice.bound - 1);
}

bool ExhaustivePlanner::advance(const std::vector<RecordedChoice>& run) {
  // The candidates: choices below max_choices of an explored kind. Walk back from the
  // last one to the deepest that can take its next answer within the deviation bound.
  std::vector<const RecordedChoice*> branchable;
  for (const RecordedChoice& choice : run) {
    if (choice.index >= options_.max_choices) break;
    if (options_.kinds.test(static_cast<std::size_t>(choice.kind))) branchable.push_back(&choice);
  }
  std::size_t deviations_before = 0;
  std::vector<std::size_t> deviations_up_to(branchable.size() + 1, 0);
  for (std::size_t i = 0; i < branchable.size(); ++i) {
    deviations_up_to[i] = deviations_before;
    if (branchable[i]->answer != 0) ++deviations_before;
  }
  for (std::size_t i = branchable.size(); i-- > 0;) {
    const RecordedChoice& choice = *branchable[i];
    if (choice.answer + 1 >= choice.bound) continue;
    if (deviations_up_to[i] + 1 > options_.max_deviations) continue;
    Schedule next;
    for (std::size_t k = 0; k < i; ++k) {
      if (branchable[k]->answer != 0) next.choices.push_back(*branchable[k]);
    }
    RecordedChoice bumped = choice;
    bumped.answer += 1;
    bumped.label.clear();
    next.choices.push_back(bumped);
    prefix_ = std::move(next);
    return true;
  }
  return false;
}

}  // namespace asim::sim
