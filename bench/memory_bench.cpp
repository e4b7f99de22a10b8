// SPDX-License-Identifier: MIT
// Memory: bytes per pending (sleeping) task, with and without its coroutine frame.
#include "bench_support.hpp"

#include <asim/detail/frame_allocator.hpp>

#include <cstdint>
#include <vector>

namespace {

using asim::bench::alloc_stats;
using asim::bench::track_live_bytes;
using asim::bench::run_one_iteration;
using asim::bench::VirtualLoop;

asim::Coro<void> sleep_an_hour() { co_await asim::sleep(3600.0); }

// Reports counters: frame_bytes (the coroutine frame alone), bytes_per_task (all
// heap bytes a sleeping task holds: frame, task object, timer node, heap entry,
// list slots) and bytes_beyond_frame. malloc's usable sizes are counted.
void bytes_per_task(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  double frame = 0;
  double total = 0;
  track_live_bytes(true);
  for (auto _ : state) {
    VirtualLoop loop;
    asim::detail::frame_cache_release();
    {
      const std::int64_t before = alloc_stats().live_bytes;
      std::vector<asim::Coro<void>> frames;
      frames.reserve(n);
      const std::int64_t reserved = alloc_stats().live_bytes;
      for (std::int64_t i = 0; i < n; ++i) frames.push_back(sleep_an_hour());
      frame = static_cast<double>(alloc_stats().live_bytes - reserved) / n;
      benchmark::DoNotOptimize(before);
    }
    asim::detail::frame_cache_release();  // the frames just destroyed, up to the bound
    std::vector<asim::Task<void>> tasks;
    tasks.reserve(n);
    const std::int64_t before = alloc_stats().live_bytes;
    for (std::int64_t i = 0; i < n; ++i) tasks.push_back(loop.create_task(sleep_an_hour()));
    run_one_iteration(loop);
    total = static_cast<double>(alloc_stats().live_bytes - before) / n;
    for (auto& task : tasks) task.cancel();
    while (!tasks.back().done()) run_one_iteration(loop);
    if (!tasks.front().cancelled()) state.SkipWithError("a task did not end cancelled");
  }
  track_live_bytes(false);
  state.counters["frame_bytes"] = frame;
  state.counters["bytes_per_task"] = total;
  state.counters["bytes_beyond_frame"] = total - frame;
}
BENCHMARK(bytes_per_task)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
