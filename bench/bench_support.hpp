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

/// The loop core on a virtual clock that jumps to the next timer, with no simulator
/// choices: the fastest loop asim can offer, and the one the core's own costs are
/// measured on. Waiting forever is a bug in the benchmark (WouldBlockForever).
using VirtualLoop = asim::VirtualTimeLoop;

/// Runs exactly one iteration as the running loop, so that awaiters find it
/// (asyncio's idiom: `loop.stop(); loop.run_forever()`).
inline void run_one_iteration(EventLoop& loop) {
  loop.stop();
  loop.run_forever();
}

}  // namespace asim::bench
