// SPDX-License-Identifier: MIT
// Event: a flag tasks can wait for (asyncio: locks.Event).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>

namespace asim {

/// A flag, initially false; `wait()` blocks until it is true. asyncio: locks.Event.
///
/// Ground rules: `set()` wakes every waiter at once (each resumes in the next
/// iteration, in the order they started waiting); `clear()` after `set()` does not
/// take back a wake-up already given. Binds to the running loop the first time a
/// task must wait.
class Event : private detail::LoopBound {
 public:
  Event() = default;

  /// True once `set()` was called and not `clear()` since. asyncio: Event.is_set.
  [[nodiscard]] bool is_set() const noexcept { return value_; }
  /// Sets the flag and wakes all waiters. asyncio: Event.set.
  void set() noexcept;
  /// Resets the flag. asyncio: Event.clear.
  void clear() noexcept { value_ = false; }
  /// Returns true at once if the flag is set, else waits until `set()`.
  /// asyncio: Event.wait.
  Coro<bool> wait();

  /// Tasks waiting in wait().
  [[nodiscard]] std::size_t waiter_count() const noexcept { return waiters_.size(); }

 private:
  detail::WaiterList waiters_;
  bool value_ = false;
};

}  // namespace asim
