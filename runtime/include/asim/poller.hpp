// SPDX-License-Identifier: MIT
// The poller: the loop core's other variation point, where time passes and I/O arrives.
#pragma once

#include <asim/handle.hpp>

#include <cstdint>

namespace asim {

class EventLoop;

/// Waits for I/O and delivers it as ready callbacks (asyncio: the selector plus
/// `_process_events`). The real loop's poller is epoll; the simulated loop's advances
/// its virtual clock instead of sleeping.
///
/// File-descriptor readiness is optional: a poller that watches descriptors (epoll)
/// overrides the four watch functions; the others keep the defaults, which refuse
/// (asyncio: the NotImplementedError of an event loop without a selector). A ready
/// descriptor's callback is scheduled on the loop's ready queue during `poll`, as
/// `_process_events` does with `_add_callback`, so `run_once` does not change.
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

  /// Schedules `callback` whenever `fd` is readable (level-triggered), replacing any
  /// reader of `fd`. The poller keeps the Handle until remove_reader.
  /// asyncio: BaseSelectorEventLoop._add_reader. Default: throws RuntimeError.
  virtual void add_reader(int fd, Handle callback);
  /// Stops watching `fd` for reading; true if it was watched. asyncio: _remove_reader.
  virtual bool remove_reader(int fd);
  /// Schedules `callback` whenever `fd` is writable. asyncio: _add_writer.
  virtual void add_writer(int fd, Handle callback);
  /// asyncio: _remove_writer.
  virtual bool remove_writer(int fd);
};

}  // namespace asim
