// SPDX-License-Identifier: MIT
// Semaphore and BoundedSemaphore: a counter of permits for tasks
// (asyncio: locks.Semaphore, locks.BoundedSemaphore).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/scoped_release.hpp>

#include <cstddef>

namespace asim {

/// A counter of permits: `acquire()` takes one (waiting while none is free),
/// `release()` gives one back. asyncio: locks.Semaphore (3.11.7).
///
/// Ground rules (asyncio 3.11.7's algorithm, line by line):
/// - `release()` hands its permit to the first waiter not yet woken (the value is
///   decremented on its behalf at once), so a newcomer cannot overtake a woken waiter.
/// - A woken waiter cancelled before it runs gives its permit back and wakes the
///   next one; a waiter that wakes while permits remain wakes the next one too.
/// - Binds to the running loop the first time a task must wait.
class Semaphore : private detail::LoopBound {
 public:
  /// Throws ValueError("Semaphore initial value must be >= 0") for a negative value.
  explicit Semaphore(int value = 1);
  virtual ~Semaphore() = default;

  /// True when acquire() would wait: no permit free, or tasks queued that are not
  /// cancelled. asyncio: Semaphore.locked.
  [[nodiscard]] bool locked() const noexcept;
  /// Takes a permit, waiting for one if needed; returns true. asyncio: Semaphore.acquire.
  Coro<bool> acquire();
  /// Gives a permit back and wakes the next waiter. asyncio: Semaphore.release.
  virtual void release();
  /// `async with semaphore:` — acquires; the guard releases when destroyed.
  Coro<ScopedRelease<Semaphore>> scoped();

  /// The permit counter (asyncio's `_value`).
  [[nodiscard]] int value() const noexcept { return value_; }
  /// Tasks queued in acquire() (cancelled ones included until they run).
  [[nodiscard]] std::size_t waiter_count() const noexcept { return waiters_.size(); }

 protected:
  // asyncio: Semaphore._value
  int value_;

 private:
  void wake_up_next() noexcept;

  detail::WaiterList waiters_;
};

/// A semaphore whose `release()` throws ValueError("BoundedSemaphore released too
/// many times") instead of raising the value above its initial value.
/// asyncio: locks.BoundedSemaphore.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(int value = 1) : Semaphore(value), bound_value_(value) {}
  /// asyncio: BoundedSemaphore.release.
  void release() override;
  /// `async with semaphore:` — acquires; the guard releases (bounded) when destroyed.
  Coro<ScopedRelease<BoundedSemaphore>> scoped();

 private:
  int bound_value_;
};

}  // namespace asim
