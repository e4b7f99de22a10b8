// SPDX-License-Identifier: MIT
// Lock: a mutual-exclusion lock for tasks (asyncio: locks.Lock).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/scoped_release.hpp>

#include <exception>

namespace asim {

/// A primitive lock, not owned by any task: locked or unlocked. asyncio: locks.Lock.
///
/// Ground rules (asyncio 3.11's algorithm, line by line):
/// - `acquire()` takes a free lock at once, without yielding, unless tasks are queued
///   that are not cancelled: then it queues behind them (FIFO fairness).
/// - `release()` wakes the first queued waiter only; the woken task takes the lock
///   when its step runs. A woken waiter cancelled before that step passes the
///   wake-up on to the next waiter, so a cancellation never strands the queue.
/// - Binds to the running loop the first time a task must wait (RuntimeError if
///   later used from another loop).
class Lock : private detail::LoopBound {
 public:
  Lock() = default;

  /// Waits until the lock is free, then takes it; returns true. Cancelling the waiting
  /// task raises CancelledError here and leaves the lock as it was. asyncio: Lock.acquire.
  Coro<bool> acquire();
  /// Frees the lock and wakes the first waiter. Throws RuntimeError("Lock is not
  /// acquired.") when the lock is free. asyncio: Lock.release.
  void release();
  /// What release() would raise, given back: its RuntimeError when the lock is free,
  /// else nullptr (for callers that pass errors as values).
  [[nodiscard]] std::exception_ptr release_error() const;
  /// True while the lock is held. asyncio: Lock.locked.
  [[nodiscard]] bool locked() const noexcept { return locked_; }
  /// `async with lock:` — acquires, and the returned guard releases when destroyed.
  Coro<ScopedRelease<Lock>> scoped();

  /// Tasks queued in acquire() (cancelled ones included until they run).
  [[nodiscard]] std::size_t waiter_count() const noexcept { return waiters_.size(); }

 private:
  void wake_up_first() noexcept;

  detail::WaiterList waiters_;
  bool locked_ = false;
};

}  // namespace asim
