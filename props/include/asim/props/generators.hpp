// SPDX-License-Identifier: MIT
// Generated scenarios, built statement by statement from a stream of picks: a seeded
// stream (`generate`, `asim check`), recorded picks (`replay`, for shrinking) or
// rapidcheck (`scenario_gen`, in property tests).
#pragma once

#include <asim/props/program.hpp>
#include <asim/props/scenario.hpp>

#include <rapidcheck.h>

#include <cstdint>
#include <iosfwd>
#include <utility>
#include <vector>

namespace asim::props {

struct GenOptions {
  /// Upper bound on the statements of `main`; nested bodies stay small.
  int size = 12;
  /// Delays far apart (multiples of 1/4 s) for comparisons with the real loop,
  /// where the wall clock adds latency; otherwise multiples of 1/512 s.
  bool coarse = false;
};

/// Picks the integers a generator is built from: rapidcheck inside a property,
/// a seeded stream in `asim gen` and `asim check`.
class Picker {
 public:
  virtual ~Picker() = default;
  /// An integer in [lo, hi] (inclusive). Shrinks toward lo.
  virtual int pick(int lo, int hi) = 0;
};

/// The picks a scenario was built from, each as its offset above the pick's lo (a pick
/// with lo == hi is not a choice and is not recorded). Smaller offsets and fewer picks
/// make simpler scenarios: shrinking works on these.
using Choices = std::vector<std::uint32_t>;

/// Picks from a stream seeded by `seed` (SplitMix64): the same picks on every platform
/// and compiler. Records the offsets into `record` when given.
class SeededPicker final : public Picker {
 public:
  explicit SeededPicker(std::uint64_t seed, Choices* record = nullptr) noexcept : state_(seed), record_(record) {}
  int pick(int lo, int hi) override;

 private:
  std::uint64_t state_;
  Choices* record_;
};

/// Replays recorded choices. Past their end every pick is lo; an offset beyond a
/// pick's range wraps around (shrinking edits choices, so a recorded offset may meet
/// another pick). Remembers the offsets it actually used.
class ReplayPicker final : public Picker {
 public:
  explicit ReplayPicker(const Choices& choices) noexcept : choices_(choices) {}
  int pick(int lo, int hi) override;
  [[nodiscard]] Choices take_used() noexcept { return std::move(used_); }

 private:
  const Choices& choices_;
  std::size_t next_ = 0;
  Choices used_;
};

/// Builds one scenario from `picker`'s choices. Always valid (it parses back) and
/// finite; tasks are named t1.., futures f1.., gathers g1.., shields s1.., handles
/// h1.., locks lk1.., semaphores sm1.., events e1.., queues q1...
///
/// Ground rules: a statement refers only to names made before it in generation
/// order, and never makes a task wait on a gather or shield that contains the task
/// (a cancel cycle), so runs are meaningful rather than all NameError.
[[nodiscard]] Scenario build_scenario(Picker& picker, const GenOptions& options);
/// The same scenario built straight into a Program (names bound to slots as they are
/// made), without a tree: to_scenario(build_program(...)) is build_scenario(...).
[[nodiscard]] Program build_program(Picker& picker, const GenOptions& options);

/// The rapidcheck generator of scenarios; shrinks toward fewer, simpler statements.
[[nodiscard]] rc::Gen<Scenario> scenario_gen(GenOptions options = {});

/// The scenario for `seed` (what `asim gen --seed N` prints and `asim check` checks):
/// build_scenario over a SeededPicker. Same seed, same scenario, on every platform.
/// With `choices`, the picks are recorded there (replay(choices) builds it again).
[[nodiscard]] Scenario generate(std::uint64_t seed, GenOptions options = {}, Choices* choices = nullptr);

/// generate(seed) as a Program, without the tree (what `asim check` runs). Its slots
/// are numbered in the order names are made, not as compile() numbers them; the runs
/// and the traces are the same.
[[nodiscard]] Program generate_program(std::uint64_t seed, GenOptions options = {}, Choices* choices = nullptr);
/// The same into `program`, whose contents are replaced and whose buffers are reused
/// (`asim check` keeps one Program from seed to seed: no allocation once it has grown).
void generate_program(std::uint64_t seed, const GenOptions& options, Program& program);

/// The tree of a Program (its names and texts as strings): compile(to_scenario(p))
/// runs as p does, and for a program compile() made, to_scenario gives the tree back.
[[nodiscard]] Scenario to_scenario(const Program& program);

/// The scenario that `choices` build (see ReplayPicker); `used` receives the choices
/// actually used, which build the same scenario.
[[nodiscard]] Scenario replay(const Choices& choices, GenOptions options = {}, Choices* used = nullptr);

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
