// SPDX-License-Identifier: MIT
// VirtualTimeLoop: the loop core on a clock that jumps to the next timer, with no
// simulator choices (what tests, benchmarks and the scenario runner build on).
#pragma once

#include <asim/clock.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>

#include <cstdint>
#include <stdexcept>

namespace asim {

/// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override { return now_; }
  void advance(std::int64_t ns) noexcept { now_ += ns; }
  void set(std::int64_t ns) noexcept { now_ = ns; }

 private:
  std::int64_t now_ = 0;
};

/// Thrown by JumpingPoller when the loop would wait forever: nothing is ready and no
/// timer is armed, so nothing could ever wake it. Not an asim::RuntimeError, so that
/// a test expecting one of asyncio's errors does not mistake a hang for it.
class WouldBlockForever : public std::runtime_error {
 public:
  WouldBlockForever() : std::runtime_error("the loop would block forever: nothing is ready and no timer is armed") {}
};

/// A poller that moves the clock forward by the timeout instead of sleeping.
class JumpingPoller final : public Poller {
 public:
  explicit JumpingPoller(ManualClock& clock) noexcept : clock_(clock) {}
  void poll(EventLoop& /*loop*/, std::int64_t timeout_ns) override {
    ++polls_;
    if (timeout_ns == Poller::forever) throw WouldBlockForever();
    clock_.advance(timeout_ns);
  }
  /// Polls so far (one per loop iteration).
  [[nodiscard]] std::uint64_t polls() const noexcept { return polls_; }

 private:
  ManualClock& clock_;
  std::uint64_t polls_ = 0;
};

namespace detail {
// The clock and poller are bases constructed before the EventLoop that uses them.
struct VirtualTimeParts {
  ManualClock manual;
  JumpingPoller jumping{manual};
};
}  // namespace detail

/// CPython's `_run_once` on a clock that jumps to the next timer: asyncio's order, no
/// simulator choices, time starting at 0. A loop that would wait forever throws
/// WouldBlockForever instead. Derived loops call shutdown() first in their destructor
/// when they add members the loop's teardown may use (an instrument).
class VirtualTimeLoop : private detail::VirtualTimeParts, public EventLoop {
 public:
  VirtualTimeLoop() : EventLoop(manual, jumping) {}
  ~VirtualTimeLoop() override { shutdown(); }

  [[nodiscard]] ManualClock& manual_clock() noexcept { return manual; }
  [[nodiscard]] std::uint64_t polls() const noexcept { return jumping.polls(); }
};

}  // namespace asim
