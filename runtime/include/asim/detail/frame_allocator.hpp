// SPDX-License-Identifier: MIT
// A per-thread recycling allocator for coroutine frames (and other short-lived blocks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

// ASIM_FRAME_CACHE: 1 makes Coro frames (and FrameRecycled objects) use the per-thread
// cache, 0 sends them straight to ::operator new/delete. It is off under
// AddressSanitizer, so that a use of a destroyed frame is still reported (a recycled
// block is live memory to ASan), and CMake's ASIM_FRAME_CACHE=OFF turns it off too.
#ifndef ASIM_FRAME_CACHE
#if defined(__SANITIZE_ADDRESS__)
#define ASIM_FRAME_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASIM_FRAME_CACHE 0
#endif
#endif
#endif
#ifndef ASIM_FRAME_CACHE
#define ASIM_FRAME_CACHE 1
#endif

namespace asim::detail {

/// Whether Coro frames go through the frame cache in this build (see ASIM_FRAME_CACHE).
inline constexpr bool frame_cache_enabled = ASIM_FRAME_CACHE != 0;

/// Blocks are cached in size classes 16 bytes apart, up to about 1 KiB; larger blocks
/// go straight to ::operator new/delete. Most frames are 64-512 bytes; a frame of more
/// than 1 KiB holds enough state that one malloc is small beside its work.
///
/// Class `c` holds blocks of 16c + 8 bytes (8, 24, 40, ..., 1016): glibc's malloc gives
/// 16n + 8 usable bytes (16-byte chunks less an 8-byte header), so rounding a frame
/// up to its class costs no memory there, and no more than 16-byte classes elsewhere.
inline constexpr std::size_t frame_size_step = 16;
inline constexpr std::size_t frame_class_count = 64;
inline constexpr std::size_t frame_max_cached_size = frame_size_step * (frame_class_count - 1) + 8;

/// The bound of each class's free list, in bytes: a class keeps at most
/// `frame_class_budget / block size` blocks (2730 of 24 bytes, 64 of 1016 bytes).
/// Why 64 KiB: in a steady state a class's live count changes by about one per
/// in-flight await (a frame is freed, the next await takes it back), so a few blocks
/// would do; the budget also absorbs batches (a gather of a few hundred children, a
/// wave of tasks) without keeping a burst of 1e5 frames cached forever. A thread can
/// cache at most 64 classes x 64 KiB = 4 MiB, in practice the few classes it uses.
inline constexpr std::size_t frame_class_budget = 64 * 1024;

/// Whether blocks of `size` bytes are cached (1 to frame_max_cached_size).
constexpr bool frame_is_cached_size(std::size_t size) noexcept { return size - 1 < frame_max_cached_size; }

/// The class index of a cached size.
constexpr std::size_t frame_class_of(std::size_t size) noexcept { return (size + 7) / frame_size_step; }

/// The size of the blocks of class `cls`.
constexpr std::size_t frame_class_block_size(std::size_t cls) noexcept { return cls * frame_size_step + 8; }

/// The size a block for `size` bytes really has: its class's, or `size` itself when
/// not cached. Every frame block is obtained and released with this size, with the
/// cache on or off, so translation units built with different ASIM_FRAME_CACHE
/// settings can free each other's frames.
constexpr std::size_t frame_block_size(std::size_t size) noexcept {
  return frame_is_cached_size(size) ? frame_class_block_size(frame_class_of(size)) : size;
}

/// The most blocks the class of `size` may cache (0 for sizes that are not cached).
constexpr std::size_t frame_class_limit(std::size_t size) noexcept {
  return frame_is_cached_size(size) ? frame_class_budget / frame_block_size(size) : 0;
}

/// A cached block: its first bytes link it to the next free block of its class.
struct FreeFrame {
  FreeFrame* next;
};
static_assert(frame_class_block_size(0) >= sizeof(FreeFrame));
static_assert(frame_class_of(frame_max_cached_size) == frame_class_count - 1);

/// This thread's free lists. Trivially destructible and constant-initialised, so a
/// frame freed during thread or process teardown, after the cache was emptied, can
/// still look at it: `room` is then zero and the block goes to ::operator delete.
struct FrameCache {
  FreeFrame* head[frame_class_count];
  /// How many more blocks each class may take: zero until the thread's first free
  /// sets the cache up (registering its teardown), and zero again after teardown.
  std::uint32_t room[frame_class_count];
  enum class State : std::uint8_t { fresh, active, torn_down } state;
};

extern constinit thread_local FrameCache frame_cache;

/// Slow paths: set the cache up on a thread's first free, pass a block on when its
/// class is full, the thread's cache is gone, or the block is too large.
void frame_deallocate_slow(void* block, std::size_t size) noexcept;

/// A block of at least `size` bytes, aligned for any fundamental type: a cached one
/// of its class when there is one, else a new one from ::operator new.
inline void* frame_allocate(std::size_t size) {
  if (frame_is_cached_size(size)) {
    const std::size_t cls = frame_class_of(size);
    FrameCache& cache = frame_cache;
    if (FreeFrame* block = cache.head[cls]) {
      cache.head[cls] = block->next;
      ++cache.room[cls];
      return block;
    }
  }
  return ::operator new(frame_block_size(size));
}

/// Gives back a block from frame_allocate(size), with the same `size`: it joins this
/// thread's free list of its class (whichever thread allocated it) unless the class
/// is at its bound.
inline void frame_deallocate(void* block, std::size_t size) noexcept {
  if (frame_is_cached_size(size)) {
    const std::size_t cls = frame_class_of(size);
    FrameCache& cache = frame_cache;
    if (cache.room[cls] != 0) {
      --cache.room[cls];
      auto* frame = static_cast<FreeFrame*>(block);
      frame->next = cache.head[cls];
      cache.head[cls] = frame;
      return;
    }
  }
  frame_deallocate_slow(block, size);
}

/// The number of blocks this thread caches for the class of `size` (tests, tuning).
[[nodiscard]] std::size_t frame_cache_count(std::size_t size) noexcept;

/// Frees every block this thread caches (after a burst, or before measuring memory).
/// The cache stays usable; it refills as frames are freed.
void frame_cache_release() noexcept;

/// A base whose class-level operator new/delete use the frame allocator when frames
/// do (ASIM_FRAME_CACHE). Deleting through a base with a virtual destructor passes
/// the dynamic type's size, as the sized delete requires.
struct FrameRecycled {
  static void* operator new(std::size_t size) {
    if constexpr (frame_cache_enabled) {
      return frame_allocate(size);
    } else {
      return ::operator new(frame_block_size(size));
    }
  }
  static void operator delete(void* block, std::size_t size) noexcept {
    if constexpr (frame_cache_enabled) {
      frame_deallocate(block, size);
    } else {
      ::operator delete(block);
    }
  }
};

}  // namespace asim::detail
