// SPDX-License-Identifier: MIT
// The node type of the ready queue and the intrusive FIFO that holds such nodes.
#pragma once

#include <cstddef>
#include <type_traits>

namespace asim {
class FutureBase;
}

namespace asim::detail {

/// Anything the loop can put on its ready queue: a callback handle, a task's step,
/// a task's wake-up. The link lives in the node, so queueing allocates nothing.
///
/// Ground rules: a node is in at most one list at a time (a future's done-callback
/// list or the ready queue). While it is on the ready queue the loop owns one
/// reference to it (for refcounted nodes): `run()` and `drop()` each give it back.
class Runnable {
 public:
  Runnable() = default;
  Runnable(const Runnable&) = delete;
  Runnable& operator=(const Runnable&) = delete;

  /// Runs the node's work; the loop calls it once per time it was queued.
  virtual void run() = 0;
  /// Gives the queue's claim back without running (loop closed or destroyed).
  virtual void drop() noexcept {}
  /// True when the node must be skipped (a cancelled handle). The loop asks only
  /// when an instrument watches: otherwise it calls run(), which for a cancelled node
  /// must do exactly what drop() does.
  [[nodiscard]] virtual bool is_cancelled() const noexcept { return false; }
  /// Tells a done-callback node which future completed; it may keep a reference.
  virtual void bind_future(FutureBase* future) noexcept { (void)future; }

  Runnable* next_ = nullptr;

 protected:
  ~Runnable() = default;
};

/// A singly linked FIFO of `Runnable` nodes threaded through `Runnable::next_`.
/// `Counted` keeps a size (the loop's ready queue needs it for asyncio's `ntodo`); a
/// future's callback list does without, 8 bytes less in every future and task.
template <bool Counted>
class BasicRunnableQueue {
 public:
  BasicRunnableQueue() = default;
  BasicRunnableQueue(const BasicRunnableQueue&) = delete;
  BasicRunnableQueue& operator=(const BasicRunnableQueue&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept requires Counted { return size_; }
  [[nodiscard]] Runnable* front() const noexcept { return head_; }

  void push_back(Runnable* node) noexcept {
    node->next_ = nullptr;
    if (tail_ != nullptr) {
      tail_->next_ = node;
    } else {
      head_ = node;
    }
    tail_ = node;
    if constexpr (Counted) ++size_;
  }

  Runnable* pop_front() noexcept {
    Runnable* node = head_;
    if (node == nullptr) return nullptr;
    head_ = node->next_;
    if (head_ == nullptr) tail_ = nullptr;
    node->next_ = nullptr;
    if constexpr (Counted) --size_;
    return node;
  }

  /// Unlinks `node` if it is in this queue; O(n), used for removals that asyncio
  /// also does by a linear search (`remove_done_callback`).
  bool remove(Runnable* node) noexcept {
    Runnable* prev = nullptr;
    for (Runnable* cur = head_; cur != nullptr; prev = cur, cur = cur->next_) {
      if (cur != node) continue;
      if (prev != nullptr) {
        prev->next_ = cur->next_;
      } else {
        head_ = cur->next_;
      }
      if (tail_ == cur) tail_ = prev;
      cur->next_ = nullptr;
      if constexpr (Counted) --size_;
      return true;
    }
    return false;
  }

  /// Moves every node of `other` to the end of this queue, keeping their order.
  void splice_back(BasicRunnableQueue& other) noexcept {
    if (other.head_ == nullptr) return;
    if (tail_ != nullptr) {
      tail_->next_ = other.head_;
    } else {
      head_ = other.head_;
    }
    tail_ = other.tail_;
    if constexpr (Counted) {
      size_ += other.size_;
      other.size_ = 0;
    }
    other.head_ = other.tail_ = nullptr;
  }

 private:
  struct NoCount {};
  Runnable* head_ = nullptr;
  Runnable* tail_ = nullptr;
  [[no_unique_address]] std::conditional_t<Counted, std::size_t, NoCount> size_{};
};

/// The loop's ready queue.
using RunnableQueue = BasicRunnableQueue<true>;
/// A future's done-callbacks.
using RunnableList = BasicRunnableQueue<false>;

}  // namespace asim::detail
