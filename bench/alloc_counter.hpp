// SPDX-License-Identifier: MIT
// Counts heap allocations made by the benchmark binary (operator new is replaced).
#pragma once

#include <cstddef>
#include <cstdint>

namespace asim::bench {

/// A snapshot of the process-wide allocation counters.
struct AllocStats {
  std::uint64_t allocations = 0;  // calls to operator new since start
  std::uint64_t frees = 0;        // calls to operator delete with a non-null pointer
  std::int64_t live_bytes = 0;    // bytes allocated and not yet freed, while tracked
};

/// Turns live-byte tracking on or off. Off by default: it costs a
/// malloc_usable_size call per allocation and free, which would tax the timings.
/// Blocks allocated while it was off are never subtracted, so only differences of
/// `live_bytes` taken while it is on mean anything.
void track_live_bytes(bool on) noexcept;

/// The counters now. Single-threaded benchmarks only: the counters are relaxed.
AllocStats alloc_stats() noexcept;

}  // namespace asim::bench
