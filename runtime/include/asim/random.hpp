// SPDX-License-Identifier: MIT
// asim::random: randomness for code that runs on either loop. On the simulated loop
// every draw is a recorded choice of the loop's Chooser (replayed with the schedule,
// shrunk toward the low end, false, the first element); elsewhere a real generator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace asim::random {

namespace detail {
/// An answer in [0, bound) (bound >= 2): from the running loop's instrument (the
/// simulator's chooser) when it has one, else from a per-thread real generator.
/// `nonzero_chance` in units of 2^-32 (0: uniform).
std::uint64_t draw(std::uint64_t bound, std::uint32_t nonzero_chance, std::string_view label);
}  // namespace detail

/// A uniform integer in [low, high], both included (Python's random.randint).
/// Throws ValueError when low > high.
std::int64_t uniform_int(std::int64_t low, std::int64_t high, std::string_view label = "uniform_int");

/// A uniform real in [low, high) with 53 random bits (Python's random.uniform).
/// Throws ValueError when either bound is not finite or low > high.
double uniform_real(double low, double high, std::string_view label = "uniform_real");

/// True with probability `p` (0 <= p <= 1; ValueError otherwise).
bool bernoulli(double p, std::string_view label = "bernoulli");

/// A uniform index in [0, size) (Python's random.randrange(size)); ValueError for 0.
std::size_t index(std::size_t size, std::string_view label = "index");

/// A uniform element of a non-empty sized range (Python's random.choice); ValueError
/// when it is empty.
template <class Range>
decltype(auto) pick(Range&& range, std::string_view label = "pick") {
  auto first = std::begin(range);
  std::advance(first, static_cast<std::ptrdiff_t>(index(static_cast<std::size_t>(std::size(range)), label)));
  return *first;
}

}  // namespace asim::random
