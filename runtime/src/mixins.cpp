// SPDX-License-Identifier: MIT
// The machinery shared by locks and queues: lazy loop binding and waiter lists
// (asyncio: mixins._LoopBoundMixin and the waiter deques of locks.py / queues.py).
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>

#include <string>

namespace asim::detail {

// asyncio: _LoopBoundMixin._get_loop
EventLoop& LoopBound::get_loop(const char* what) {
  EventLoop& loop = get_running_loop();
  if (loop_id_ == 0) loop_id_ = loop.id();
  if (loop.id() != loop_id_) throw RuntimeError(std::string(what) + " is bound to a different event loop");
  return loop;
}

Waiter::~Waiter() {
  if (list_ != nullptr) list_->remove(*this);
}

WaiterList::~WaiterList() {
  while (pop_front() != nullptr) {
  }
}

void WaiterList::push_back(Waiter& waiter) noexcept {
  waiter.prev_ = tail_;
  waiter.next_ = nullptr;
  if (tail_ != nullptr) {
    tail_->next_ = &waiter;
  } else {
    head_ = &waiter;
  }
  tail_ = &waiter;
  waiter.list_ = this;
  ++size_;
}

Waiter* WaiterList::pop_front() noexcept {
  Waiter* waiter = head_;
  if (waiter != nullptr) remove(*waiter);
  return waiter;
}

bool WaiterList::remove(Waiter& waiter) noexcept {
  if (waiter.list_ != this) return false;
  if (waiter.prev_ != nullptr) {
    waiter.prev_->next_ = waiter.next_;
  } else {
    head_ = waiter.next_;
  }
  if (waiter.next_ != nullptr) {
    waiter.next_->prev_ = waiter.prev_;
  } else {
    tail_ = waiter.prev_;
  }
  waiter.prev_ = waiter.next_ = nullptr;
  waiter.list_ = nullptr;
  --size_;
  return true;
}

}  // namespace asim::detail
