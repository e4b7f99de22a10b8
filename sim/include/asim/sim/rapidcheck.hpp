// SPDX-License-Identifier: MIT
// rapidcheck glue: a property runs its body on a SimLoop whose choices rapidcheck
// draws, so the inputs and the schedule of a failing case shrink together.
#pragma once

#include <asim/coro.hpp>
#include <asim/sim/schedule.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace asim::sim {

/// The words a rapidcheck-driven schedule is made of: one per choice, in order; most
/// are 0 (CPython's answer), and rapidcheck shrinks the vector shorter and each word
/// toward 0, which moves the schedule toward CPython's order.
[[nodiscard]] inline rc::Gen<std::vector<std::uint64_t>> schedule_words() {
  return rc::gen::container<std::vector<std::uint64_t>>(rc::gen::weightedOneOf<std::uint64_t>(
      {{9, rc::gen::just<std::uint64_t>(0)}, {1, rc::gen::inRange<std::uint64_t>(1, 64)}}));
}

/// A chooser that answers from rapidcheck's words: the i-th choice gets words[i],
/// clamped into its range (so a word keeps its meaning whatever the range, and a
/// shrinking word walks the answer down to 0), and every choice past the words is 0.
class RapidcheckChooser final : public Chooser {
 public:
  explicit RapidcheckChooser(const std::vector<std::uint64_t>& words) noexcept : words_(&words) {}
  std::uint64_t choose(const Choice& choice) noexcept override {
    const std::size_t index = next_++;
    if (index >= words_->size() || choice.bound <= 1) return 0;
    return std::min((*words_)[index], choice.bound - 1);
  }

 private:
  const std::vector<std::uint64_t>* words_;
  std::size_t next_ = 0;
};

/// Inside a rapidcheck property (`RC_GTEST_PROP`, `rc::check`): draws a schedule from
/// rapidcheck, runs `body(loop)` (a coroutine returning asim::Coro<T>) to completion
/// on a SimLoop that answers from it, and fails the property (RC_FAIL) with the
/// failure and the schedule when the body throws, deadlocks, hits a limit or breaks an
/// invariant. Draw the inputs before calling it; rapidcheck then shrinks inputs and
/// schedule together. Unset limits get the sweep's defaults so that a livelock fails.
///
///     RC_GTEST_PROP(Cache, NeverServesStale, (std::vector<int> writes)) {
///       asim::sim::check_on_sim([&](asim::sim::SimLoop&) { return run_cache(writes); });
///     }
template <class Body>
void check_on_sim(Body&& body, SimOptions options = {}) {
  const std::vector<std::uint64_t> words = *schedule_words();
  RapidcheckChooser source(words);
  RecordingChooser recorder(source);
  options.chooser = &recorder;
  const SweepOptions defaults;
  if (options.max_steps == 0) options.max_steps = defaults.default_max_steps;
  if (options.max_virtual_time == std::numeric_limits<double>::infinity()) {
    options.max_virtual_time = defaults.default_max_virtual_time;
  }
  std::string failure;
  {
    SimLoop loop(0, options);
    try {
      loop.run_until_complete(body(loop));
    } catch (...) {
      failure = detail::describe_failure(std::current_exception());
    }
  }
  if (!failure.empty()) {
    RC_FAIL(failure + "\nschedule (" + std::to_string(recorder.schedule().size()) +
            " choices differ from CPython's order): ASIM_SCHEDULE=" + recorder.schedule().to_string());
  }
}

}  // namespace asim::sim
