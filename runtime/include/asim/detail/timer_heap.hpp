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
/// meanwhile is appended to it; anything else turns the run into a heap. So a batch
/// of tied timers, thousands of sleeps of one length, pops in order from one array,
/// where a heap sifted through log2(n) levels per pop and read a node (a cache miss)
/// at each comparison. Ties are read from the nodes only where two deadlines are
/// equal: a batch of one reads none.
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

  TimerHeap() noexcept = default;
  TimerHeap(const TimerHeap&) = delete;
  TimerHeap& operator=(const TimerHeap&) = delete;
  ~TimerHeap() { give_back_store(); }

  void push(Entry entry) {
    if (store_ == nullptr) take_store();
    const std::uint64_t key = ordered(entry.when);
    if (key <= last_) {
      push_front(entry);
      refresh();
    } else {
      const unsigned bucket = bucket_of(key);
      store_->buckets[bucket].push_back(entry);
      occupied_ |= bit(bucket);
    }
    ++size_;
    grown_ = grown_ || size_ > initial_room;
  }

  Entry pop() {
    settle();
    Entry top;
    // (The heap is empty while the run is not, and the other way round.)
    if (!run_empty()) {
      top = store_->run[run_head_];
      if (++run_head_ == store_->run.size()) {
        store_->run.clear();
        run_head_ = 0;
        first_ = nullptr;
      } else {
        first_ = &store_->run[run_head_];
      }
    } else {
      std::pop_heap(store_->front.begin(), store_->front.end(), later);
      top = store_->front.back();
      store_->front.pop_back();
      first_ = store_->front.empty() ? nullptr : store_->front.data();
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
    if (store_ == nullptr) return;
    store_->run.drop_front(run_head_);
    run_head_ = 0;
    std::size_t kept = filter(store_->run, drop);
    kept += filter(store_->front, drop);
    std::make_heap(store_->front.begin(), store_->front.end(), later);
    for (unsigned bucket = 1; bucket < bucket_count; ++bucket) {
      if ((occupied_ & bit(bucket)) == 0) continue;
      kept += filter(store_->buckets[bucket], drop);
      if (store_->buckets[bucket].empty()) occupied_ &= ~bit(bucket);
    }
    size_ = kept;
    refresh();
  }

  template <class Fn>
  void for_each(Fn fn) const {
    if (store_ == nullptr) return;
    for (std::size_t i = run_head_; i < store_->run.size(); ++i) fn(store_->run[i]);
    for (const Entry& entry : store_->front) fn(entry);
    for (const Bucket& bucket : store_->buckets) {
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

  [[nodiscard]] bool run_empty() const noexcept { return run_head_ == store_->run.size(); }
  // Whether the front's first entry is the run's head (else the heap's top).
  // At most one of the run and the heap holds entries, so the first entry is the
  // run's head or the heap's top: kept in first_ (nullptr: the front is empty), as the
  // loop asks for the top several times per timer.
  void refresh() noexcept {
    first_ = !run_empty() ? &store_->run[run_head_] : store_->front.empty() ? nullptr : &store_->front.front();
  }

  // Appended to a run when it sorts after the run's last entry; else into the heap,
  // which first takes what is left of the run (rare: a call_at in the past while a
  // batch of ties is being taken).
  void push_front(const Entry& entry) {
    if (!run_empty()) {
      if (later(entry, store_->run.back())) {
        // (The run still holds the run_head_ entries taken: it may grow while the
        // heap holds few.)
        grown_ = grown_ || store_->run.size() >= initial_room;
        store_->run.push_back(entry);
        return;
      }
      store_->front.append(store_->run.begin() + run_head_, store_->run.end());
      store_->run.clear();
      run_head_ = 0;
      std::make_heap(store_->front.begin(), store_->front.end(), later);
    }
    store_->front.push_back(entry);
    std::push_heap(store_->front.begin(), store_->front.end(), later);
  }

  // Makes the front non-empty (the queue must not be empty): the lowest occupied
  // bucket's minimum becomes last_, its equals become the run (in tie order) and the
  // rest go to lower buckets (they differ from the new last_ in a lower bit).
  void settle() {
    if (first_ != nullptr) return;
    const unsigned lowest = static_cast<unsigned>(__builtin_ctzll(occupied_)) + 1U;
    Bucket& source = store_->buckets[lowest];
    std::uint64_t minimum = ordered(source.front().when);
    for (const Entry& entry : source) minimum = std::min(minimum, ordered(entry.when));
    last_ = minimum;
    // The equals are gathered in the (empty) heap's array, unordered: one entry is a
    // heap, several become the run.
    for (const Entry& entry : source) {
      const std::uint64_t key = ordered(entry.when);
      if (key == minimum) {
        store_->front.push_back(entry);
      } else {
        const unsigned bucket = bucket_of(key);
        store_->buckets[bucket].push_back(entry);
        occupied_ |= bit(bucket);
      }
    }
    source.clear();
    occupied_ &= ~bit(lowest);
    if (store_->front.size() > 1) {
      store_->run.swap(store_->front);
      store_->front.clear();
      run_head_ = 0;
      sort_run();
    }
    refresh();
  }

  // Puts the run's tied entries in tie order: mostly a check that they already are.
  void sort_run() {
    const std::size_t count = store_->run.size();
    std::uint64_t previous = 0;
    bool sorted = true;
    for (std::size_t i = 0; i < count && sorted; ++i) {
      // The tie is in the node: fetch the nodes of a big batch ahead.
      constexpr std::size_t ahead = 8;
      if (i + ahead < count) __builtin_prefetch(store_->run[i + ahead].node);
      const std::uint64_t tie = store_->run[i].node->tie_;
      sorted = i == 0 || previous < tie;
      previous = tie;
    }
    if (!sorted) {
      std::sort(store_->run.begin(), store_->run.end(),
                [](const Entry& a, const Entry& b) { return a.node->tie_ < b.node->tie_; });
    }
  }

  using Bucket = RoomVector<Entry>;

  // Which bucket a timer lands in depends on how the clock's bits change, so buckets
  // are first used one by one as time passes; a little room in each up front keeps
  // a loop that arms one timer at a time from ever allocating after its first.
  static constexpr std::size_t initial_room = 4;

  /// The run, the heap and buckets 1..64 with their first room, in one block: a fresh
  /// loop's first timer costs one allocation, not 65, and none when the thread kept its
  /// last heap's store (a loop per short run, as `asim check` makes two per scenario:
  /// setting up and tearing down 66 vectors per heap was 4 % of its time). Growth past
  /// that room comes from the heap as usual.
  struct Store {
    Store() noexcept { lend_room(); }
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    ~Store() = default;

    // Each vector its piece of `room`, empty (what it grew into is freed).
    void lend_room() noexcept {
      Entry* next = room;
      run.lend(next, initial_room);
      front.lend(next += initial_room, initial_room);
      for (unsigned bucket = 1; bucket < bucket_count; ++bucket)
        buckets[bucket].lend(next += initial_room, initial_room);
    }

    Bucket run;                                // sorted by (deadline, tie), taken from run_head_
    Bucket front;                              // a binary heap on later()
    std::array<Bucket, bucket_count> buckets;  // [0] unused: the front is bucket 0
    Entry room[initial_room * (bucket_count + 1)];
  };
  /// A thread keeps its last heap's store for its next heap. A kept store is as a new
  /// one: every vector empty in its own room, owning nothing (the thread's exit frees
  /// a kept block without running its destructor).
  using StoreBlock = KeptBlock<Store, sizeof(Store), 1, alignof(Store)>;

  void take_store() {
    if (void* kept = StoreBlock::take_kept()) {
      store_ = static_cast<Store*>(kept);
    } else {
      store_ = ::new (StoreBlock::take()) Store();
    }
  }
  void give_back_store() noexcept {
    if (store_ == nullptr) return;
    if (grown_) {
      // Some vector may have grown past its room (none can while the heap never
      // held more entries than one room).
      store_->lend_room();
    } else {
      store_->run.clear();
      store_->front.clear();
      for (std::uint64_t left = occupied_; left != 0; left &= left - 1) {
        store_->buckets[static_cast<unsigned>(__builtin_ctzll(left)) + 1U].clear();
      }
    }
    if (!StoreBlock::keep(store_)) {
      store_->~Store();
      StoreBlock::give_back(store_);  // frees it: it was not kept
    }
    store_ = nullptr;
  }

  template <class Pred>
  static std::size_t filter(Bucket& entries, Pred& drop) {
    entries.truncate(static_cast<std::size_t>(
        std::remove_if(entries.begin(), entries.end(), [&drop](const Entry& entry) { return drop(entry); }) -
        entries.begin()));
    return entries.size();
  }

  Store* store_ = nullptr;  // taken at the first push
  std::size_t run_head_ = 0;
  const Entry* first_ = nullptr;  // the run's head, the heap's top, or nullptr
  std::uint64_t occupied_ = 0;    // bit b-1 set: bucket b is not empty
  std::uint64_t last_ = 0;        // the last minimum taken, as a key
  std::size_t size_ = 0;
  bool grown_ = false;  // the heap held more entries than one room at some time
};

}  // namespace asim::detail
