// SPDX-License-Identifier: MIT
// What the asim benchmarks share: the loop they run on and the per-op reporting.
#pragma once

#include "alloc_counter.hpp"
#include "ops_report.hpp"

#include <asim/asim.hpp>
#include <benchmark/benchmark.h>

#include <cstdint>
#include <stdexcept>

#if __has_include(<asim/sim/sim_loop.hpp>)
#include <asim/sim/sim_loop.hpp>
#define ASIM_BENCH_HAS_SIM_LOOP 1
#endif

namespace asim::bench {

/// A clock that only the poller moves.
class VirtualClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override { return now_; }
  void advance(std::int64_t ns) noexcept { now_ += ns; }

 private:
  std::int64_t now_ = 0;
};

/// Jumps the clock to the next timer instead of sleeping; a wait without end is a
/// bug in the benchmark.
class VirtualPoller final : public Poller {
 public:
  explicit VirtualPoller(VirtualClock& clock) noexcept : clock_(clock) {}
  void poll(EventLoop& /*loop*/, std::int64_t timeout_ns) override {
    if (timeout_ns == Poller::forever) throw std::logic_error("benchmark loop would block forever");
    clock_.advance(timeout_ns);
  }

 private:
  VirtualClock& clock_;
};

namespace detail {
struct VirtualParts {
  VirtualClock virtual_clock;
  VirtualPoller virtual_poller{virtual_clock};
};
}  // namespace detail

/// The loop core on a virtual clock, with no simulator choices: the fastest loop
/// asim can offer, and the one the core's own costs are measured on.
class VirtualLoop final : private detail::VirtualParts, public EventLoop {
 public:
  VirtualLoop() : EventLoop(virtual_clock, virtual_poller) {}
  ~VirtualLoop() override { shutdown(); }
};

/// Runs exactly one iteration as the running loop, so that awaiters find it
/// (asyncio's idiom: `loop.stop(); loop.run_forever()`).
inline void run_one_iteration(EventLoop& loop) {
  loop.stop();
  loop.run_forever();
}

}  // namespace asim::bench
