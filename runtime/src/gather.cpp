// SPDX-License-Identifier: MIT
// The outer future of gather (asyncio: tasks._GatheringFuture and gather._done_callback).
#include <asim/gather.hpp>

#include <utility>

namespace asim::detail {

void throw_future_of_another_loop() {
  throw ValueError("The future belongs to a different loop than the one specified as the loop argument");
}

GatheringFutureBase::GatheringFutureBase(EventLoop& loop, bool return_exceptions, std::size_t max_children)
    : FutureBase(loop), callbacks_(new ChildCallback[max_children]), return_exceptions_(return_exceptions) {
  children_.reserve(max_children);
}

GatheringFutureBase::~GatheringFutureBase() {
  // Nodes on the ready queue hold a reference, so only nodes still waiting in a
  // pending child's list can be left; take them back.
  for (std::size_t i = 0; i < nfuts_; ++i) {
    ChildCallback& node = callbacks_[i];
    if (!node.scheduled && !node.child->done()) node.child->remove_done_node(node);
  }
}

void GatheringFutureBase::ChildCallback::run() {
  scheduled = false;
  // Adopt the reference taken when the node was scheduled: it keeps `outer` alive
  // through the callback and is released at its end.
  Ref<FutureBase> keep = Ref<FutureBase>::adopt(outer);
  outer->on_child_done(*child);
}

void GatheringFutureBase::ChildCallback::drop() noexcept {
  if (!scheduled) return;  // removed from a child's list: nothing was taken
  scheduled = false;
  outer->release();
}

void GatheringFutureBase::ChildCallback::bind_future(FutureBase* future) noexcept {
  (void)future;
  if (scheduled) return;
  scheduled = true;
  outer->add_ref();
}

// asyncio: the argument loop of gather()
void GatheringFutureBase::add_child(const AnyFuture& child) {
  bool seen_before = false;
  if (marking_) {
    seen_before = std::exchange(child.base().gather_mark_, true);
  } else {
    // A handful of arguments (gather(a, b, c)): a linear search is cheapest.
    for (const AnyFuture& seen : children_) {
      if (seen == child) {
        seen_before = true;
        break;
      }
    }
  }
  if (seen_before) {
    children_.push_back(child);
    return;
  }
  children_.push_back(child);
  ChildCallback& node = callbacks_[nfuts_];
  ++nfuts_;
  node.outer = this;
  node.child = child.get();
  child.base().add_done_node(node);
}

// asyncio: _GatheringFuture.cancel
void GatheringFutureBase::unmark_children() noexcept {
  for (const AnyFuture& child : children_) child.base().gather_mark_ = false;
  marking_ = false;
}

bool GatheringFutureBase::cancel(std::string_view msg) {
  if (done()) return false;
  bool ret = false;
  for (const AnyFuture& child : children_) {
    if (child.base().cancel(msg)) ret = true;
  }
  if (ret) {
    // If any child tasks were actually cancelled, we should propagate the
    // cancellation request regardless of *return_exceptions* argument.
    cancel_requested_ = true;
  }
  return ret;
}

// asyncio: gather._done_callback
void GatheringFutureBase::on_child_done(FutureBase& fut) {
  ++nfinished_;
  if (done()) {
    // Mark exception retrieved: nothing to do in C++.
    return;
  }
  if (!return_exceptions_) {
    if (fut.cancelled()) {
      // Check if 'fut' is cancelled first, as 'fut.exception()' will *raise* a
      // CancelledError instead of returning it.
      set_exception(fut.make_cancelled_error());
      return;
    }
    if (std::exception_ptr exc = fut.exception()) {
      set_exception(exc);
      return;
    }
  }
  if (nfinished_ == nfuts_) {
    if (cancel_requested_) {
      // asyncio takes the error of `fut`, the last child of its results loop.
      set_exception(children_.back().base().make_cancelled_error());
    } else {
      set_results();
    }
  }
}

}  // namespace asim::detail
