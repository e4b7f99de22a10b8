// SPDX-License-Identifier: MIT
// Tests of the per-thread frame cache: reuse by size class, the bound, large blocks,
// threads, teardown, and Coro frames and FrameRecycled objects going through it.
#include <asim/coro.hpp>
#include <asim/detail/frame_allocator.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <thread>
#include <vector>

namespace {

using asim::detail::frame_allocate;
using asim::detail::frame_cache_count;
using asim::detail::frame_cache_release;
using asim::detail::frame_class_limit;
using asim::detail::frame_deallocate;

/// Starts each test with this thread's cache empty.
class FrameAllocator : public ::testing::Test {
 protected:
  void SetUp() override { frame_cache_release(); }
  void TearDown() override { frame_cache_release(); }
};

// Not inlined: clang -O2 would otherwise put the frame of a coroutine created and
// destroyed in one function on the stack (coroutine heap elision), bypassing the
// allocator under test.
[[gnu::noinline]] asim::Coro<int> add_one(int x) { co_return x + 1; }

/// The address of a new, unstarted frame of add_one; the frame is destroyed.
void* frame_address_of_a_new_coro() {
  std::coroutine_handle<asim::Coro<int>::promise_type> handle = add_one(1).release();
  void* address = handle.address();
  handle.destroy();
  return address;
}

struct Shape : asim::detail::FrameRecycled {
  Shape() = default;
  Shape(const Shape&) = delete;
  Shape& operator=(const Shape&) = delete;
  virtual ~Shape() = default;
};
struct BigShape final : Shape {
  char payload[200] = {};
};

}  // namespace

TEST_F(FrameAllocator, AFreedBlockIsReusedForTheNextBlockOfItsClass) {
  const std::size_t class_top = asim::detail::frame_block_size(100);
  ASSERT_GE(class_top, 100u);
  void* first = frame_allocate(100);
  frame_deallocate(first, 100);
  EXPECT_EQ(frame_cache_count(100), 1u);
  EXPECT_EQ(frame_cache_count(class_top), 1u);
  void* second = frame_allocate(class_top);  // the largest size of the same class
  EXPECT_EQ(second, first);
  EXPECT_EQ(frame_cache_count(100), 0u);
  frame_deallocate(second, class_top);
}

TEST_F(FrameAllocator, ClassesAreSixteenBytesApartAndBlocksFitMalloc) {
  EXPECT_EQ(asim::detail::frame_block_size(1), 8u);
  EXPECT_EQ(asim::detail::frame_block_size(9), 24u);
  EXPECT_EQ(asim::detail::frame_block_size(24), 24u);
  EXPECT_EQ(asim::detail::frame_block_size(25), 40u);
  EXPECT_EQ(asim::detail::frame_block_size(1001), 1016u);
  EXPECT_EQ(asim::detail::frame_block_size(1016), 1016u);
  EXPECT_EQ(asim::detail::frame_block_size(1017), 1017u);  // not cached: as asked
}

TEST_F(FrameAllocator, FreedBlocksAreReusedMostRecentFirst) {
  void* a = frame_allocate(64);
  void* b = frame_allocate(64);
  frame_deallocate(a, 64);
  frame_deallocate(b, 64);
  EXPECT_EQ(frame_allocate(64), b);
  EXPECT_EQ(frame_allocate(64), a);
  frame_deallocate(a, 64);
  frame_deallocate(b, 64);
}

TEST_F(FrameAllocator, DifferentClassesDoNotShareBlocks) {
  const std::size_t next_class = asim::detail::frame_block_size(100) + 1;
  void* small = frame_allocate(100);
  frame_deallocate(small, 100);
  void* larger = frame_allocate(next_class);
  EXPECT_NE(larger, small);
  EXPECT_EQ(frame_cache_count(100), 1u);
  EXPECT_EQ(frame_cache_count(next_class), 0u);
  frame_deallocate(larger, next_class);
  EXPECT_EQ(frame_cache_count(next_class), 1u);
  EXPECT_EQ(frame_cache_count(100), 1u);
}

TEST_F(FrameAllocator, AClassCachesAtMostItsBudgetAndFreesTheRest) {
  constexpr std::size_t size = 264;  // a class's block size
  const std::size_t limit = frame_class_limit(size);
  ASSERT_EQ(limit, asim::detail::frame_class_budget / size);
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < limit + 50; ++i) blocks.push_back(frame_allocate(size));
  for (void* block : blocks) frame_deallocate(block, size);
  EXPECT_EQ(frame_cache_count(size), limit);
  // Taking blocks back makes room again, up to the same bound.
  for (std::size_t i = 0; i < 10; ++i) blocks[i] = frame_allocate(size);
  EXPECT_EQ(frame_cache_count(size), limit - 10);
  for (std::size_t i = 0; i < 10; ++i) frame_deallocate(blocks[i], size);
  EXPECT_EQ(frame_cache_count(size), limit);
}

