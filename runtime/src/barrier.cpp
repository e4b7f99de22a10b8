// SPDX-License-Identifier: MIT
// Barrier (asyncio: locks.Barrier, 3.11).
#include <asim/barrier.hpp>

#include <exception>

namespace asim {

Barrier::Barrier(std::size_t parties) : parties_(parties) {
  if (parties < 1) throw ValueError("parties must be > 0");
}

std::string Barrier::describe() const {
  static const char* const names[] = {"filling", "draining", "resetting", "broken"};
  std::string extra = names[static_cast<int>(state_)];
  if (!broken()) extra += ", waiters:" + std::to_string(n_waiting()) + "/" + std::to_string(parties_);
  return "Barrier [" + extra + "]";
}

// asyncio: Barrier.wait
Coro<std::size_t> Barrier::wait() {
  auto guard = co_await cond_.scoped();
  co_await block();  // Block while the barrier drains or resets.
  const std::size_t index = count_;
  count_ += 1;
  std::exception_ptr error;
  try {
    if (index + 1 == parties_) {
      // asyncio: Barrier._release. Enter draining state; the next waiting tasks are
      // blocked until the end of draining.
      state_ = State::draining;
      cond_.notify_all();
    } else {
      co_await wait_released();
    }
  } catch (...) {
    error = std::current_exception();
  }
  // The `finally`.
  count_ -= 1;
  exit();  // Wake up any tasks waiting for barrier to drain.
  if (error) std::rethrow_exception(error);
  co_return index;
}

// asyncio: Barrier._block
Coro<void> Barrier::block() {
  // It is draining or resetting: wait until done, unless a CancelledError occurs.
  struct NotDrainingOrResetting {
    const Barrier* barrier;
    bool operator()() const noexcept {
      return barrier->state_ != State::draining && barrier->state_ != State::resetting;
    }
  };
  co_await cond_.wait_for(NotDrainingOrResetting{this});
  if (state_ == State::broken) throw BrokenBarrierError("Barrier aborted");
}

// asyncio: Barrier._wait
Coro<void> Barrier::wait_released() {
  // Wait for the end of filling, unless a CancelledError occurs.
  struct NotFilling {
    const Barrier* barrier;
    bool operator()() const noexcept { return barrier->state_ != State::filling; }
  };
  co_await cond_.wait_for(NotFilling{this});
  if (state_ == State::broken || state_ == State::resetting) {
    throw BrokenBarrierError("Abort or reset of barrier");
  }
}

// asyncio: Barrier._exit
void Barrier::exit() noexcept {
  // The last task out of the barrier signals the tasks waiting for it to drain.
  if (count_ == 0) {
    if (state_ == State::resetting || state_ == State::draining) state_ = State::filling;
    cond_.notify_all();  // the lock is held: cannot throw
  }
}

// asyncio: Barrier.reset
Coro<void> Barrier::reset() {
  auto guard = co_await cond_.scoped();
  if (count_ > 0) {
    if (state_ != State::resetting) state_ = State::resetting;  // reset the barrier, waking up tasks
  } else {
    state_ = State::filling;
  }
  cond_.notify_all();
}

// asyncio: Barrier.abort
Coro<void> Barrier::abort() {
  auto guard = co_await cond_.scoped();
  state_ = State::broken;
  cond_.notify_all();
}

}  // namespace asim
