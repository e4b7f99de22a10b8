// SPDX-License-Identifier: MIT
// VirtualLoop: the loop core on a virtual clock with no choices at all, watching for
// timer ties: the plain reference the interpreter runs on when no simulator is wanted.
#pragma once

#include <asim/detail/callback_node.hpp>
#include <asim/detail/loop_instrument.hpp>
#include <asim/loop.hpp>
#include <asim/virtual_time_loop.hpp>

#include <cstdint>

namespace asim::props {

/// What VirtualLoop raises when nothing is ready and no timer is armed.
using VirtualDeadlock = asim::WouldBlockForever;

namespace detail {

/// Notes when two live timers fire in one batch (one loop iteration): their order is
/// a tie asyncio leaves undefined, and a real loop would have split them in two.
class TieWatcher final : public asim::detail::LoopInstrument {
 public:
  void on_timer_fired(const asim::detail::CallbackNode& timer) noexcept override {
    const EventLoop* loop = timer.loop();
    const std::uint64_t iteration = loop != nullptr ? loop->iteration() : 0;
    if (iteration != batch_iteration_) {
      batch_iteration_ = iteration;
      fired_in_batch_ = 0;
    }
    if (++fired_in_batch_ >= 2) tie = true;
  }
  bool tie = false;

 private:
  std::uint64_t batch_iteration_ = 0;
  int fired_in_batch_ = 0;
};

}  // namespace detail

/// CPython's `_run_once` on a clock that jumps to the next timer (VirtualTimeLoop),
/// watching for ties. Time starts at 0.
class VirtualLoop final : public VirtualTimeLoop {
 public:
  VirtualLoop() { set_instrument(&tie_watcher_); }
  // The teardown may report to the instrument: run it while the watcher exists.
  ~VirtualLoop() override { shutdown(); }
  /// True once two live timers fired in one batch (SPEC.md: not a conformance case).
  [[nodiscard]] bool saw_tie() const noexcept { return tie_watcher_.tie; }

 private:
  detail::TieWatcher tie_watcher_;
};

}  // namespace asim::props
