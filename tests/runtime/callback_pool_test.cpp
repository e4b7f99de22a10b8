// SPDX-License-Identifier: MIT
// The callback pool: block sizes by callable size, nodes that find their loop from
// their address, recycling, huge pools, and a pool that outlives its loop.
#include <gtest/gtest.h>
#include <asim/detail/callback_node.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>

#include "support/recording.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

namespace {

using asim::detail::CallbackNode;
using asim::testing::ManualLoop;

struct Small {
  void* a;
  void* b;
  void operator()(CallbackNode& /*node*/) const {}
};
struct Large {
  std::array<std::uint64_t, 10> words;
  void operator()(CallbackNode& /*node*/) const {}
};
struct Huge {
  std::array<std::uint64_t, 40> words;
  void operator()(CallbackNode& /*node*/) const {}
};

}  // namespace

TEST(CallbackPool, SmallCallablesTakeOneCacheLineLargerOnesTwoAndHugeOnesGoToTheHeap) {
  EXPECT_EQ(CallbackNode::block_for<Small>(), CallbackNode::small_block);
  EXPECT_EQ(CallbackNode::block_for<Large>(), CallbackNode::large_block);
  // A callable too big for any block is held by pointer, which fits a small block.
  EXPECT_EQ(CallbackNode::block_for<Huge>(), CallbackNode::small_block);
  EXPECT_EQ(CallbackNode::capacity(CallbackNode::small_block), 16u);
}

TEST(CallbackPool, ANodeFindsItsLoopFromItsOwnAddress) {
  ManualLoop first;
  ManualLoop second;
  CallbackNode* a = first.make_node([] {});
  CallbackNode* b = second.make_raw_node(Large{});
  CallbackNode* c = second.make_raw_node(Huge{});
  EXPECT_EQ(a->loop(), &first);
  EXPECT_EQ(b->loop(), &second);
  EXPECT_EQ(c->loop(), &second);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % CallbackNode::small_block, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % CallbackNode::large_block, 0u);
  EXPECT_EQ(second.callbacks_in_use(), 2u);
  a->release();
  b->release();
  c->release();
  EXPECT_EQ(first.callbacks_in_use(), 0u);
  EXPECT_EQ(second.callbacks_in_use(), 0u);
}

TEST(CallbackPool, AReleasedNodeIsTheNextOneHandedOut) {
  ManualLoop loop;
  CallbackNode* node = loop.make_node([] {});
  node->release();
  CallbackNode* again = loop.make_node([] {});
  EXPECT_EQ(again, node);
  again->release();
}

TEST(CallbackPool, ACallableWithStateIsDestroyedWhenItsNodeIsCancelled) {
  ManualLoop loop;
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  asim::Handle handle = loop.call_soon([owned = std::move(owned)] { (void)owned; });
  EXPECT_FALSE(watch.expired());
  handle.cancel();
  EXPECT_TRUE(watch.expired());
  loop.run_once();
  EXPECT_EQ(loop.ready_count(), 0u);
}

TEST(CallbackPool, AMillionQueuedCallbacksAllRunAndAllComeBack) {
  ManualLoop loop;
  constexpr int n = 1'000'000;
  int ran = 0;
  for (int i = 0; i < n; ++i) loop.call_soon([&ran] { ++ran; });
  EXPECT_EQ(loop.callbacks_in_use(), static_cast<std::size_t>(n));
  loop.run_once();
  EXPECT_EQ(ran, n);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(CallbackPool, AHandleKeptAfterItsLoopIsGoneStaysUsable) {
  asim::TimerHandle handle;
  {
    ManualLoop loop;
    handle = loop.call_later(5.0, [] {});
  }
  // The loop dropped its claim; the pool lives on for this node alone.
  EXPECT_FALSE(handle.cancelled());
  EXPECT_DOUBLE_EQ(handle.when(), 5.0);
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
}
