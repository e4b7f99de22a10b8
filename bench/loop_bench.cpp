// SPDX-License-Identifier: MIT
// The loop core alone: call_soon chains and a million callbacks queued at once.
#include "bench_support.hpp"

#include <cstdint>

namespace {

using asim::bench::OpsReport;
using asim::bench::run_one_iteration;
using asim::bench::VirtualLoop;

struct Chain {
  asim::EventLoop* loop;
  std::int64_t left;
};

// Each callback schedules the next, so every loop iteration runs exactly one.
void chain_step(Chain* chain) {
  if (--chain->left > 0) {
    chain->loop->call_soon(chain_step, chain);
  } else {
    chain->loop->stop();
  }
}

void call_soon_chain(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) {
    Chain chain{&loop, n};
    loop.call_soon(chain_step, &chain);
    loop.run_forever();
    benchmark::DoNotOptimize(chain.left);
  }
  report.finish(state);
}
BENCHMARK(call_soon_chain)->Unit(benchmark::kNanosecond);

void count_one(std::int64_t* counter) { ++*counter; }

// 1e6 callbacks scheduled before the loop runs, then one iteration runs them all.
void call_soon_batch(benchmark::State& state) {
  constexpr std::int64_t n = 1'000'000;
  VirtualLoop loop;
  std::int64_t counter = 0;
  // Warm the callback pool once, as a long-running loop's pool is.
  for (std::int64_t i = 0; i < n; ++i) loop.call_soon(count_one, &counter);
  run_one_iteration(loop);
  OpsReport report(n);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i) loop.call_soon(count_one, &counter);
    run_one_iteration(loop);
  }
  report.finish(state);
  benchmark::DoNotOptimize(counter);
}
BENCHMARK(call_soon_batch)->Unit(benchmark::kNanosecond);

}  // namespace
