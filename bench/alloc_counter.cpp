// SPDX-License-Identifier: MIT
// Replaces the global operator new/delete to count allocations and live bytes.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>

namespace {
// Relaxed atomics: the benchmarks are single-threaded, but Google Benchmark and
// Asio may allocate from helper threads, which must not corrupt the counts.
std::atomic<std::uint64_t> allocations{0};
std::atomic<std::uint64_t> frees{0};
std::atomic<std::int64_t> live_bytes{0};
std::atomic<bool> tracking{false};

void* counted_alloc(std::size_t size, std::size_t align) {
  if (size == 0) size = 1;
  void* ptr = nullptr;
  if (align <= alignof(std::max_align_t)) {
    ptr = std::malloc(size);
  } else if (posix_memalign(&ptr, align, size) != 0) {
    ptr = nullptr;
  }
  if (ptr == nullptr) throw std::bad_alloc();
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (tracking.load(std::memory_order_relaxed)) {
    live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(ptr)), std::memory_order_relaxed);
  }
  return ptr;
}

void counted_free(void* ptr) noexcept {
  if (ptr == nullptr) return;
  frees.fetch_add(1, std::memory_order_relaxed);
  if (tracking.load(std::memory_order_relaxed)) {
    live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(ptr)), std::memory_order_relaxed);
  }
  std::free(ptr);
}
}  // namespace

namespace asim::bench {
AllocStats alloc_stats() noexcept {
  return {allocations.load(std::memory_order_relaxed), frees.load(std::memory_order_relaxed),
          live_bytes.load(std::memory_order_relaxed)};
}
void track_live_bytes(bool on) noexcept { tracking.store(on, std::memory_order_relaxed); }
}  // namespace asim::bench

void* operator new(std::size_t size) { return counted_alloc(size, alignof(std::max_align_t)); }
void* operator new[](std::size_t size) { return counted_alloc(size, alignof(std::max_align_t)); }
void* operator new(std::size_t size, std::align_val_t align) { return counted_alloc(size, static_cast<std::size_t>(align)); }
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_alloc(size, static_cast<std::size_t>(align));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, alignof(std::max_align_t));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, alignof(std::max_align_t));
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* ptr) noexcept { counted_free(ptr); }
void operator delete[](void* ptr) noexcept { counted_free(ptr); }
void operator delete(void* ptr, std::size_t) noexcept { counted_free(ptr); }
void operator delete[](void* ptr, std::size_t) noexcept { counted_free(ptr); }
void operator delete(void* ptr, std::align_val_t) noexcept { counted_free(ptr); }
void operator delete[](void* ptr, std::align_val_t) noexcept { counted_free(ptr); }
void operator delete(void* ptr, std::size_t, std::align_val_t) noexcept { counted_free(ptr); }
void operator delete[](void* ptr, std::size_t, std::align_val_t) noexcept { counted_free(ptr); }
