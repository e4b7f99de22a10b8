// SPDX-License-Identifier: MIT
// The timer queue pops in (deadline, tie) order, whatever the insertion order (deadlines
// already past included), and compaction keeps that order.
#include <gtest/gtest.h>
#include <asim/detail/timer_heap.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <tuple>
#include <vector>

namespace {

using asim::detail::CallbackNode;
using asim::detail::TimerHeap;

// Nodes that only carry tie keys: the queue never runs or releases them.
class Nodes {
 public:
  explicit Nodes(std::size_t n) : nodes_(new CallbackNode[n]) {
    for (std::size_t i = 0; i < n; ++i) nodes_[i].tie_ = i;
  }
  CallbackNode* operator[](std::size_t i) const { return &nodes_[i]; }

 private:
  std::unique_ptr<CallbackNode[]> nodes_;
};

std::uint64_t next_random(std::uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}

std::vector<TimerHeap::Entry> shuffled_entries(const Nodes& nodes, std::size_t n) {
  std::vector<TimerHeap::Entry> entries;
  std::uint64_t state = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    // Few distinct deadlines, so that many ties are broken by the tie key.
    entries.push_back({static_cast<std::int64_t>(next_random(state) % 50), nodes[i]});
  }
  for (std::size_t i = n; i > 1; --i) std::swap(entries[i - 1], entries[next_random(state) % i]);
  return entries;
}

bool key_less(const TimerHeap::Entry& a, const TimerHeap::Entry& b) {
  return std::tie(a.when, a.node->tie_) < std::tie(b.when, b.node->tie_);
}

std::uint64_t tie(const TimerHeap::Entry& entry) { return entry.node->tie_; }

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

}  // namespace

TEST(TimerHeap, PopsInDeadlineThenTieOrder) {
  Nodes nodes(1000);
  std::vector<TimerHeap::Entry> entries = shuffled_entries(nodes, 1000);
  TimerHeap heap;
  for (const auto& entry : entries) heap.push(entry);
  std::sort(entries.begin(), entries.end(), key_less);
  for (const auto& expected : entries) {
    ASSERT_FALSE(heap.empty());
    EXPECT_EQ(tie(heap.top()), tie(expected));
    const TimerHeap::Entry popped = heap.pop();
    EXPECT_EQ(popped.when, expected.when);
    EXPECT_EQ(tie(popped), tie(expected));
  }
  EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, InterleavedPushAndPopKeepTheOrder) {
  Nodes nodes(600);
  std::vector<TimerHeap::Entry> entries = shuffled_entries(nodes, 600);
  TimerHeap heap;
  std::vector<TimerHeap::Entry> popped;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    heap.push(entries[i]);
    if (i % 3 == 2) popped.push_back(heap.pop());
  }
  // Each pop returns the least entry present at that moment.
  std::vector<TimerHeap::Entry> present;
  std::size_t next_pop = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    present.push_back(entries[i]);
    if (i % 3 == 2) {
      auto least = std::min_element(present.begin(), present.end(), key_less);
      EXPECT_EQ(tie(*least), tie(popped[next_pop++]));
      present.erase(least);
    }
  }
}

TEST(TimerHeap, CompactDropsTheChosenEntriesAndKeepsTheOrder) {
  Nodes nodes(500);
  std::vector<TimerHeap::Entry> entries = shuffled_entries(nodes, 500);
  TimerHeap heap;
  for (const auto& entry : entries) heap.push(entry);
  heap.compact([](const TimerHeap::Entry& entry) { return tie(entry) % 3 == 0; });
  std::vector<TimerHeap::Entry> kept;
  for (const auto& entry : entries) {
    if (tie(entry) % 3 != 0) kept.push_back(entry);
  }
  std::sort(kept.begin(), kept.end(), key_less);
  ASSERT_EQ(heap.size(), kept.size());
  for (const auto& expected : kept) EXPECT_EQ(tie(heap.pop()), tie(expected));
}

