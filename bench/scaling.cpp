// SPDX-License-Identifier: MIT
// The scaling run: N concurrent sleeping tasks on the virtual-clock loop, in a
// process of their own, printing time and peak memory as one JSON line.
//
// Usage: asim_scaling N [SLEEPS]   (each task sleeps SLEEPS times, default 10)
#include "bench_support.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

using asim::bench::SplitMix;
using asim::bench::run_one_iteration;
using asim::bench::VirtualLoop;

struct Finish {
  std::int64_t left;
  asim::Future<void> all_done;
};

asim::Coro<void> sleeper(std::uint64_t seed, int sleeps, Finish* finish) {
  SplitMix random(seed);
  for (int i = 0; i < sleeps; ++i) co_await asim::sleep(static_cast<double>(random.below(1'000'000'000)) / 1e9);
  if (--finish->left == 0) finish->all_done.set_result();
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s N [SLEEPS]\n", argv[0]);
    return 2;
  }
  const std::int64_t n = std::atoll(argv[1]);
  const int sleeps = argc > 2 ? std::atoi(argv[2]) : 10;
  asim::bench::track_live_bytes(true);
  const long rss_before = peak_rss_kib();
  const std::int64_t live_before = asim::bench::alloc_stats().live_bytes;
  std::int64_t live_peak = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    VirtualLoop loop;
    Finish finish{n, loop.create_future<void>()};
    for (std::int64_t i = 0; i < n; ++i) loop.create_task(sleeper(static_cast<std::uint64_t>(i), sleeps, &finish));
    run_one_iteration(loop);  // all N are asleep now: the moment of peak heap use
    live_peak = asim::bench::alloc_stats().live_bytes - live_before;
    loop.run_until_complete(finish.all_done);
  }
  const auto stop = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(stop - start).count();
  const long rss_peak = peak_rss_kib();
  std::printf(
      "{\"impl\": \"asim\", \"tasks\": %lld, \"sleeps\": %d, \"seconds\": %.6f, \"ns_per_task\": %.1f, "
      "\"ns_per_sleep\": %.1f, \"peak_rss_kib\": %ld, \"rss_growth_kib\": %ld, \"heap_bytes_per_task\": %.1f}\n",
      static_cast<long long>(n), sleeps, seconds, seconds * 1e9 / static_cast<double>(n),
      seconds * 1e9 / static_cast<double>(n * sleeps), rss_peak, rss_peak - rss_before,
      static_cast<double>(live_peak) / static_cast<double>(n));
  return 0;
}