TEST_F(FrameAllocator, SmallerClassesCacheMoreBlocksThanLargerOnes) {
  EXPECT_EQ(frame_class_limit(24), asim::detail::frame_class_budget / 24);
  EXPECT_EQ(frame_class_limit(1016), asim::detail::frame_class_budget / 1016);
  EXPECT_EQ(frame_class_limit(1017), 0u);
  EXPECT_GT(frame_class_limit(24), frame_class_limit(1016));
}

TEST_F(FrameAllocator, BlocksLargerThanTheLargestClassBypassTheCache) {
  constexpr std::size_t size = asim::detail::frame_max_cached_size + 1;
  void* block = frame_allocate(size);
  frame_deallocate(block, size);
  EXPECT_EQ(frame_cache_count(size), 0u);
  EXPECT_EQ(frame_cache_count(asim::detail::frame_max_cached_size), 0u);
  EXPECT_EQ(asim::detail::frame_block_size(size), size);
}

TEST_F(FrameAllocator, ReleasingTheCacheEmptiesItAndItRefillsAfterwards) {
  void* a = frame_allocate(48);
  void* b = frame_allocate(480);
  frame_deallocate(a, 48);
  frame_deallocate(b, 480);
  frame_cache_release();
  EXPECT_EQ(frame_cache_count(48), 0u);
  EXPECT_EQ(frame_cache_count(480), 0u);
  void* c = frame_allocate(48);
  frame_deallocate(c, 48);
  EXPECT_EQ(frame_cache_count(48), 1u);
}

TEST_F(FrameAllocator, ABlockFreedOnAnotherThreadJoinsThatThreadsCache) {
  void* block = frame_allocate(200);
  std::size_t cached_there = 0;
  void* reused_there = nullptr;
  std::thread other([&] {
    frame_deallocate(block, 200);
    cached_there = frame_cache_count(200);
    reused_there = frame_allocate(200);
    frame_deallocate(reused_there, 200);  // stays cached until the thread ends
  });
  other.join();
  EXPECT_EQ(cached_there, 1u);
  EXPECT_EQ(reused_there, block);
  EXPECT_EQ(frame_cache_count(200), 0u);  // this thread's cache never saw it
}

namespace {
std::atomic<std::size_t> cached_after_teardown{99};

/// A thread_local made before the thread's first free, so it is destroyed after the
/// frame cache's teardown and frees its block into a torn-down cache.
struct LateFreer {
  void* block = nullptr;
  LateFreer(const LateFreer&) = delete;
  LateFreer& operator=(const LateFreer&) = delete;
  LateFreer() = default;
  ~LateFreer() {
    frame_deallocate(block, 64);
    cached_after_teardown = frame_cache_count(64);
  }
};
}  // namespace

TEST_F(FrameAllocator, AThreadsCacheIsFreedWhenItEndsAndLaterFreesBypassIt) {
  // Under AddressSanitizer, LeakSanitizer reports the cached blocks if the teardown
  // did not free them.
  std::thread other([] {
    thread_local LateFreer late;
    late.block = frame_allocate(64);
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(frame_allocate(64));
    for (void* block : blocks) frame_deallocate(block, 64);
  });
  other.join();
  EXPECT_EQ(cached_after_teardown.load(), 0u);
}

TEST_F(FrameAllocator, ACoroFrameIsRecycledForTheNextCoroOfItsSize) {
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "frames bypass the cache in this build (ASan)";
  void* first = frame_address_of_a_new_coro();
  void* second = frame_address_of_a_new_coro();
  EXPECT_EQ(second, first);
}

TEST_F(FrameAllocator, AnAwaitedCorosFrameIsRecycled) {
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "frames bypass the cache in this build (ASan)";
  std::coroutine_handle<asim::Coro<int>::promise_type> handle = add_one(1).release();
  void* address = handle.address();
  handle.resume();
  EXPECT_TRUE(handle.done());
  EXPECT_EQ(handle.promise().take_result(), 2);
  handle.destroy();
  EXPECT_EQ(frame_address_of_a_new_coro(), address);
}

TEST_F(FrameAllocator, AFrameRecycledObjectDeletedThroughItsBaseReturnsToItsOwnClass) {
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "objects bypass the cache in this build (ASan)";
  Shape* shape = new BigShape();
  delete shape;  // the virtual destructor passes sizeof(BigShape)
  EXPECT_EQ(frame_cache_count(sizeof(BigShape)), 1u);
  EXPECT_EQ(frame_cache_count(sizeof(Shape)), 0u);
  Shape* again = new BigShape();
  EXPECT_EQ(again, shape);
  delete again;
}
