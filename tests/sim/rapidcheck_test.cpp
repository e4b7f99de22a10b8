// SPDX-License-Identifier: MIT
// The rapidcheck glue: inputs and schedule are drawn by rapidcheck and shrink together.
#include <asim/asim.hpp>
#include <asim/sim/rapidcheck.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace {

using asim::sim::SimLoop;
using asim::sim::SimOptions;

// A racy register: `writers` tasks each sleep until the same instant and write
// their id. In CPython's order the last-armed writer writes last; the check (made only
// from three writers on) fails when the timers due together run so that another
// writer writes last.
asim::Coro<void> racy_counter(int writers, std::vector<int>* log) {
  int value = 0;
  std::vector<asim::Task<void>> tasks;
  for (int i = 0; i < writers; ++i) {
    tasks.push_back(asim::create_task([](int* shared, int id, std::vector<int>* out) -> asim::Coro<void> {
      co_await asim::sleep(0.01);
      *shared = id;
      out->push_back(id);
    }(&value, i, log)));
  }
  for (auto& task : tasks) co_await task;
  // The last writer in arming order must win, as in CPython's order.
  if (writers >= 3 && value != writers - 1) throw asim::RuntimeError("a write went out of order");
}

// Only timer ties are chosen, so the schedule is a list of tie answers.
SimOptions ties_only() {
  SimOptions options = SimOptions::cpython();
  options.choose_timer_ties = true;
  return options;
}

TEST(Rapidcheck, AFailingPropertyShrinksInputsAndScheduleTogetherToTheMinimum) {
  rc::detail::TestParams params;
  params.seed = 7;
  params.maxSuccess = 200;
  const auto result = rc::detail::checkTestable(
      [] {
        const int writers = *rc::gen::inRange(0, 50);
        std::vector<int> log;
        asim::sim::check_on_sim([&](SimLoop&) { return racy_counter(writers, &log); }, ties_only());
      },
      rc::detail::TestMetadata{}, params);
  rc::detail::FailureResult failure;
  ASSERT_TRUE(result.match(failure)) << "the property did not fail";
  // The minimum: three writers (fewer are never checked) and one word, 2, at the first
  // choice: of the three timers due together the third-armed runs first (answer 1, the
  // second first, still leaves the last-armed writer writing last).
  ASSERT_EQ(failure.counterExample.size(), 2U);
  EXPECT_EQ(failure.counterExample[0].second, "3");
  EXPECT_EQ(failure.counterExample[1].second, "[2]");
  EXPECT_NE(failure.description.find("a write went out of order"), std::string::npos) << failure.description;
  EXPECT_NE(failure.description.find("ASIM_SCHEDULE=0:timer_tie=2"), std::string::npos) << failure.description;
}

RC_GTEST_PROP(Rapidcheck, APropertyThatHoldsPassesOnEveryDrawnSchedule, (unsigned small)) {
  const int writers = static_cast<int>(small % 3);  // 0, 1 or 2 writers: never checked
  std::vector<int> log;
  asim::sim::check_on_sim([&](SimLoop&) { return racy_counter(writers, &log); });
  RC_ASSERT(static_cast<int>(log.size()) == writers);
}

}  // namespace
