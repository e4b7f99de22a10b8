// SPDX-License-Identifier: MIT
// The clock: one of the loop core's two variation points.
#pragma once

#include <cstdint>

namespace asim {

/// Where the loop reads the time: monotonic nanoseconds. The real loop uses the
/// system's monotonic clock; the simulated loop a virtual one that only its poller
/// moves forward.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time in nanoseconds; never decreases.
  [[nodiscard]] virtual std::int64_t now() noexcept = 0;
};

}  // namespace asim
