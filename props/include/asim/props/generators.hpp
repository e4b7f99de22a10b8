// SPDX-License-Identifier: MIT
// Generated scenarios: rapidcheck generators that build scenarios statement by
// statement, so rapidcheck can shrink a failing one.
#pragma once

#include <asim/props/scenario.hpp>

#include <rapidcheck.h>

#include <cstdint>
#include <iosfwd>

namespace asim::props {

struct GenOptions {
  /// Upper bound on the statements of `main`; nested bodies stay small.
  int size = 12;
  /// Delays far apart (multiples of 1/4 s) for comparisons with the real loop,
  /// where the wall clock adds latency; otherwise multiples of 1/512 s.
  bool coarse = false;
};

/// Picks the integers a generator is built from: rapidcheck inside a property,
/// a fixed seed in `asim gen`.
class Picker {
 public:
  virtual ~Picker() = default;
  /// An integer in [lo, hi] (inclusive). Shrinks toward lo.
  virtual int pick(int lo, int hi) = 0;
};

/// Builds one scenario from `picker`'s choices. Always valid (it parses back) and
/// finite; tasks are named t1.., futures f1.., gathers g1.., shields s1.., handles
/// h1.., locks lk1.., semaphores sm1.., events e1.., queues q1...
///
/// Ground rules: a statement refers only to names made before it in generation
/// order, and never makes a task wait on a gather or shield that contains the task
/// (a cancel cycle), so runs are meaningful rather than all NameError.
[[nodiscard]] Scenario build_scenario(Picker& picker, const GenOptions& options);

/// The rapidcheck generator of scenarios; shrinks toward fewer, simpler statements.
[[nodiscard]] rc::Gen<Scenario> scenario_gen(GenOptions options = {});

/// The scenario for `seed` (what `asim gen --seed N` prints): scenario_gen sampled
/// with rc::Random(seed). Same seed, same scenario, on every platform.
[[nodiscard]] Scenario generate(std::uint64_t seed, GenOptions options = {});

/// The same as a Shrinkable, for shrinking a failing case outside rapidcheck.
[[nodiscard]] rc::Shrinkable<Scenario> generate_shrinkable(std::uint64_t seed, GenOptions options = {});

/// How rapidcheck prints a counterexample: the scenario's JSON.
void showValue(const Scenario& scenario, std::ostream& out);

}  // namespace asim::props

namespace rc {
/// `rc::gen::arbitrary<Scenario>()` for RC_GTEST_PROP.
template <>
struct Arbitrary<asim::props::Scenario> {
  static Gen<asim::props::Scenario> arbitrary() { return asim::props::scenario_gen(); }
};
}  // namespace rc
