// SPDX-License-Identifier: MIT
// ClockFrame: another clock read off the loop's own, as a skew and a drift (a
// simulated host's clock). The loop core applies it at the API edge only: time(),
// call_later, call_at and sleep; its timer heap stays in the loop's own time.
#pragma once

#include <cstdint>

namespace asim::detail {

// __extension__: -Wpedantic accepts the GCC/Clang 128-bit integer through it.
__extension__ typedef __int128 Int128;

/// local(t) = skew + t + floor(t * drift_ppb / 1e9), in integer nanoseconds, so the
/// conversion is exact and identical on every compiler (no floating point per call).
/// `drift_ppb` > -1e9 keeps local time strictly increasing with the loop's time.
struct ClockFrame {
  std::int64_t skew_ns = 0;
  std::int64_t drift_ppb = 0;

  static constexpr std::int64_t ppb = 1'000'000'000;

  /// What this clock reads when the loop's clock reads `loop_ns`.
  [[nodiscard]] std::int64_t to_local(std::int64_t loop_ns) const noexcept {
    const Int128 scaled = static_cast<Int128>(loop_ns) * (ppb + drift_ppb);
    return clamp(floor_div(scaled, ppb) + skew_ns);
  }
  /// The earliest loop time at which this clock reads `local_ns` or more.
  [[nodiscard]] std::int64_t to_loop(std::int64_t local_ns) const noexcept {
    const Int128 distance = static_cast<Int128>(local_ns) - skew_ns;
    return clamp(-floor_div(-distance * ppb, ppb + drift_ppb));  // ceil(distance * 1e9 / rate)
  }

 private:
  static Int128 floor_div(Int128 a, Int128 b) noexcept {
    Int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
  static std::int64_t clamp(Int128 value) noexcept {
    if (value > INT64_MAX) return INT64_MAX;
    if (value < INT64_MIN) return INT64_MIN;
    return static_cast<std::int64_t>(value);
  }
};

}  // namespace asim::detail
