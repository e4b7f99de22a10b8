// SPDX-License-Identifier: MIT
// The loop's timers: a radix heap of {deadline, node} entries, popped in exact
// (deadline, tie) order.
#pragma once

#include <asim/detail/callback_node.hpp>
#include <asim/detail/kept_block.hpp>
#include <asim/detail/room_vector.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace asim::detail {

/// A min-priority queue of timers ordered by deadline, then by the node's tie key
/// (arming order on the real loop, the chooser's pick on the simulated loop).
/// Cancelled entries stay until they reach the top or until `compact` drops them, as
/// in asyncio's `_scheduled` list.
///
/// Why a radix heap and not a binary one: a loop's deadlines only move forwards, so
/// the queue may be "monotone". Entries live in 64 buckets by the highest bit in
/// which their deadline differs from the last minimum taken; a push appends to a
/// bucket, and a pop that finds the front empty takes the lowest non-empty bucket,
/// finds its minimum and spreads its entries over lower buckets. Everything is
/// appends and linear scans, so a queue of a million timers costs a few cache misses
/// per timer where a heap's sift-down costs one per level (measured: 50 ns against
/// 175 ns for a cache-aligned 4-ary heap, per push + pop of 1e6 random deadlines).
///
/// The front holds the entries whose deadline is at or before that last minimum:
/// ties, and deadlines already past (a call_at in the past). It is one of two things:
/// a run, sorted by (deadline, tie) and taken from its head, or a binary heap on
/// (deadline, tie). A bucket's entries of one deadline, when there are several, become
/// the run (they mostly arrive in tie order already, as the loop hands ties out in
/// arming order; else they are sorted once), and a timer armed for that deadline
/// meanwhile is appended to it; anything else turns the run into a heap. So a batch of tied timers, thousands of sleeps of one
/// length, pops in order from one array, where a heap sifted through log2(n) levels
/// per pop and read a node (a cache miss) at each comparison. Ties are read from the
/// nodes only where two deadlines are equal: a batch of one reads none.
class TimerHeap {
 public:
  struct Entry {
    std::int64_t when;
    CallbackNode* node;
  };

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// The earliest entry. Not const: it may first spread a bucket into the front.
  [[nodiscard]] const Entry& top() {
    settle();
    return *first_;
  }

  void push(Entry entry) {
    if (!reserved_) reserve_buckets();
    const std::uint64_t key = ordered(entry.when);
    if (key <= last_) {
      push_front(entry);
      refresh();
    } else {
      const unsigned bucket = bucket_of(key);
      buckets_[bucket].push_back(entry);
      occupied_ |= bit(bucket);
    }
    ++size_;
  }

  Entry pop() {
    settle();
    Entry top;
    // (The heap is empty while the run is not, and the other way round.)
    if (!run_empty()) {
      top = run_[run_head_];
      if (++run_head_ == run_.size()) {
        run_.clear();
        run_head_ = 0;
        first_ = nullptr;
      } else {
        first_ = &run_[run_head_];
      }
    } else {
      std::pop_heap(front_.begin(), front_.end(), later);
      top = front_.back();
      front_.pop_back();
      first_ = front_.empty() ? nullptr : front_.data();
    }
    --size_;
    // Find the next top now and fetch its node: the loop reads it (is it cancelled?
    // is it due?) at its next turn, and the callback that runs meanwhile hides the miss.
    if (size_ != 0) {
      settle();
      __builtin_prefetch(first_->node);
    }
    return top;
  }

  /// Removes every entry for which `drop(entry)` is true.
  template <class Pred>
  void compact(Pred drop) {
    run_.drop_front(run_head_);
    run_head_ = 0;
    std::size_t kept = filter(run_, drop);
    kept += filter(front_, drop);
    std::make_heap(front_.begin(), front_.end(), later);
    for (unsigned bucket = 1; bucket < bucket_count; ++bucket) {
      if ((occupied_ & bit(bucket)) == 0) continue;
      kept += filter(buckets_[bucket], drop);
      if (buckets_[bucket].empty()) occupied_ &= ~bit(bucket);
    }
    size_ = kept;
    refresh();
  }

  template <class Fn>
  void for_each(Fn fn) const {
    for (std::size_t i = run_head_; i < run_.size(); ++i) fn(run_[i]);
    for (const Entry& entry : front_) fn(entry);
    for (const Bucket& bucket : buckets_) {
      for (const Entry& entry : bucket) fn(entry);
    }
  }

 private:
  // Bucket b (1..64) holds keys whose highest bit differing from last_ is bit b-1.
  static constexpr unsigned bucket_count = 65;

  // Deadlines as unsigned keys in the same order (negative deadlines included).
  static std::uint64_t ordered(std::int64_t when) noexcept {
    return static_cast<std::uint64_t>(when) ^ (std::uint64_t{1} << 63);
  }
  [[nodiscard]] unsigned bucket_of(std::uint64_t key) const noexcept {
    return 64U - static_cast<unsigned>(__builtin_clzll(key ^ last_));
  }
  static std::uint64_t bit(unsigned bucket) noexcept { return std::uint64_t{1} << (bucket - 1); }

