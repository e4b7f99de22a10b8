// SPDX-License-Identifier: MIT
#include <asim/props/generators.hpp>
#include <asim/props/properties.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace asim::props {
namespace {

std::string show(const CheckResult& r) { return r.detail; }

RC_GTEST_PROP(Properties, TwoRunsWithOneSeedPrintTheSameTrace, ()) {
  const Scenario scenario = *scenario_gen();
  PropertyOptions options;
  options.seed = *rc::gen::inRange<std::uint64_t>(0, 1000);
  const CheckResult result = check_property(Property::determinism, scenario, options);
  RC_ASSERT(!result.failed());
}

RC_GTEST_PROP(Properties, InvariantsHoldOnEveryGeneratedScenario, ()) {
  const Scenario scenario = *scenario_gen();
  PropertyOptions options;
  options.seed = *rc::gen::inRange<std::uint64_t>(0, 1000);
  const CheckResult result = check_property(Property::invariants, scenario, options);
  RC_LOG() << result.detail;
  RC_ASSERT(!result.failed());
}

TEST(Properties, TheSimulatedAndTheRealLoopAgreeOnAFewCoarseScenarios) {
  GenOptions gen;
  gen.coarse = true;
  gen.size = 6;
  PropertyOptions options;
  options.time_scale = 0.02;
  // Few and small: each runs on the wall clock.
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const CheckResult result = check_property(Property::sim_vs_real, generate(seed, gen), options);
    EXPECT_FALSE(result.failed()) << "seed " << seed << "\n" << show(result);
  }
}

TEST(Properties, GeneratedScenariosConformToCPython) {
  if (!std::filesystem::exists(ASIM_PROPS_ORACLE) || std::system("python3 -c pass > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no python3 or no runner at " << ASIM_PROPS_ORACLE;
  }
  PropertyOptions options;
  options.oracle = ASIM_PROPS_ORACLE;
  int checked = 0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const CheckResult result = check_property(Property::conformance, generate(seed), options);
    EXPECT_FALSE(result.failed()) << "seed " << seed << "\n" << show(result);
    checked += result.passed() ? 1 : 0;
  }
  EXPECT_GT(checked, 0);
}

/// Gathers used as futures in a scenario: gathers of gathers, shields of gathers,
/// as_completed and set_result/set_exception over gathers.
struct GatherUses {
  std::set<std::string> gathers;
  int nested = 0;

  void scan(const std::vector<Statement>& block) {
    for (const Statement& s : block) {
      const bool combines = s.op == Op::gather || s.op == Op::as_completed;
      for (const std::string& t : s.targets) nested += (combines && gathers.count(t) > 0) ? 1 : 0;
      const bool uses = s.op == Op::shield || s.op == Op::set_result || s.op == Op::set_exception;
      nested += (uses && gathers.count(s.target) > 0) ? 1 : 0;
      if (s.op == Op::gather) gathers.insert(*s.name);
      scan(s.body);
      scan(s.handler);
    }
  }
};

TEST(Properties, GeneratedScenariosWithNestedGathersConformToCPython) {
  if (!std::filesystem::exists(ASIM_PROPS_ORACLE) || std::system("python3 -c pass > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no python3 or no runner at " << ASIM_PROPS_ORACLE;
  }
  PropertyOptions options;
  options.oracle = ASIM_PROPS_ORACLE;
  int found = 0;
  int checked = 0;
  // The first eight seeds (of a bounded range) whose scenario puts a gather inside a
  // gather, a shield, as_completed or set_result: the cases typed gathers could not run.
  for (std::uint64_t seed = 0; seed < 400 && found < 8; ++seed) {
    const Scenario scenario = generate(seed);
    GatherUses uses;
    uses.scan(scenario.main);
    if (uses.nested == 0) continue;
    ++found;
    const CheckResult result = check_property(Property::conformance, scenario, options);
    EXPECT_FALSE(result.failed()) << "seed " << seed << "\n" << show(result);
    checked += result.passed() ? 1 : 0;
  }
  EXPECT_EQ(found, 8);
  EXPECT_GT(checked, 0);
}

TEST(Properties, AFailingRunnerIsAFailureAndAnExitThreeIsASkip) {
  const Scenario scenario = generate(0);
  PropertyOptions options;
  options.oracle = "sh -c 'exit 3'";
  EXPECT_EQ(check_property(Property::conformance, scenario, options).status, CheckResult::Status::skip);
  options.oracle = "sh -c 'echo tie >&2'";
  EXPECT_EQ(check_property(Property::conformance, scenario, options).status, CheckResult::Status::skip);
  options.oracle = "sh -c 'exit 1'";
  EXPECT_EQ(check_property(Property::conformance, scenario, options).status, CheckResult::Status::fail);
  options.oracle = "sh -c 'echo nonsense'";
  EXPECT_EQ(check_property(Property::conformance, scenario, options).status, CheckResult::Status::fail);
}

TEST(Properties, CheckedTogetherThePropertiesGiveWhatEachCheckGives) {
  const std::vector<Property> properties = {Property::invariants, Property::determinism, Property::conformance};
  PropertyOptions options;
  options.oracle = "sh -c 'exit 1'";  // a failing runner: conformance fails, the others pass
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    options.seed = seed;
    const Scenario scenario = generate(seed);
    for (const std::vector<CheckResult>& together : {check_properties(properties, generate_program(seed), options),
                                                     check_properties(properties, scenario, options)}) {
      ASSERT_EQ(together.size(), properties.size());
      for (std::size_t i = 0; i < properties.size(); ++i) {
        const CheckResult alone = check_property(properties[i], scenario, options);
        EXPECT_EQ(together[i].status, alone.status) << "seed " << seed << " " << property_name(properties[i]);
        EXPECT_EQ(together[i].detail, alone.detail) << "seed " << seed << " " << property_name(properties[i]);
      }
      EXPECT_TRUE(together[0].passed());
      EXPECT_TRUE(together[1].passed());
      EXPECT_TRUE(together[2].failed());
    }
  }
}

TEST(Properties, NamesRoundTrip) {
  for (Property p : {Property::determinism, Property::sim_vs_real, Property::invariants, Property::conformance}) {
    EXPECT_EQ(property_from_name(property_name(p)), p);
  }
}

}  // namespace
}  // namespace asim::props
