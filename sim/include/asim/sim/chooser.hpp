// SPDX-License-Identifier: MIT
// Chooser: the single source of every nondeterministic choice of the simulated loop.
#pragma once

#include <cstdint>
#include <string_view>

namespace asim::sim {

/// What a choice decides. Answer 0 always means what CPython does on an idle machine
/// (on time, arming order, no fault, the first element), so a schedule shrinks
/// towards 0 and its non-zero answers read as "the few things that went differently".
enum class ChoiceKind : std::uint8_t {
  /// Which of the timers due at one deadline runs next: an index among those left, in
  /// arming order (0: the earliest armed, CPython's heap order).
  timer_tie,
  /// How late the loop wakes for its next timer: an index into the lateness ladder
  /// (0: on time).
  lateness,
  /// Time that passes before a ready callback runs (a slow callback, a preempted
  /// process): an index into the same ladder (0: none).
  stall,
  /// Whether the loop stalls (or wakes late) exactly until the next armed timeout of
  /// `wait_for`, `timeout` or `wait`, so that it expires in the same iteration as the
  /// work it guards (0: no).
  timeout_race,
  /// The position of an I/O event among those delivered by one poll.
  io_order,
  /// When an executor job completes: an index into the lateness ladder.
  executor,
  /// A user's draw through `asim::random` (0: the low end, false, the first element).
  random,
  /// Whether a `buggify` site is enabled for this run (0: no).
  buggify_enable,
  /// Whether an enabled `buggify` site fires this time (0: no).
  buggify_fire,
  /// A simulated network's latency, loss, duplication, reordering.
  net_latency,
  net_loss,
  net_duplicate,
  net_reorder,
  /// A simulated host crash point (0: no crash).
  crash,
  /// The suspension at which a cancellation-point sweep cancels its task (a fixed
  /// answer, recorded so that reports and replays name it).
  cancel_point,
  /// A simulated host's clock skew or drift (Network::choose_clock): a rung of the
  /// ladder, positive for answers 1..9, negative for 10..18 (0: the loop's own clock).
  clock,
};

/// The number of ChoiceKind values.
inline constexpr std::size_t choice_kind_count = 16;

/// The stable name of a kind ("timer_tie", ...), used in schedule strings and reports.
[[nodiscard]] std::string_view choice_kind_name(ChoiceKind kind) noexcept;
/// The kind named `name`; false when there is none.
[[nodiscard]] bool choice_kind_from_name(std::string_view name, ChoiceKind& kind) noexcept;

/// One question put to a chooser.
struct Choice {
  ChoiceKind kind = ChoiceKind::timer_tie;
  /// Answers lie in [0, bound); bound is at least 2 (a single answer is no choice).
  std::uint64_t bound = 2;
  /// How often a random strategy answers something other than 0, in units of 2^-32
  /// (`chance(0.05)`); 0 means uniformly over [0, bound). Most decisions of a busy
  /// machine are the idle machine's: a few late timers, not every one.
  std::uint32_t nonzero_chance = 0;
  /// What is decided, for reports ("timer of 'reader' due at 0.010 s", a buggify site,
  /// a user's label). May be empty; valid only during the call.
  std::string_view label = {};
};

/// A probability as Choice::nonzero_chance (clamped to [0, 1]; 0 stays "uniform").
[[nodiscard]] constexpr std::uint32_t chance(double probability) noexcept {
  if (!(probability > 0)) return 0;
  if (probability >= 1) return 0xffffffffU;
  const auto scaled = static_cast<std::uint32_t>(probability * 4294967296.0);
  return scaled == 0 ? 1 : scaled;
}

/// Picks answers for the simulated loop. Every nondeterministic decision goes through
/// `choose`, so a chooser fully determines a schedule. Strategies (random, PCT,
/// exhaustive, replay of a saved schedule, rapidcheck) are choosers.
///
/// Ground rules: `choose` is called on the loop's thread, in a deterministic sequence
/// for a given program and answers; it must not throw (it runs inside noexcept loop
/// hooks). An answer out of range is clamped by the loop.
class Chooser {
 public:
  virtual ~Chooser() = default;
  /// An answer in [0, choice.bound). 0 is the CPython choice.
  virtual std::uint64_t choose(const Choice& choice) noexcept = 0;
};

/// Always 0: CPython's order (arming order on ties, never late, no fault).
class FifoChooser final : public Chooser {
 public:
  std::uint64_t choose(const Choice& /*choice*/) noexcept override { return 0; }
};

/// splitmix64: expands a seed into well-mixed 64-bit words (Vigna's constants).
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// xoshiro256**, seeded through splitmix64. Our own code so that the same seed gives
/// the same numbers with every compiler and standard library.
class Xoshiro256 {
 public:
  explicit constexpr Xoshiro256(std::uint64_t seed) noexcept {
    std::uint64_t state = seed;
    for (std::uint64_t& word : s_) word = splitmix64(state);
  }

  /// The next 64 random bits.
  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// A uniform number in [0, bound) (Lemire's multiply-and-reject; no modulo bias).
  /// `bound` 0 or 1 gives 0.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    if (bound <= 1) return 0;
    std::uint64_t high = 0;
    std::uint64_t low = multiply(next(), bound, high);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) low = multiply(next(), bound, high);
    }
    return high;
  }

  /// An answer to `choice` with its distribution: uniform, or 0 except with
  /// probability `nonzero_chance`, then uniform over the non-zero answers.
  constexpr std::uint64_t answer(const Choice& choice) noexcept {
    if (choice.nonzero_chance == 0) return below(choice.bound);
    if ((next() >> 32) >= choice.nonzero_chance) return 0;
    return 1 + below(choice.bound - 1);
  }

 private:
  // The full 128-bit product of a and b: returns the low word, stores the high one.
  static constexpr std::uint64_t multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& high) noexcept {
    const std::uint64_t a_lo = a & 0xffffffffULL;
    const std::uint64_t a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffULL;
    const std::uint64_t b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffULL) + lo_hi;
    high = a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
    return (cross << 32) | (lo_lo & 0xffffffffULL);
  }
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4] = {};
};

/// The default chooser (the `random` strategy): answers drawn from xoshiro256**
/// seeded with the loop's seed, with each choice's distribution.
class PrngChooser final : public Chooser {
 public:
  explicit PrngChooser(std::uint64_t seed) noexcept : rng_(seed) {}
  std::uint64_t choose(const Choice& choice) noexcept override { return rng_.answer(choice); }

 private:
  Xoshiro256 rng_;
};

}  // namespace asim::sim
