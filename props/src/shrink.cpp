// SPDX-License-Identifier: MIT
// Shrinking over choices: the generator turns any list of choices into a valid
// scenario, so edits of the list never produce an invalid one, and a pick that
// shrinks toward 0 makes a simpler statement (see generators.cpp).
#include <asim/props/shrink.hpp>

#include <algorithm>
#include <utility>

namespace asim::props {

namespace {

/// Trailing zeros are what a replay answers past the end anyway: drop them.
void trim(Choices& choices) {
  while (!choices.empty() && choices.back() == 0) choices.pop_back();
}

/// Fewer choices, or as many and smaller at the first difference.
bool simpler(const Choices& a, const Choices& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

class Shrinker {
 public:
  Shrinker(const GenOptions& options, const std::function<bool(const Scenario&)>& fails, std::size_t max_checks)
      : options_(options), fails_(fails), max_checks_(max_checks) {}

  Shrunk run(const Choices& start) {
    Choices used;
    best_.scenario = replay(start, options_, &used);
    trim(used);
    best_.choices = std::move(used);
    bool progressed = true;
    while (progressed && !exhausted()) {
      progressed = false;
      for (std::size_t k : {8U, 4U, 2U, 1U}) progressed = remove_runs(k) || progressed;
      progressed = lower_each() || progressed;
    }
    return std::move(best_);
  }

 private:
  [[nodiscard]] bool exhausted() const { return best_.checks >= max_checks_; }

  /// Tries `candidate`; keeps it when it is simpler and still fails.
  bool attempt(const Choices& candidate) {
    if (exhausted()) return false;
    Choices used;
    Scenario scenario = replay(candidate, options_, &used);
    trim(used);
    if (!simpler(used, best_.choices)) return false;
    ++best_.checks;
    if (!fails_(scenario)) return false;
    ++best_.steps;
    best_.scenario = std::move(scenario);
    best_.choices = std::move(used);
    return true;
  }

  bool remove_runs(std::size_t k) {
    bool any = false;
    for (std::size_t i = 0; i + k <= best_.choices.size() && !exhausted();) {
      Choices candidate = best_.choices;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(i),
                      candidate.begin() + static_cast<std::ptrdiff_t>(i + k));
      if (attempt(candidate)) {
        any = true;  // the same place now holds the next run
      } else {
        ++i;
      }
    }
    return any;
  }

  bool lower_each() {
    bool any = false;
    for (std::size_t i = 0; i < best_.choices.size() && !exhausted(); ++i) {
      for (;;) {
        const std::uint32_t value = i < best_.choices.size() ? best_.choices[i] : 0;
        if (value == 0) break;
        bool lowered = false;
        for (const std::uint32_t smaller : {0U, value / 2, value - 1}) {
          if (smaller >= value || exhausted()) continue;
          Choices candidate = best_.choices;
          candidate[i] = smaller;
          if (attempt(candidate)) {
            lowered = true;
            break;
          }
        }
        if (!lowered) break;
        any = true;
      }
    }
    return any;
  }

  GenOptions options_;
  const std::function<bool(const Scenario&)>& fails_;
  std::size_t max_checks_;
  Shrunk best_;
};

}  // namespace

Shrunk shrink_choices(const Choices& choices, const GenOptions& options,
                      const std::function<bool(const Scenario&)>& fails, std::size_t max_checks) {
  return Shrinker(options, fails, max_checks).run(choices);
}

}  // namespace asim::props
