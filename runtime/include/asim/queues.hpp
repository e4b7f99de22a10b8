// SPDX-License-Identifier: MIT
// Queue, PriorityQueue and LifoQueue: queues for coordinating producer and consumer
// tasks (asyncio: queues.Queue, queues.PriorityQueue, queues.LifoQueue).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/settle.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/errors.hpp>
#include <asim/event.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>

namespace asim {

/// A FIFO queue of `T` with an optional size limit. asyncio: queues.Queue.
///
/// Ground rules (asyncio 3.11's algorithm, line by line):
/// - `put_nowait` / `get_nowait` hand over at once and wake (pop) the first waiting
///   getter / putter that is not done; the woken task re-checks the queue in its
///   next step, so a newcomer may take the item first and the woken one waits again.
/// - A woken getter (putter) cancelled before it runs passes the wake-up on to the
///   next one when an item (a free slot) is still there: no item is ever lost and no
///   waiter is stranded.
/// - `maxsize == 0` means unbounded.
/// - Subclasses change the order through `put_item` / `get_item` (asyncio: `_put` /
///   `_get`), so a PriorityQueue or LifoQueue can be used through a `Queue<T>&`.
/// - Binds to the running loop the first time a task must wait.
template <class T>
class Queue : private detail::LoopBound {
 public:
  using value_type = T;

  explicit Queue(std::size_t maxsize = 0) : maxsize_(maxsize) { finished_.set(); }
  virtual ~Queue() = default;

  /// Items in the queue. asyncio: Queue.qsize.
  [[nodiscard]] std::size_t qsize() const noexcept { return queue_.size(); }
  /// The size limit; 0 for none. asyncio: Queue.maxsize.
  [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
  /// asyncio: Queue.empty.
  [[nodiscard]] bool empty() const noexcept { return queue_.empty(); }
  /// True when there are maxsize items; never for an unbounded queue. asyncio: Queue.full.
  [[nodiscard]] bool full() const noexcept { return maxsize_ != 0 && qsize() >= maxsize_; }

  /// Puts `item`, waiting for a free slot while the queue is full. asyncio: Queue.put.
  Coro<void> put(T item);
  /// Puts `item` at once; throws QueueFull when the queue is full. asyncio: Queue.put_nowait.
  void put_nowait(T item);
  /// Removes and returns an item, waiting while the queue is empty. asyncio: Queue.get.
  Coro<T> get();
  /// Removes and returns an item at once; throws QueueEmpty when the queue is empty.
  /// asyncio: Queue.get_nowait.
  T get_nowait();
  /// Marks one fetched item as processed. Throws ValueError("task_done() called too
  /// many times") when nothing is unfinished. asyncio: Queue.task_done.
  void task_done();
  /// Waits until every item put has been marked done. asyncio: Queue.join.
  Coro<void> join();

  /// Items put and not yet marked done (asyncio's `_unfinished_tasks`).
  [[nodiscard]] std::size_t unfinished_tasks() const noexcept { return unfinished_tasks_; }
  /// Tasks waiting in get() / put() (done ones included until they run).
  [[nodiscard]] std::size_t getter_count() const noexcept { return getters_.size(); }
  [[nodiscard]] std::size_t putter_count() const noexcept { return putters_.size(); }

 protected:
  /// asyncio: Queue._put — appends.
  virtual void put_item(T&& item) { queue_.push_back(std::move(item)); }
  /// asyncio: Queue._get — takes from the front.
  virtual T get_item() {
    T item = std::move(queue_.front());
    queue_.pop_front();
    return item;
  }

  // asyncio: Queue._queue
  std::deque<T> queue_;

 private:
  static void wakeup_next(detail::WaiterList& waiters) noexcept;

  std::size_t maxsize_;
  detail::WaiterList getters_;
  detail::WaiterList putters_;
  std::size_t unfinished_tasks_ = 0;
  Event finished_;
};

/// A queue that returns the smallest item first, by `Compare` (a strict "less"),
/// with the same heap layout as Python's `heapq`, so equal-priority items leave in
/// the same order as in asyncio. asyncio: queues.PriorityQueue.
template <class T, class Compare = std::less<T>>
class PriorityQueue : public Queue<T> {
 public:
  explicit PriorityQueue(std::size_t maxsize = 0, Compare less = Compare())
      : Queue<T>(maxsize), less_(std::move(less)) {}

 protected:
  // asyncio: PriorityQueue._put (heapq.heappush)
  void put_item(T&& item) override {
    this->queue_.push_back(std::move(item));
    sift_down(0, this->queue_.size() - 1);
  }
  // asyncio: PriorityQueue._get (heapq.heappop)
  T get_item() override {
    auto& heap = this->queue_;
    T last = std::move(heap.back());
    heap.pop_back();
    if (heap.empty()) return last;
    T result = std::move(heap.front());
    heap.front() = std::move(last);
    sift_up(0);
    return result;
  }

