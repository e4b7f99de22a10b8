// SPDX-License-Identifier: MIT
// Per-op reporting and a seeded generator, shared by the asim and Asio benchmarks.
#pragma once

#include "alloc_counter.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>

namespace asim::bench {

/// Reports a benchmark whose iterations each perform `ops_per_iteration` operations:
/// counters `ops_per_iter` (bench/compare divides the time by it) and `allocs_per_op`.
class OpsReport {
 public:
  explicit OpsReport(std::int64_t ops_per_iteration) noexcept
      : ops_(ops_per_iteration), start_(alloc_stats()) {}
  void finish(benchmark::State& state) const {
    const AllocStats end = alloc_stats();
    const double ops = static_cast<double>(ops_) * static_cast<double>(state.iterations());
    state.counters["ops_per_iter"] = static_cast<double>(ops_);
    state.counters["allocs_per_op"] = static_cast<double>(end.allocations - start_.allocations) / ops;
    state.SetItemsProcessed(static_cast<std::int64_t>(ops));
  }

 private:
  std::int64_t ops_;
  AllocStats start_;
};

/// CPU seconds used by this thread: what manually timed benchmarks report, so that
/// they compare like Google Benchmark's cpu_time on a machine shared with others.
inline double thread_cpu_seconds() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// A deterministic 64-bit generator (splitmix64) for delays: the same in every run.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// A value in [0, bound) (bound small against 2^64: the bias is negligible here).
  std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }

 private:
  std::uint64_t state_;
};

}  // namespace asim::bench
