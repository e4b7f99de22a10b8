// SPDX-License-Identifier: MIT
// The callback node pool and the node's run / cancel / release.
#include <asim/detail/callback_node.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>

namespace asim::detail {

void CallbackNode::run() {
  // Give the ready queue's reference back even if the callable throws.
  struct Release {
    CallbackNode* node;
    ~Release() {
      node->running_ = false;
      node->release();
    }
  } release_on_exit{this};
  if (cancelled_ || invoke_ == nullptr) return;
  running_ = true;
  invoke_(*this);
}

void CallbackNode::cancel() noexcept {
  if (cancelled_) return;
  cancelled_ = true;
  if (in_heap_ && loop_ != nullptr) loop_->timer_handle_cancelled(*this);
  if (!running_) destroy_callable();
}

void CallbackNode::bind_future(FutureBase* future) noexcept {
  if (future != nullptr) future->add_ref();
  if (bound_future_ != nullptr) bound_future_->release();
  bound_future_ = future;
}

void CallbackNode::destroy_callable() noexcept {
  if (destroy_ != nullptr) destroy_(*this);
  destroy_ = nullptr;
  invoke_ = nullptr;
}

void CallbackNode::release_last() noexcept {
  destroy_callable();
  bind_future(nullptr);
  pool_->recycle(this);
}

CallbackNode* CallbackPool::acquire(EventLoop* loop) {
  CallbackNode* node = nullptr;
  if (free_.empty()) {
    node = new CallbackNode();
    node->pool_ = this;
  } else {
    node = free_.back();
    free_.pop_back();
  }
  node->loop_ = loop;
  node->when_ = 0;
  node->is_timer_ = false;
  node->in_heap_ = false;
  node->cancelled_ = false;
  node->running_ = false;
  node->next_ = nullptr;
  node->refs_ = 1;
  ++outstanding_;
  return node;
}

void CallbackPool::recycle(CallbackNode* node) noexcept {
  --outstanding_;
  if (orphaned_) {
    delete node;
    if (outstanding_ == 0) delete this;
    return;
  }
  node->loop_ = nullptr;
  // push_back may only fail on allocation failure; then free the node instead.
  try {
    free_.push_back(node);
  } catch (...) {
    delete node;
  }
}

void CallbackPool::orphan() noexcept {
  orphaned_ = true;
  for (CallbackNode* node : free_) delete node;
  free_.clear();
  if (outstanding_ == 0) delete this;
}

CallbackPool::~CallbackPool() = default;

}  // namespace asim::detail
