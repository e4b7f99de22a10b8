// SPDX-License-Identifier: MIT
// asim::random and asim::buggify: draws from the simulator's chooser or a real generator.
#include <asim/buggify.hpp>
#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/random.hpp>

#include <cmath>
#include <random>
#include <string>

namespace asim {

namespace {

// The real loop's generator: one per thread, seeded from the OS.
std::mt19937_64& real_generator() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

// A uniform number in [0, bound) from 64-bit words: words below 2^64 mod bound are
// rejected, so every remainder is equally likely.
std::uint64_t real_below(std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t word = real_generator()();
    if (word >= threshold) return word % bound;
  }
}

}  // namespace

namespace random {

std::uint64_t detail::draw(std::uint64_t bound, std::uint32_t nonzero_chance, std::string_view label) {
  if (bound <= 1) return 0;
  if (EventLoop* loop = running_loop(); loop != nullptr && loop->instrument() != nullptr) {
    const std::uint64_t answer = loop->instrument()->random_draw(bound, nonzero_chance, label);
    return answer < bound ? answer : bound - 1;
  }
  if (nonzero_chance == 0) return real_below(bound);
  if ((real_generator()() >> 32) >= nonzero_chance) return 0;
  return 1 + real_below(bound - 1);
}

std::int64_t uniform_int(std::int64_t low, std::int64_t high, std::string_view label) {
  if (low > high) {
    throw ValueError("empty range for uniform_int(" + std::to_string(low) + ", " + std::to_string(high) + ")");
  }
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span == ~std::uint64_t{0}) {
    // The whole int64 range: two draws of 32 bits each.
    const std::uint64_t word =
        (detail::draw(std::uint64_t{1} << 32, 0, label) << 32) | detail::draw(std::uint64_t{1} << 32, 0, label);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + word);
  }
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + detail::draw(span + 1, 0, label));
}

double uniform_real(double low, double high, std::string_view label) {
  if (!std::isfinite(low) || !std::isfinite(high) || low > high) {
    throw ValueError("uniform_real needs finite low <= high, got " + std::to_string(low) + ", " + std::to_string(high));
  }
  constexpr std::uint64_t steps = std::uint64_t{1} << 53;
  const double unit = static_cast<double>(detail::draw(steps, 0, label)) / static_cast<double>(steps);
  return low + (high - low) * unit;
}

bool bernoulli(double p, std::string_view label) {
  if (!(p >= 0 && p <= 1)) throw ValueError("bernoulli needs 0 <= p <= 1, got " + std::to_string(p));
  if (p == 0) return false;
  if (p == 1) return true;
  auto scaled = static_cast<std::uint32_t>(p * 4294967296.0);
  if (scaled == 0) scaled = 1;
  return detail::draw(2, scaled, label) != 0;
}

std::size_t index(std::size_t size, std::string_view label) {
  if (size == 0) throw ValueError("cannot pick from an empty range");
  return static_cast<std::size_t>(detail::draw(size, 0, label));
}

}  // namespace random

bool buggify(std::string_view site) noexcept {
  EventLoop* loop = running_loop();
  return loop != nullptr && loop->instrument() != nullptr && loop->instrument()->buggify(site);
}

}  // namespace asim
