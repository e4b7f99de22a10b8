// SPDX-License-Identifier: MIT
// The loop's timers: a binary min-heap of {deadline, sequence, node} entries.
#pragma once

#include <asim/detail/callback_node.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace asim::detail {

/// A binary heap ordered by deadline, then by a sequence number that breaks ties
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
    std::push_heap(entries_.begin(), entries_.end(), later);
  }

  Entry pop() noexcept {
    std::pop_heap(entries_.begin(), entries_.end(), later);
    Entry entry = entries_.back();
    entries_.pop_back();
    return entry;
  }

  /// Removes every entry for which `drop(entry)` is true, then restores the heap.
  template <class Pred>
  void compact(Pred drop) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), drop), entries_.end());
    std::make_heap(entries_.begin(), entries_.end(), later);
  }

  template <class Fn>
  void for_each(Fn fn) const {
    for (const Entry& entry : entries_) fn(entry);
  }

  void clear() noexcept { entries_.clear(); }
  void reserve(std::size_t n) { entries_.reserve(n); }

 private:
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.when != b.when ? a.when > b.when : a.seq > b.seq;
  }
  std::vector<Entry> entries_;
};

}  // namespace asim::detail