  // The heap order of the front: "a comes out after b".
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.when != b.when ? a.when > b.when : a.node->tie_ > b.node->tie_;
  }

  [[nodiscard]] bool run_empty() const noexcept { return run_head_ == run_.size(); }
  // Whether the front's first entry is the run's head (else the heap's top).
  // At most one of the run and the heap holds entries, so the first entry is the
  // run's head or the heap's top: kept in first_ (nullptr: the front is empty), as the
  // loop asks for the top several times per timer.
  void refresh() noexcept {
    first_ = !run_empty() ? &run_[run_head_] : front_.empty() ? nullptr : &front_.front();
  }

  // Appended to a run when it sorts after the run's last entry; else into the heap,
  // which first takes what is left of the run (rare: a call_at in the past while a
  // batch of ties is being taken).
  void push_front(const Entry& entry) {
    if (!run_empty()) {
      if (later(entry, run_.back())) {
        run_.push_back(entry);
        return;
      }
      front_.append(run_.begin() + run_head_, run_.end());
      run_.clear();
      run_head_ = 0;
      std::make_heap(front_.begin(), front_.end(), later);
    }
    front_.push_back(entry);
    std::push_heap(front_.begin(), front_.end(), later);
  }

  // Makes the front non-empty (the queue must not be empty): the lowest occupied
  // bucket's minimum becomes last_, its equals become the run (in tie order) and the
  // rest go to lower buckets (they differ from the new last_ in a lower bit).
  void settle() {
    if (first_ != nullptr) return;
    const unsigned lowest = static_cast<unsigned>(__builtin_ctzll(occupied_)) + 1U;
    Bucket& source = buckets_[lowest];
    std::uint64_t minimum = ordered(source.front().when);
    for (const Entry& entry : source) minimum = std::min(minimum, ordered(entry.when));
    last_ = minimum;
    // The equals are gathered in the (empty) heap's array, unordered: one entry is a
    // heap, several become the run.
    for (const Entry& entry : source) {
      const std::uint64_t key = ordered(entry.when);
      if (key == minimum) {
        front_.push_back(entry);
      } else {
        const unsigned bucket = bucket_of(key);
        buckets_[bucket].push_back(entry);
        occupied_ |= bit(bucket);
      }
    }
    source.clear();
    occupied_ &= ~bit(lowest);
    if (front_.size() > 1) {
      run_.swap(front_);
      front_.clear();
      run_head_ = 0;
      sort_run();
    }
    refresh();
  }

  // Puts the run's tied entries in tie order: mostly a check that they already are.
  void sort_run() {
    const std::size_t count = run_.size();
    std::uint64_t previous = 0;
    bool sorted = true;
    for (std::size_t i = 0; i < count && sorted; ++i) {
      // The tie is in the node: fetch the nodes of a big batch ahead.
      constexpr std::size_t ahead = 8;
      if (i + ahead < count) __builtin_prefetch(run_[i + ahead].node);
      const std::uint64_t tie = run_[i].node->tie_;
      sorted = i == 0 || previous < tie;
      previous = tie;
    }
    if (!sorted) {
      std::sort(run_.begin(), run_.end(), [](const Entry& a, const Entry& b) { return a.node->tie_ < b.node->tie_; });
    }
  }

  // Which bucket a timer lands in depends on how the clock's bits change, so buckets
  // are first used one by one as time passes; a little room in each up front keeps
  // a loop that arms one timer at a time from ever allocating after its first.
  /// The first room of the front and of every bucket, carved from one block: a fresh
  /// loop's first timer costs one allocation, not 65 (a loop per run of a scenario
  /// makes this show), and none when the thread kept its last heap's block. Growth
  /// past that room comes from the heap as usual.
  struct Room {
    Room() = default;
    Room(const Room&) = delete;
    Room& operator=(const Room&) = delete;
    ~Room() { RoomBlock::give_back(block); }  // kept for the thread's next heap
    Entry* block = nullptr;
  };
  using Bucket = RoomVector<Entry>;

  void reserve_buckets() {
    room_.block = static_cast<Entry*>(RoomBlock::take());
    Entry* next = room_.block;
    run_.lend(next, initial_room);
    front_.lend(next += initial_room, initial_room);
    for (unsigned bucket = 1; bucket < bucket_count; ++bucket) buckets_[bucket].lend(next += initial_room, initial_room);
    reserved_ = true;
  }
  static constexpr std::size_t initial_room = 4;
  /// A thread's last heap leaves its room block to the next (a loop per short run):
  /// the run, the heap and buckets 1..64.
  using RoomBlock = KeptBlock<Room, initial_room * (bucket_count + 1) * sizeof(Entry)>;

  template <class Pred>
  static std::size_t filter(Bucket& entries, Pred& drop) {
    entries.truncate(static_cast<std::size_t>(
        std::remove_if(entries.begin(), entries.end(), [&drop](const Entry& entry) { return drop(entry); }) -
        entries.begin()));
    return entries.size();
  }

  Room room_;  // before the buckets: the room they were lent outlives them
  Bucket run_;  // sorted by (deadline, tie), taken from run_head_
  std::size_t run_head_ = 0;
  Bucket front_;  // a binary heap on later()
  const Entry* first_ = nullptr;  // the run's head, the heap's top, or nullptr
  std::array<Bucket, bucket_count> buckets_;  // [0] unused: the front is bucket 0
  std::uint64_t occupied_ = 0;                // bit b-1 set: bucket b is not empty
  std::uint64_t last_ = 0;                    // the last minimum taken, as a key
  std::size_t size_ = 0;
  bool reserved_ = false;
};

}  // namespace asim::detail
