// SPDX-License-Identifier: MIT
// Condition (asyncio: locks.Condition).
#include <asim/condition.hpp>

#include <exception>

namespace asim {

// asyncio: Condition.wait
Coro<bool> Condition::wait() {
  if (!locked()) throw RuntimeError("cannot wait on un-acquired lock");

  release();
  std::exception_ptr error;
  try {
    detail::Waiter fut(get_loop("Condition"), "Condition.wait");
    waiters_.push_back(fut);
    try {
      co_await fut;
    } catch (...) {
      error = std::current_exception();
    }
    waiters_.remove(fut);
  } catch (...) {
    error = std::current_exception();  // no running loop, or another loop
  }

  // The `finally`: the lock must be re-acquired even if the wait was cancelled.
  bool cancelled = false;
  while (true) {
    try {
      co_await acquire();
      break;
    } catch (const CancelledError&) {
      cancelled = true;
    }
  }
  // asyncio raises a new, message-less CancelledError here, replacing any other outcome.
  if (cancelled) throw CancelledError();
  if (error) std::rethrow_exception(error);
  co_return true;
}

// asyncio: Condition.notify
void Condition::notify(std::size_t n) {
  if (!locked()) throw RuntimeError("cannot notify on un-acquired lock");
  std::size_t idx = 0;
  for (detail::Waiter* fut = waiters_.front(); fut != nullptr; fut = detail::WaiterList::next(*fut)) {
    if (idx >= n) break;
    if (!fut->done()) {
      ++idx;
      fut->set_result();
    }
  }
}

// asyncio: _ContextManagerMixin.__aenter__
Coro<ScopedRelease<Condition>> Condition::scoped() {
  co_await acquire();
  co_return ScopedRelease<Condition>(*this);
}

}  // namespace asim
