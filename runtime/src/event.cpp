// SPDX-License-Identifier: MIT
// Event (asyncio: locks.Event).
#include <asim/event.hpp>

#include <asim/detail/settle.hpp>

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
  // (The error is given back by the await and the coroutine ends with it without a
  // throw: see detail/settle.hpp.)
  std::exception_ptr error = co_await detail::settle_await(fut);
  waiters_.remove(fut);  // the `finally` of asyncio's wait
  if (error) {
    co_await detail::fail_with(std::move(error));
    co_return false;
  }
  co_return true;
}

}  // namespace asim
