// SPDX-License-Identifier: MIT
// Semaphore and BoundedSemaphore (asyncio: locks.Semaphore, locks.BoundedSemaphore).
#include <asim/semaphore.hpp>

#include <asim/detail/settle.hpp>

#include <exception>

namespace asim {

Semaphore::Semaphore(int value) : value_(value) {
  if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
}

// asyncio: Semaphore.locked
bool Semaphore::locked() const noexcept {
  if (value_ == 0) return true;
  for (detail::Waiter* w = waiters_.front(); w != nullptr; w = detail::WaiterList::next(*w)) {
    if (!w->cancelled()) return true;
  }
  return false;
}

// asyncio: Semaphore.acquire
Coro<bool> Semaphore::acquire() {
  if (!locked()) {
    value_ -= 1;
    co_return true;
  }

  detail::Waiter fut(get_loop("Semaphore"), "Semaphore.acquire");
  waiters_.push_back(fut);

  // The waiter leaves the list before the CancelledError handling, so that
  // wake_up_next() does not try to wake this very waiter.
  // (The error is given back by the await and the coroutine ends with it without a
  // throw: see detail/settle.hpp.)
  std::exception_ptr error = co_await detail::settle_await(fut);
  waiters_.remove(fut);
  if (error) {
    if (is_cancelled_error(error) && !fut.cancelled()) {
      // Woken (a permit was taken for us) but cancelled before running: give it back.
      value_ += 1;
      wake_up_next();
    }
    co_await detail::fail_with(std::move(error));
    co_return false;
  }

  if (value_ > 0) wake_up_next();
  co_return true;
}

// asyncio: Semaphore.release
void Semaphore::release() {
  value_ += 1;
  wake_up_next();
}

// asyncio: Semaphore._wake_up_next
void Semaphore::wake_up_next() noexcept {
  for (detail::Waiter* fut = waiters_.front(); fut != nullptr; fut = detail::WaiterList::next(*fut)) {
    if (!fut->done()) {
      value_ -= 1;
      fut->set_result();
      return;
    }
  }
}

// asyncio: _ContextManagerMixin.__aenter__
Coro<ScopedRelease<Semaphore>> Semaphore::scoped() {
  co_await acquire();
  co_return ScopedRelease<Semaphore>(*this);
}

// asyncio: BoundedSemaphore.release
void BoundedSemaphore::release() {
  if (value_ >= bound_value_) throw ValueError("BoundedSemaphore released too many times");
  Semaphore::release();
}

Coro<ScopedRelease<BoundedSemaphore>> BoundedSemaphore::scoped() {
  co_await acquire();
  co_return ScopedRelease<BoundedSemaphore>(*this);
}

}  // namespace asim
