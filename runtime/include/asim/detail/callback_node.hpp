// SPDX-License-Identifier: MIT
// Pooled, refcounted callback nodes: the storage behind Handle and TimerHandle.
#pragma once

#include <asim/detail/runnable.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {
class EventLoop;
class FutureBase;
}  // namespace asim

namespace asim::detail {

class CallbackPool;

/// One scheduled callable: a `call_soon` callback, a timer, a done-callback or an
/// I/O callback. Nodes come from the loop's pool and go back to it when the last
/// reference (the ready queue, the timer heap, a future's callback list, a Handle)
/// is released, so scheduling allocates nothing once the pool is warm.
///
/// The callable lives in a small inline buffer; larger ones go to the heap.
class CallbackNode final : public Runnable {
 public:
  // 48 bytes at pointer alignment make the node 120 bytes, one 128-byte malloc
  // chunk: every callable asim itself schedules (a function pointer and a few
  // arguments, a lambda holding a pointer or two) fits; over-aligned or larger
  // callables go to the heap.
  static constexpr std::size_t inline_size = 48;
  static constexpr std::size_t inline_align = alignof(void*);

  CallbackNode() = default;

  template <class F>
  void emplace(F&& fn) {
    using Fn = std::decay_t<F>;
    if constexpr (sizeof(Fn) <= inline_size && alignof(Fn) <= inline_align) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(fn));
      invoke_ = [](CallbackNode& node) { (*std::launder(reinterpret_cast<Fn*>(node.storage_)))(node); };
      if constexpr (std::is_trivially_destructible_v<Fn>) {
        destroy_ = nullptr;  // nothing to run: saves an indirect call per callback
      } else {
        destroy_ = [](CallbackNode& node) noexcept { std::launder(reinterpret_cast<Fn*>(node.storage_))->~Fn(); };
      }
    } else {
      Fn* heap = new Fn(std::forward<F>(fn));
      ::new (static_cast<void*>(storage_)) Fn*(heap);
      invoke_ = [](CallbackNode& node) { (**std::launder(reinterpret_cast<Fn**>(node.storage_)))(node); };
      destroy_ = [](CallbackNode& node) noexcept { delete *std::launder(reinterpret_cast<Fn**>(node.storage_)); };
    }
  }

  void run() override;
  void drop() noexcept override { release(); }
  [[nodiscard]] bool is_cancelled() const noexcept override { return cancelled_; }

  void add_ref() noexcept { ++refs_; }
  /// Inline because every callback passes here twice (queue and Handle).
  void release() noexcept {
    if (--refs_ == 0) release_last();
  }

  /// asyncio: Handle.cancel / TimerHandle.cancel. Frees the callable at once (as
  /// asyncio drops `_callback`) unless it is running right now.
  void cancel() noexcept;

  /// The future whose done-callback this is, bound when the future completes.
  [[nodiscard]] FutureBase* bound_future() const noexcept { return bound_future_; }
  void bind_future(FutureBase* future) noexcept override;

  EventLoop* loop_ = nullptr;
  std::int64_t when_ = 0;  // deadline in loop nanoseconds, for timers
  bool is_timer_ = false;
  bool in_heap_ = false;  // asyncio: TimerHandle._scheduled
  bool cancelled_ = false;

 private:
  friend class CallbackPool;
  void destroy_callable() noexcept;
  void release_last() noexcept;

  bool running_ = false;
  std::uint32_t refs_ = 0;
  FutureBase* bound_future_ = nullptr;
  CallbackPool* pool_ = nullptr;
  void (*invoke_)(CallbackNode&) = nullptr;
  void (*destroy_)(CallbackNode&) noexcept = nullptr;
  alignas(inline_align) std::byte storage_[inline_size];
};

/// The loop's free list of callback nodes. It outlives the loop while any node is
/// still referenced (a Handle kept by the user), and frees itself with the last one.
class CallbackPool {
 public:
  CallbackPool() = default;
  CallbackPool(const CallbackPool&) = delete;
  CallbackPool& operator=(const CallbackPool&) = delete;

  /// A fresh node with one reference, for `loop`.
  CallbackNode* acquire(EventLoop* loop);
  void recycle(CallbackNode* node) noexcept;
  /// The loop is gone: free the pool now, or when its last node comes back.
  void orphan() noexcept;

  [[nodiscard]] std::size_t outstanding() const noexcept { return outstanding_; }

 private:
  ~CallbackPool();
  std::vector<CallbackNode*> free_;
  std::size_t outstanding_ = 0;
  bool orphaned_ = false;
};

}  // namespace asim::detail
