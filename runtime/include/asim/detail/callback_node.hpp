// SPDX-License-Identifier: MIT
// Pooled, refcounted callback nodes: the storage behind Handle and TimerHandle.
#pragma once

#include <asim/detail/runnable.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

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
/// A node is a 48-byte header followed, in the same pool block, by the callable:
/// small blocks (64 bytes, one cache line) hold callables of up to 16 bytes (a
/// function pointer and one argument, a lambda holding two pointers), large blocks
/// (128 bytes) up to 80; larger or over-aligned callables go to the heap. A timer
/// and a done-callback never share a node, so the deadline and the bound future
/// share a field.
class CallbackNode final : public Runnable {
 public:
  static constexpr std::size_t small_block = 64;
  static constexpr std::size_t large_block = 128;
  static constexpr std::size_t callable_align = alignof(void*);

  /// Bytes a block of `block_size` leaves for the callable.
  static constexpr std::size_t capacity(std::size_t block_size) noexcept;
  /// The block size a callable of type `Fn` needs (or the large one, for the heap case).
  template <class Fn>
  static constexpr std::size_t block_for() noexcept;

  CallbackNode() = default;

  template <class F>
  void emplace(F&& fn) {
    using Fn = std::decay_t<F>;
    // The caller acquired the node with block_for<Fn>(): a large block when Fn needs one.
    if constexpr (inline_fits<Fn>(large_block)) {
      ::new (storage()) Fn(std::forward<F>(fn));
      manage_ = &manage_inline<Fn>;
      trivial_ = std::is_trivially_destructible_v<Fn>;
    } else {
      Fn* heap = new Fn(std::forward<F>(fn));
      ::new (storage()) Fn*(heap);
      manage_ = &manage_heap<Fn>;
      trivial_ = false;
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
  [[nodiscard]] FutureBase* bound_future() const noexcept { return is_timer_ ? nullptr : bound_future_; }
  void bind_future(FutureBase* future) noexcept override;

  /// The loop this node belongs to, or nullptr once the loop is gone.
  [[nodiscard]] EventLoop* loop() const noexcept;
  [[nodiscard]] CallbackPool& pool() const noexcept;

  std::uint32_t refs_ = 0;
  bool is_timer_ : 1 = false;
  bool in_heap_ : 1 = false;  // asyncio: TimerHandle._scheduled
  bool cancelled_ : 1 = false;

 private:
  friend class CallbackPool;
  enum class Op : std::uint8_t { invoke, destroy };

  template <class Fn>
  static constexpr bool inline_fits(std::size_t block_size) noexcept {
    return sizeof(Fn) <= capacity(block_size) && alignof(Fn) <= callable_align;
  }
  [[nodiscard]] void* storage() noexcept { return this + 1; }
  template <class Fn>
  static void manage_inline(CallbackNode& node, Op op) {
    Fn* fn = std::launder(static_cast<Fn*>(node.storage()));
    if (op == Op::invoke) {
      (*fn)(node);
    } else {
      fn->~Fn();
    }
  }
  template <class Fn>
  static void manage_heap(CallbackNode& node, Op op) {
    Fn* fn = *std::launder(static_cast<Fn**>(node.storage()));
    if (op == Op::invoke) {
      (*fn)(node);
    } else {
      delete fn;
    }
  }
  void destroy_callable() noexcept;
  void release_last() noexcept;

  bool running_ : 1 = false;
  bool trivial_ : 1 = true;  // nothing to destroy: saves an indirect call per callback
  bool large_ : 1 = false;   // which of the pool's block sizes this node occupies
  // One function for both invoking and destroying the callable keeps the header at
  // 48 bytes. nullptr once the callable is gone.
  void (*manage_)(CallbackNode&, Op) = nullptr;

 public:
  union {
    std::int64_t when_;         // a timer's deadline in loop nanoseconds
    FutureBase* bound_future_;  // a done-callback's future, once it completed
  };
  std::uint64_t tie_ = 0;  // orders timers with equal deadlines (the timer heap's key)
};

static_assert(sizeof(CallbackNode) == 48, "the callable starts right after a 48-byte header");

constexpr std::size_t CallbackNode::capacity(std::size_t block_size) noexcept {
  return block_size - sizeof(CallbackNode);
}

template <class Fn>
constexpr std::size_t CallbackNode::block_for() noexcept {
  return inline_fits<Fn>(small_block) || (!inline_fits<Fn>(large_block) && sizeof(Fn*) <= capacity(small_block))
             ? small_block
             : large_block;
}

/// The loop's free lists of callback nodes, carved from 16 KiB slabs aligned to
/// their size, so a node finds its pool from its own address (no pointer in the node)
/// and a million queued callbacks sit in consecutive cache lines. Slabs come from
/// chunks: single slabs at first, 4 MiB (partly on huge pages) once the pool is big.
///
/// The pool outlives the loop while any node is still referenced (a Handle kept by
/// the user), and frees itself and its slabs with the last one.
class CallbackPool {
 public:
  static constexpr std::size_t slab_size = 16 * 1024;

  explicit CallbackPool(EventLoop* loop) noexcept : loop_(loop) {}
  CallbackPool(const CallbackPool&) = delete;
  // A thread's last pool leaves its memory to the next one (a loop per short run;
  // the slabs are kept likewise, see take_slab).
  static void* operator new(std::size_t size);
  static void operator delete(void* pool) noexcept;
  CallbackPool& operator=(const CallbackPool&) = delete;

  /// A fresh node with one reference, in a block of `block_size` bytes.
  CallbackNode* acquire(std::size_t block_size) {
    const bool large = block_size > CallbackNode::small_block;
    Runnable*& head = large ? free_large_ : free_small_;
    if (head == nullptr) grow(large);
    auto* node = static_cast<CallbackNode*>(head);
    head = node->next_;
    // Fetch the next free node now: the free list is in release order, which after a
    // burst of timers is random in memory, and each pop needs the previous one's link.
    __builtin_prefetch(head, 1);
    node->next_ = nullptr;
    node->refs_ = 1;
    node->is_timer_ = false;
    node->in_heap_ = false;
    node->cancelled_ = false;
    node->running_ = false;
    node->bound_future_ = nullptr;
    ++outstanding_;
    return node;
  }
  void recycle(CallbackNode* node) noexcept {
    --outstanding_;
    if (orphaned_) [[unlikely]] {
      // Out of line: the pool's destructor inlined here made recycle too big to
      // inline into every callback's release.
      recycle_orphaned();
      return;
    }
    Runnable*& head = node->large_ ? free_large_ : free_small_;
    node->next_ = head;
    head = node;
  }
  /// The loop is gone: free the pool now, or when its last node comes back.
  void orphan() noexcept;

  [[nodiscard]] EventLoop* loop() const noexcept { return loop_; }
  [[nodiscard]] std::size_t outstanding() const noexcept { return outstanding_; }

  /// The pool that owns `node` (the header at the start of the node's slab).
  static CallbackPool& of(const CallbackNode& node) noexcept;

 private:
  ~CallbackPool();
  void recycle_orphaned() noexcept;
  void grow(bool large);
  void* take_slab();

  EventLoop* loop_;
  Runnable* free_small_ = nullptr;
  Runnable* free_large_ = nullptr;
  // The part of the current slab of each size not yet carved into nodes.
  std::byte* carve_small_ = nullptr;
  std::byte* carve_small_end_ = nullptr;
  std::byte* carve_large_ = nullptr;
  std::byte* carve_large_end_ = nullptr;
  void* chunks_ = nullptr;  // singly linked through each chunk's first slab header
  void* next_spare_ = nullptr;
  std::size_t spare_slabs_ = 0;
  std::size_t chunk_bytes_ = 0;
  std::size_t outstanding_ = 0;
  bool orphaned_ = false;
};

inline CallbackPool& CallbackNode::pool() const noexcept { return CallbackPool::of(*this); }
inline EventLoop* CallbackNode::loop() const noexcept { return pool().loop(); }

}  // namespace asim::detail