// A loop's deadlines move forwards, but call_at may name a time already past and
// deadlines span the whole int64 range: the order must hold for all of them.
TEST(TimerHeap, DeadlinesBeforeTheLastOneTakenAndExtremeValuesKeepTheOrder) {
  constexpr std::size_t n = 5000;
  Nodes nodes(n);
  std::uint64_t state = 99;
  std::vector<TimerHeap::Entry> present;
  TimerHeap heap;
  std::int64_t last_taken = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t when = 0;
    switch (next_random(state) % 5) {
      case 0:  // in the past of what was already taken
        when = saturating_add(last_taken, -static_cast<std::int64_t>(next_random(state) % 1000));
        break;
      case 1:  // exactly the last deadline taken: a tie with the front
        when = last_taken;
        break;
      case 2:
        when = std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(next_random(state) % 3);
        break;
      case 3:
        when = std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(next_random(state) % 3);
        break;
      default: when = saturating_add(last_taken, static_cast<std::int64_t>(next_random(state) % 1'000'000));
    }
    heap.push({when, nodes[i]});
    present.push_back({when, nodes[i]});
    if (next_random(state) % 2 == 0) {
      auto least = std::min_element(present.begin(), present.end(), key_less);
      const TimerHeap::Entry popped = heap.pop();
      ASSERT_EQ(tie(popped), tie(*least)) << "push " << i;
      last_taken = popped.when;
      present.erase(least);
    }
  }
  ASSERT_EQ(heap.size(), present.size());
  std::sort(present.begin(), present.end(), key_less);
  for (const auto& expected : present) ASSERT_EQ(tie(heap.pop()), tie(expected));
  EXPECT_TRUE(heap.empty());
}

// A batch of tied timers comes out in tie order, timers armed for the batch's deadline
// while it is being taken follow it, and one armed in the past goes before it.
TEST(TimerHeap, TimersArmedForTheDeadlineBeingTakenFollowItsBatch) {
  Nodes nodes(300);
  TimerHeap heap;
  // Ties pushed out of order: 0..99 in reverse.
  for (std::size_t i = 100; i > 0; --i) heap.push({7, nodes[i - 1]});
  std::vector<std::uint64_t> order;
  for (int i = 0; i < 50; ++i) order.push_back(tie(heap.pop()));
  for (std::size_t i = 100; i < 200; ++i) heap.push({7, nodes[i]});  // the same deadline, later ties
  heap.push({3, nodes[200]});                                         // already past
  heap.push({9, nodes[201]});                                         // after the batch
  while (!heap.empty()) order.push_back(tie(heap.pop()));
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 0; i < 50; ++i) expected.push_back(i);
  expected.push_back(200);
  for (std::uint64_t i = 50; i < 200; ++i) expected.push_back(i);
  expected.push_back(201);
  EXPECT_EQ(order, expected);
}

// A thread's heaps pass their store on (one heap per short-lived loop): a heap left
// with entries, or grown past its first room, or whose run grew while it held few
// entries, leaves the next heap a store as good as new.
TEST(TimerHeap, AHeapAfterAnotherStartsEmptyAndKeepsTheOrder) {
  Nodes nodes(300);
  const std::vector<TimerHeap::Entry> entries = shuffled_entries(nodes, 300);
  for (std::size_t count : {std::size_t{0}, std::size_t{3}, std::size_t{300}, std::size_t{2}, std::size_t{40}}) {
    {
      // Left behind with entries in the front and in buckets.
      TimerHeap left;
      for (std::size_t i = 0; i < count; ++i) left.push(entries[i]);
      if (count > 1) (void)left.pop();
    }
    {
      // Ties taken from the run while more are appended to it.
      TimerHeap ties;
      for (std::size_t i = 0; i < 4; ++i) ties.push({7, nodes[i]});
      (void)ties.pop();
      (void)ties.pop();
      for (std::size_t i = 4; i < 8; ++i) ties.push({7, nodes[i]});
      for (std::size_t i = 2; i < 8; ++i) EXPECT_EQ(tie(ties.pop()), i);
      EXPECT_TRUE(ties.empty());
    }
    TimerHeap heap;
    EXPECT_TRUE(heap.empty());
    std::vector<TimerHeap::Entry> expected(entries.begin(), entries.begin() + 50);
    for (const auto& entry : expected) heap.push(entry);
    std::sort(expected.begin(), expected.end(), key_less);
    for (const auto& entry : expected) EXPECT_EQ(tie(heap.pop()), tie(entry));
    EXPECT_TRUE(heap.empty());
  }
}