 private:
  // heapq._siftdown: moves the item at `pos` up towards `start_pos` while it is
  // smaller than its parent.
  void sift_down(std::size_t start_pos, std::size_t pos) {
    auto& heap = this->queue_;
    T new_item = std::move(heap[pos]);
    while (pos > start_pos) {
      const std::size_t parent_pos = (pos - 1) >> 1U;
      if (less_(new_item, heap[parent_pos])) {
        heap[pos] = std::move(heap[parent_pos]);
        pos = parent_pos;
        continue;
      }
      break;
    }
    heap[pos] = std::move(new_item);
  }
  // heapq._siftup: bubbles the smaller child up until hitting a leaf, then sifts the
  // item at `pos` back down to its place.
  void sift_up(std::size_t pos) {
    auto& heap = this->queue_;
    const std::size_t end_pos = heap.size();
    const std::size_t start_pos = pos;
    T new_item = std::move(heap[pos]);
    std::size_t child_pos = 2 * pos + 1;
    while (child_pos < end_pos) {
      const std::size_t right_pos = child_pos + 1;
      if (right_pos < end_pos && !less_(heap[child_pos], heap[right_pos])) child_pos = right_pos;
      heap[pos] = std::move(heap[child_pos]);
      pos = child_pos;
      child_pos = 2 * pos + 1;
    }
    heap[pos] = std::move(new_item);
    sift_down(start_pos, pos);
  }

  Compare less_;
};

/// A queue that returns the most recently added item first. asyncio: queues.LifoQueue.
template <class T>
class LifoQueue : public Queue<T> {
 public:
  using Queue<T>::Queue;

 protected:
  // asyncio: LifoQueue._get (list.pop)
  T get_item() override {
    T item = std::move(this->queue_.back());
    this->queue_.pop_back();
    return item;
  }
};

// -- inline definitions ---------------------------------------------------------

// asyncio: Queue._wakeup_next
template <class T>
void Queue<T>::wakeup_next(detail::WaiterList& waiters) noexcept {
  while (detail::Waiter* waiter = waiters.pop_front()) {
    if (!waiter->done()) {
      waiter->set_result();
      break;
    }
  }
}

// asyncio: Queue.put
template <class T>
Coro<void> Queue<T>::put(T item) {
  while (full()) {
    detail::Waiter putter(get_loop("Queue"), "Queue.put");
    putters_.push_back(putter);
    // (The error is given back by the await and the coroutine ends with it without a
    // throw: see detail/settle.hpp.)
    std::exception_ptr error = co_await detail::settle_await(putter);
    if (error) {
      putter.cancel();  // just in case the putter is not done yet
      // The putter may already have been removed by get_nowait().
      putters_.remove(putter);
      if (!full() && !putter.cancelled()) {
        // Woken by get_nowait() but cannot take the slot: wake the next in line.
        wakeup_next(putters_);
      }
      co_await detail::fail_with(std::move(error));
      co_return;
    }
  }
  put_nowait(std::move(item));
}

// asyncio: Queue.put_nowait
template <class T>
void Queue<T>::put_nowait(T item) {
  if (full()) throw QueueFull();
  put_item(std::move(item));
  unfinished_tasks_ += 1;
  finished_.clear();
  wakeup_next(getters_);
}

// asyncio: Queue.get
template <class T>
Coro<T> Queue<T>::get() {
  while (empty()) {
    detail::Waiter getter(get_loop("Queue"), "Queue.get");
    getters_.push_back(getter);
    std::exception_ptr error = co_await detail::settle_await(getter);
    if (error) {
      getter.cancel();  // just in case the getter is not done yet
      // The getter may already have been removed by put_nowait().
      getters_.remove(getter);
      if (!empty() && !getter.cancelled()) {
        // Woken by put_nowait() but cannot take the item: wake the next in line.
        wakeup_next(getters_);
      }
      if constexpr (std::is_default_constructible_v<T>) {
        // Ends with the error without a throw (the value is never read).
        co_await detail::fail_with(std::move(error));
        co_return T();
      } else {
        std::rethrow_exception(error);
      }
    }
  }
  co_return get_nowait();
}

// asyncio: Queue.get_nowait
template <class T>
T Queue<T>::get_nowait() {
  if (empty()) throw QueueEmpty();
  T item = get_item();
  wakeup_next(putters_);
  return item;
}

// asyncio: Queue.task_done
template <class T>
void Queue<T>::task_done() {
  if (unfinished_tasks_ == 0) throw ValueError("task_done() called too many times");
  unfinished_tasks_ -= 1;
  if (unfinished_tasks_ == 0) finished_.set();
}

// asyncio: Queue.join
template <class T>
Coro<void> Queue<T>::join() {
  if (unfinished_tasks_ > 0) co_await finished_.wait();
}

}  // namespace asim
