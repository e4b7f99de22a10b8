// SPDX-License-Identifier: MIT
// Lock (asyncio: locks.Lock).
#include <asim/lock.hpp>

#include <asim/detail/settle.hpp>

#include <exception>

namespace asim {

// asyncio: Lock.acquire
Coro<bool> Lock::acquire() {
  bool all_cancelled = true;
  for (detail::Waiter* w = waiters_.front(); w != nullptr; w = detail::WaiterList::next(*w)) {
    if (!w->cancelled()) {
      all_cancelled = false;
      break;
    }
  }
  if (!locked_ && all_cancelled) {
    locked_ = true;
    co_return true;
  }

  detail::Waiter fut(get_loop("Lock"), "Lock.acquire");
  waiters_.push_back(fut);

  // The waiter leaves the list before the CancelledError handling, so that
  // wake_up_first() does not try to wake this very waiter.
  // (The error is given back by the await and the coroutine ends with it without a
  // throw: see detail/settle.hpp.)
  std::exception_ptr error = co_await detail::settle_await(fut);
  waiters_.remove(fut);
  if (error) {
    if (is_cancelled_error(error) && !locked_) wake_up_first();
    co_await detail::fail_with(std::move(error));
    co_return false;
  }

  locked_ = true;
  co_return true;
}

// asyncio: Lock.release
void Lock::release() {
  if (locked_) {
    locked_ = false;
    wake_up_first();
  } else {
    std::rethrow_exception(release_error());
  }
}

std::exception_ptr Lock::release_error() const {
  return locked_ ? nullptr : std::make_exception_ptr(RuntimeError("Lock is not acquired."));
}

// asyncio: Lock._wake_up_first
void Lock::wake_up_first() noexcept {
  detail::Waiter* fut = waiters_.front();
  if (fut == nullptr) return;
  // A done waiter will wake up later on and either take the lock, or, if it was
  // cancelled and the lock is free, call this again to wake the next one.
  if (!fut->done()) fut->set_result();
}

// asyncio: _ContextManagerMixin.__aenter__
Coro<ScopedRelease<Lock>> Lock::scoped() {
  co_await acquire();
  co_return ScopedRelease<Lock>(*this);
}

}  // namespace asim
