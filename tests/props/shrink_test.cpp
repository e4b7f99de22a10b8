// SPDX-License-Identifier: MIT
#include <asim/props/generators.hpp>
#include <asim/props/shrink.hpp>

#include <gtest/gtest.h>

#include <string>

namespace asim::props {
namespace {

bool contains(const std::vector<Statement>& block, Op op) {
  for (const Statement& s : block) {
    if (s.op == op || contains(s.body, op) || contains(s.handler, op)) return true;
  }
  return false;
}

/// The first seed whose scenario has `op` somewhere (and more than one statement).
std::uint64_t seed_with(Op op, const GenOptions& options) {
  for (std::uint64_t seed = 0;; ++seed) {
    const Scenario scenario = generate(seed, options);
    if (contains(scenario.main, op) && statement_count(scenario) > 3) return seed;
  }
}

TEST(Shrink, AScenarioThatFailsWhenItSpawnsShrinksToOneSpawnWithAnEmptyBody) {
  const GenOptions options;
  const std::uint64_t seed = seed_with(Op::spawn, options);
  Choices choices;
  const Scenario start = generate(seed, options, &choices);
  std::size_t calls = 0;
  const Shrunk shrunk = shrink_choices(
      choices, options,
      [&](const Scenario& s) {
        ++calls;
        return contains(s.main, Op::spawn);
      },
      2000);
  ASSERT_EQ(shrunk.scenario.main.size(), 1U) << to_json(shrunk.scenario);
  EXPECT_EQ(shrunk.scenario.main[0].op, Op::spawn);
  EXPECT_TRUE(shrunk.scenario.main[0].body.empty());
  EXPECT_LT(statement_count(shrunk.scenario), statement_count(start));
  EXPECT_EQ(shrunk.checks, calls);
  EXPECT_GT(shrunk.steps, 0U);
  // The choices build the shrunk scenario again.
  EXPECT_EQ(replay(shrunk.choices, options), shrunk.scenario);
}

TEST(Shrink, KeepsWhatTheFailureNeedsAcrossStatements) {
  // Fails when a future is both made and set: the shrunk scenario keeps both.
  const GenOptions options;
  const auto fails = [](const Scenario& s) {
    bool made = false;
    for (const Statement& st : s.main) {
      if (st.op == Op::future) made = true;
      if (made && st.op == Op::set_result) return true;
    }
    return false;
  };
  std::uint64_t seed = 0;
  while (!fails(generate(seed, options))) ++seed;
  Choices choices;
  (void)generate(seed, options, &choices);
  const Shrunk shrunk = shrink_choices(choices, options, fails, 4000);
  EXPECT_TRUE(fails(shrunk.scenario));
  ASSERT_EQ(shrunk.scenario.main.size(), 2U) << to_json(shrunk.scenario);
  EXPECT_EQ(shrunk.scenario.main[0].op, Op::future);
  EXPECT_EQ(shrunk.scenario.main[1].op, Op::set_result);
}

TEST(Shrink, StopsAfterTheBudget) {
  const GenOptions options;
  Choices choices;
  (void)generate(seed_with(Op::spawn, options), options, &choices);
  std::size_t calls = 0;
  const Shrunk shrunk = shrink_choices(
      choices, options,
      [&](const Scenario&) {
        ++calls;
        return true;
      },
      5);
  EXPECT_EQ(calls, 5U);
  EXPECT_EQ(shrunk.checks, 5U);
}

TEST(Shrink, AScenarioThatOnlyItselfFailsStaysAsItWas) {
  const GenOptions options;
  Choices choices;
  const Scenario start = generate(3, options, &choices);
  const std::string json = to_json(start);
  const Shrunk shrunk = shrink_choices(
      choices, options, [&](const Scenario& s) { return to_json(s) == json; }, 400);
  // Steps may still be taken: fewer choices can build the same scenario (a draw that
  // found no name to use, and was drawn again, is not needed).
  EXPECT_EQ(shrunk.scenario, start);
  EXPECT_LE(shrunk.choices.size(), choices.size());
}

}  // namespace
}  // namespace asim::props
