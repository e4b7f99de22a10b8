// SPDX-License-Identifier: MIT
// Chooser: the single source of every nondeterministic choice of the simulated loop.
#pragma once

#include <cstdint>

namespace asim::sim {

/// What a choice decides; a chooser may treat kinds differently (props record them).
enum class ChoiceKind : std::uint8_t {
  /// The order of timers whose deadlines are equal: a key in [0, bound), lower first.
  timer_tie,
  /// How late (in nanoseconds, [0, bound)) the poller wakes after its timeout.
  lateness,
  /// The position of an I/O event among those delivered by one poll.
  io_order,
};

/// Picks numbers for the simulated loop. Every nondeterministic decision goes through
/// `choose`, so a chooser fully determines a schedule: the default is a seeded PRNG;
/// props implement it on top of rapidcheck so that schedules shrink (towards 0, which
/// always means "the order CPython would take").
///
/// Ground rules: `choose` is called on the loop's thread, in a deterministic sequence
/// for a given program; it must not throw (it runs inside noexcept loop hooks).
class Chooser {
 public:
  virtual ~Chooser() = default;
  /// A number in [0, bound); `bound` is at least 1. 0 is the CPython choice.
  virtual std::uint64_t choose(ChoiceKind kind, std::uint64_t bound) noexcept = 0;
};

/// Always 0: CPython's order (FIFO on ties, never late).
class FifoChooser final : public Chooser {
 public:
  std::uint64_t choose(ChoiceKind /*kind*/, std::uint64_t /*bound*/) noexcept override { return 0; }
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

/// The default chooser: uniform choices from xoshiro256** seeded with the loop's seed.
class PrngChooser final : public Chooser {
 public:
  explicit PrngChooser(std::uint64_t seed) noexcept : rng_(seed) {}
  std::uint64_t choose(ChoiceKind /*kind*/, std::uint64_t bound) noexcept override { return rng_.below(bound); }

 private:
  Xoshiro256 rng_;
};

}  // namespace asim::sim
