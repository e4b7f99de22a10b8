// SPDX-License-Identifier: MIT
// Handle and TimerHandle: what call_soon, call_later and call_at return.
#pragma once

#include <asim/detail/callback_node.hpp>

#include <utility>

namespace asim {

/// A scheduled callback (asyncio: `events.Handle`). Copies share one callback;
/// the callback is freed when it has run or been cancelled and no Handle refers
/// to it any more. A default-constructed Handle refers to nothing.
class Handle {
 public:
  Handle() = default;
  explicit Handle(detail::CallbackNode* node) noexcept : node_(node) {
    if (node_ != nullptr) node_->add_ref();
  }
  Handle(const Handle& other) noexcept : Handle(other.node_) {}
  Handle(Handle&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  Handle& operator=(Handle other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~Handle() {
    if (node_ != nullptr) node_->release();
  }

  /// Cancels the callback: it will not run. Cancelling twice, or after it ran,
  /// does nothing. asyncio: Handle.cancel.
  void cancel() noexcept {
    if (node_ != nullptr) node_->cancel();
  }
  /// True once `cancel()` was called. asyncio: Handle.cancelled.
  [[nodiscard]] bool cancelled() const noexcept { return node_ != nullptr && node_->cancelled_; }
  [[nodiscard]] explicit operator bool() const noexcept { return node_ != nullptr; }

  [[nodiscard]] detail::CallbackNode* node() const noexcept { return node_; }

 protected:
  detail::CallbackNode* node_ = nullptr;
};

/// A callback scheduled for a time (asyncio: `events.TimerHandle`).
class TimerHandle : public Handle {
 public:
  using Handle::Handle;
  /// The deadline in the loop's `time()` scale. asyncio: TimerHandle.when.
  [[nodiscard]] double when() const noexcept {
    return node_ == nullptr ? 0.0 : static_cast<double>(node_->when_) / 1e9;
  }
};

}  // namespace asim
