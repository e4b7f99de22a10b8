// SPDX-License-Identifier: MIT
// Event (asyncio: locks.Event).
#include <asim/event.hpp>

#include <exception>

namespace asim {

// asyncio: Event.set
void Event::set() noexcept {
  if (!value_) {
    value_ = true;
    for (detail::Waiter* fut = waiters_.front(); fut != nullptr; fut = detail::WaiterList::next(*fut)) {
      if (!fut->done()) fut->set_result();
    }
  }
}

// asyncio: Event.wait
Coro<bool> Event::wait() {
  if (value_) co_return true;

  detail::Waiter fut(get_loop("Event"), "Event.wait");
  waiters_.push_back(fut);
  std::exception_ptr error;
  try {
    co_await fut;
  } catch (...) {
    error = std::current_exception();
  }
  waiters_.remove(fut);  // the `finally` of asyncio's wait
  if (error) std::rethrow_exception(error);
  co_return true;
}

}  // namespace asim
