// SPDX-License-Identifier: MIT
// The loop's timers: a 4-ary min-heap of {deadline, sequence, node} entries.
#pragma once

#include <asim/detail/callback_node.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace asim::detail {

/// A min-heap ordered by deadline, then by a sequence number that breaks ties
/// (arming order on the real loop, the chooser's pick on the simulated loop).
/// Cancelled entries stay until they reach the top or until `compact` drops them,
/// as in asyncio's `_scheduled` list.
class TimerHeap {
 public:
  struct Entry {
    std::int64_t when;
    std::uint64_t seq;
    CallbackNode* node;
  };

  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] const Entry& top() const noexcept { return entries_.front(); }

  void push(Entry entry) {
    entries_.push_back(entry);
    sift_up(entries_.size() - 1, entry);
  }

  Entry pop() noexcept {
    const Entry top = entries_.front();
    const Entry last = entries_.back();
    entries_.pop_back();
    if (!entries_.empty()) sift_down(0, last);
    return top;
  }

  /// Removes every entry for which `drop(entry)` is true, then restores the heap.
  template <class Pred>
  void compact(Pred drop) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), drop), entries_.end());
    for (std::size_t i = entries_.size() / arity + 1; i-- > 0;) {
      if (i < entries_.size()) sift_down(i, entries_[i]);
    }
  }

  template <class Fn>
  void for_each(Fn fn) const {
    for (const Entry& entry : entries_) fn(entry);
  }

  void clear() noexcept { entries_.clear(); }
  void reserve(std::size_t n) { entries_.reserve(n); }

 private:
  // A 4-ary heap: half the depth of a binary one, so popping from a heap of a
  // million timers touches half as many cache lines. Keys (deadline, sequence) are
  // unique, so the order of pops is the same for any arity.
  static constexpr std::size_t arity = 4;

  static bool before(const Entry& a, const Entry& b) noexcept {
    return a.when != b.when ? a.when < b.when : a.seq < b.seq;
  }

  // Moves the hole at `index` up until `entry` fits there.
  void sift_up(std::size_t index, const Entry& entry) noexcept {
    while (index > 0) {
      const std::size_t parent = (index - 1) / arity;
      if (!before(entry, entries_[parent])) break;
      entries_[index] = entries_[parent];
      index = parent;
    }
    entries_[index] = entry;
  }

  // Moves the hole at `index` down until `entry` fits there.
  void sift_down(std::size_t index, const Entry entry) noexcept {
    const std::size_t size = entries_.size();
    while (true) {
      const std::size_t first = index * arity + 1;
      if (first >= size) break;
      const std::size_t end = first + arity < size ? first + arity : size;
      std::size_t best = first;
      for (std::size_t child = first + 1; child < end; ++child) {
        if (before(entries_[child], entries_[best])) best = child;
      }
      if (!before(entries_[best], entry)) break;
      entries_[index] = entries_[best];
      index = best;
    }
    entries_[index] = entry;
  }

  std::vector<Entry> entries_;
};

}  // namespace asim::detail
