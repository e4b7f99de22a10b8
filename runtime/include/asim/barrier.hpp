// SPDX-License-Identifier: MIT
// Barrier: tasks wait until a fixed number of them arrive (asyncio: locks.Barrier).
#pragma once

#include <asim/condition.hpp>
#include <asim/coro.hpp>
#include <asim/errors.hpp>

#include <cstddef>
#include <string>

namespace asim {

/// asyncio's `BrokenBarrierError` (a RuntimeError): the barrier was aborted or reset
/// while a task waited on it, or is broken when a task arrives.
class BrokenBarrierError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

/// A barrier for `parties` tasks: each `wait()` blocks until `parties` tasks are
/// waiting, then all are released together. asyncio 3.11: locks.Barrier.
///
/// Ground rules (asyncio's algorithm, over a Condition):
/// - The barrier fills, then drains: the task that completes the count releases the
///   others and returns at once; tasks arriving while it drains (or resets) wait for
///   the drain to finish before they count for the next round.
/// - `wait()` returns the arrival index, 0 to parties-1.
/// - `reset()` sends BrokenBarrierError to the tasks waiting and makes the barrier
///   usable again once they left; `abort()` breaks it for good: every current and
///   later `wait()` raises BrokenBarrierError.
/// - A cancelled waiter leaves the count as if it never arrived.
class Barrier {
 public:
  /// Throws ValueError("parties must be > 0") for 0. asyncio: Barrier.__init__.
  explicit Barrier(std::size_t parties);

  /// Waits until `parties` tasks wait; returns this task's arrival index.
  /// asyncio: Barrier.wait.
  Coro<std::size_t> wait();
  /// Breaks the current round with BrokenBarrierError for its waiters and starts
  /// over. asyncio: Barrier.reset.
  Coro<void> reset();
  /// Puts the barrier into the broken state. asyncio: Barrier.abort.
  Coro<void> abort();

  /// asyncio: Barrier.parties.
  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  /// Tasks waiting for the current round to fill (0 while draining). asyncio: Barrier.n_waiting.
  [[nodiscard]] std::size_t n_waiting() const noexcept { return state_ == State::filling ? count_ : 0; }
  /// True once aborted. asyncio: Barrier.broken.
  [[nodiscard]] bool broken() const noexcept { return state_ == State::broken; }
  /// asyncio's repr detail: "filling, waiters:1/3", "broken".
  [[nodiscard]] std::string describe() const;

 private:
  // asyncio: _BarrierState.
  enum class State : unsigned char { filling, draining, resetting, broken };

  Coro<void> block();
  Coro<void> wait_released();
  void exit() noexcept;

  Condition cond_;
  std::size_t parties_;
  std::size_t count_ = 0;
  State state_ = State::filling;
};

}  // namespace asim
