// SPDX-License-Identifier: MIT
// The timer heap pops in (deadline, sequence) order, whatever the insertion order,
// and compaction keeps that order.
#include <asim/detail/timer_heap.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

namespace {

using asim::detail::TimerHeap;

std::vector<TimerHeap::Entry> shuffled_entries(std::size_t n) {
  std::vector<TimerHeap::Entry> entries;
  std::uint64_t state = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    // Few distinct deadlines, so that many ties are broken by the sequence number.
    entries.push_back({static_cast<std::int64_t>((state >> 33) % 50), i, nullptr});
  }
  for (std::size_t i = n; i > 1; --i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::swap(entries[i - 1], entries[(state >> 33) % i]);
  }
  return entries;
}

bool key_less(const TimerHeap::Entry& a, const TimerHeap::Entry& b) {
  return std::tie(a.when, a.seq) < std::tie(b.when, b.seq);
}

}  // namespace

TEST(TimerHeap, PopsInDeadlineThenSequenceOrder) {
  std::vector<TimerHeap::Entry> entries = shuffled_entries(1000);
  TimerHeap heap;
  for (const auto& entry : entries) heap.push(entry);
  std::sort(entries.begin(), entries.end(), key_less);
  for (const auto& expected : entries) {
    ASSERT_FALSE(heap.empty());
    EXPECT_EQ(heap.top().seq, expected.seq);
    const TimerHeap::Entry popped = heap.pop();
    EXPECT_EQ(popped.when, expected.when);
    EXPECT_EQ(popped.seq, expected.seq);
  }
  EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, InterleavedPushAndPopKeepTheOrder) {
  std::vector<TimerHeap::Entry> entries = shuffled_entries(600);
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
      EXPECT_EQ(least->seq, popped[next_pop++].seq);
      present.erase(least);
    }
  }
}

TEST(TimerHeap, CompactDropsTheChosenEntriesAndKeepsTheOrder) {
  std::vector<TimerHeap::Entry> entries = shuffled_entries(500);
  TimerHeap heap;
  for (const auto& entry : entries) heap.push(entry);
  heap.compact([](const TimerHeap::Entry& entry) { return entry.seq % 3 == 0; });
  std::vector<TimerHeap::Entry> kept;
  for (const auto& entry : entries) {
    if (entry.seq % 3 != 0) kept.push_back(entry);
  }
  std::sort(kept.begin(), kept.end(), key_less);
  ASSERT_EQ(heap.size(), kept.size());
  for (const auto& expected : kept) EXPECT_EQ(heap.pop().seq, expected.seq);
}
