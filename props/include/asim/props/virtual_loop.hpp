// SPDX-License-Identifier: MIT
// VirtualLoop: the loop core on a virtual clock with no choices at all, the plain
// reference the interpreter runs on when no simulator is wanted.
#pragma once

#include <asim/clock.hpp>
#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>

#include <cstdint>

namespace asim::props {

/// Raised by VirtualLoop when nothing is ready and no timer is armed.
class VirtualDeadlock : public RuntimeError {
 public:
  VirtualDeadlock() : RuntimeError("deadlock: nothing ready and no timer armed") {}
};

namespace detail {
class JumpClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override { return now_; }
  std::int64_t now_ = 0;
};
/// Moves the clock by the poll timeout instead of sleeping (asyncio: a selector whose
/// select(timeout) advances virtual time); waiting forever is a deadlock.
class JumpPoller final : public Poller {
 public:
  explicit JumpPoller(JumpClock& clock) noexcept : clock_(clock) {}
  void poll(EventLoop& /*loop*/, std::int64_t timeout_ns) override {
    if (timeout_ns == Poller::forever) throw VirtualDeadlock();
    clock_.now_ += timeout_ns;
    fired_this_batch = 0;
  }
  /// Live timers moved to the ready queue since the last poll (one batch).
  int fired_this_batch = 0;

 private:
  JumpClock& clock_;
};

/// Notes when two live timers fire in one batch: their order is a tie asyncio
/// leaves undefined, and a real loop would have split them into two batches.
class TieWatcher final : public asim::detail::LoopInstrument {
 public:
  explicit TieWatcher(JumpPoller& poller) noexcept : poller_(poller) {}
  void on_timer_fired(const asim::detail::CallbackNode& /*timer*/) noexcept override {
    if (++poller_.fired_this_batch >= 2) tie = true;
  }
  bool tie = false;

 private:
  JumpPoller& poller_;
};
struct VirtualLoopParts {
  JumpClock jump_clock;
  JumpPoller jump_poller{jump_clock};
  TieWatcher tie_watcher{jump_poller};
};
}  // namespace detail

/// CPython's `_run_once` on a clock that jumps to the next timer: the order asyncio
/// gives, with no simulator choices. Time starts at 0.
class VirtualLoop final : private detail::VirtualLoopParts, public EventLoop {
 public:
  VirtualLoop() : EventLoop(jump_clock, jump_poller) { set_instrument(&tie_watcher); }
  ~VirtualLoop() override { shutdown(); }
  /// True once two live timers fired in one batch (SPEC.md: not a conformance case).
  [[nodiscard]] bool saw_tie() const noexcept { return tie_watcher.tie; }
};

}  // namespace asim::props
