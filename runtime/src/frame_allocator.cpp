// SPDX-License-Identifier: MIT
// The frame cache's slow paths: per-thread set-up and teardown, full classes, large blocks.
#include <asim/detail/frame_allocator.hpp>

namespace asim::detail {

constinit thread_local FrameCache frame_cache{};

namespace {

void free_cached_blocks(FrameCache& cache) noexcept {
  for (std::size_t cls = 0; cls < frame_class_count; ++cls) {
    const std::size_t block_size = frame_class_block_size(cls);
    FreeFrame* block = cache.head[cls];
    cache.head[cls] = nullptr;
    while (block != nullptr) {
      FreeFrame* next = block->next;
      ::operator delete(block);
      block = next;
    }
    const bool open = cache.state == FrameCache::State::active;
    cache.room[cls] = open ? static_cast<std::uint32_t>(frame_class_limit(block_size)) : 0;
  }
}

// Empties the thread's cache when the thread ends; frames freed later on this thread
// (by thread_locals destroyed after this one, or static destructors on the main
// thread) find no room and go to ::operator delete.
struct FrameCacheTeardown {
  FrameCacheTeardown() = default;
  FrameCacheTeardown(const FrameCacheTeardown&) = delete;
  FrameCacheTeardown& operator=(const FrameCacheTeardown&) = delete;
  ~FrameCacheTeardown() {
    frame_cache.state = FrameCache::State::torn_down;
    free_cached_blocks(frame_cache);
  }
};

}  // namespace

void frame_deallocate_slow(void* block, std::size_t size) noexcept {
  FrameCache& cache = frame_cache;
  if (frame_is_cached_size(size) && cache.state == FrameCache::State::fresh) {
    // The first free of this thread: a thread_local with a destructor registers the
    // teardown (only threads that cache anything pay for it), then every class opens.
    static thread_local FrameCacheTeardown teardown;
    (void)&teardown;
    cache.state = FrameCache::State::active;
    for (std::size_t cls = 0; cls < frame_class_count; ++cls) {
      cache.room[cls] = static_cast<std::uint32_t>(frame_class_limit(frame_class_block_size(cls)));
    }
    frame_deallocate(block, size);
    return;
  }
  ::operator delete(block);
}

std::size_t frame_cache_count(std::size_t size) noexcept {
  if (!frame_is_cached_size(size)) return 0;
  std::size_t count = 0;
  for (const FreeFrame* block = frame_cache.head[frame_class_of(size)]; block != nullptr; block = block->next) {
    ++count;
  }
  return count;
}

void frame_cache_release() noexcept { free_cached_blocks(frame_cache); }

}  // namespace asim::detail
