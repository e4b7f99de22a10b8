// SPDX-License-Identifier: MIT
// Conversions between asyncio's float seconds and the loop's integer nanoseconds.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace asim::detail {

/// Far enough to mean "never" yet safe to add to any loop time without overflow.
inline constexpr std::int64_t max_delay_ns = std::int64_t{1} << 61;

/// Seconds to nanoseconds, rounded to nearest; NaN and infinities are refused as
/// asyncio cannot order them either. Huge values saturate at `max_delay_ns`.
inline std::int64_t seconds_to_ns(double seconds, const char* what) {
  if (std::isnan(seconds) || std::isinf(seconds)) {
    throw std::invalid_argument(std::string(what) + " must be a finite number of seconds");
  }
  const double ns = seconds * 1e9;
  if (ns >= static_cast<double>(max_delay_ns)) return max_delay_ns;
  if (ns <= -static_cast<double>(max_delay_ns)) return -max_delay_ns;
  return std::llround(ns);
}

template <class Rep, class Period>
double to_seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}

inline std::int64_t add_saturating(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

}  // namespace asim::detail
