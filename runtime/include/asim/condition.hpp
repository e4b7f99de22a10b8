// SPDX-License-Identifier: MIT
// Condition: wait until notified, under a lock (asyncio: locks.Condition).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/lock.hpp>
#include <asim/scoped_release.hpp>

#include <cstddef>
#include <functional>
#include <type_traits>

namespace asim {

/// A condition variable over a Lock (its own, or one given). asyncio: locks.Condition.
///
/// Ground rules (asyncio 3.11):
/// - `wait()` releases the lock, waits for a notify, then re-acquires the lock before
///   returning, even when cancelled: a cancellation (while waiting or while
///   re-acquiring) is raised only once the lock is held again.
/// - `notify(n)` marks up to n not-yet-woken waiters, FIFO; they run once the
///   notifier releases the lock. `notify` and `wait` throw RuntimeError unless the
///   lock is held.
/// - Binds to the running loop the first time a task must wait.
class Condition : private detail::LoopBound {
 public:
  /// A condition with a lock of its own.
  Condition() noexcept : lock_(&own_lock_) {}
  /// A condition over `lock`, which must outlive it.
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}

  /// The lock's acquire / release / locked (asyncio exports them from the lock).
  Coro<bool> acquire() { return lock_->acquire(); }
  void release() { lock_->release(); }
  [[nodiscard]] bool locked() const noexcept { return lock_->locked(); }
  /// `async with condition:` — acquires the lock; the guard releases it.
  Coro<ScopedRelease<Condition>> scoped();

  /// Releases the lock, waits until notified, re-acquires the lock; returns true.
  /// Throws RuntimeError("cannot wait on un-acquired lock"). asyncio: Condition.wait.
  Coro<bool> wait();

  /// Waits until `predicate()` is true and returns its final value; the lock must be
  /// held. asyncio: Condition.wait_for.
  template <class Predicate>
  Coro<std::decay_t<std::invoke_result_t<Predicate&>>> wait_for(Predicate predicate) {
    auto result = std::invoke(predicate);
    while (!result) {
      co_await wait();
      result = std::invoke(predicate);
    }
    co_return result;
  }

  /// Wakes up to `n` waiters. Throws RuntimeError("cannot notify on un-acquired
  /// lock"). asyncio: Condition.notify.
  void notify(std::size_t n = 1);
  /// Wakes every waiter. asyncio: Condition.notify_all.
  void notify_all() { notify(waiters_.size()); }

  /// Tasks waiting in wait() (not those re-acquiring the lock).
  [[nodiscard]] std::size_t waiter_count() const noexcept { return waiters_.size(); }

 private:
  Lock own_lock_;
  Lock* lock_;
  detail::WaiterList waiters_;
};

}  // namespace asim
