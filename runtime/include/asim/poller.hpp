// SPDX-License-Identifier: MIT
// The poller: the loop core's other variation point, where time passes and I/O arrives.
#pragma once

#include <cstdint>

namespace asim {

class EventLoop;

/// Waits for I/O and delivers it as ready callbacks (asyncio: the selector plus
/// `_process_events`). The real loop's poller is epoll; the simulated loop's advances
/// its virtual clock instead of sleeping.
class Poller {
 public:
  /// `poll` timeout meaning "until something happens".
  static constexpr std::int64_t forever = -1;

  virtual ~Poller() = default;
  /// Waits up to `timeout_ns` (0: do not wait; `forever`: no limit) and schedules
  /// the callbacks of ready I/O on `loop`.
  virtual void poll(EventLoop& loop, std::int64_t timeout_ns) = 0;
  /// Makes a `poll` in progress on another thread return soon. Thread-safe.
  virtual void wake() noexcept {}
};

}  // namespace asim
