// SPDX-License-Identifier: MIT
// Waiter and WaiterList: the futures that locks and queues park tasks on, and the
// intrusive FIFO that holds them (asyncio: the `_waiters` / `_getters` deques).
#pragma once

#include <asim/future.hpp>
#include <asim/loop.hpp>

#include <coroutine>
#include <cstddef>

namespace asim::detail {

class WaiterList;

/// One waiter of a lock, event, condition, semaphore or queue: the future asyncio
/// makes with `loop.create_future()`, plus its link in the primitive's waiter list.
///
/// Ground rules:
/// - It lives in the waiting coroutine's frame, so waiting allocates nothing.
/// - The destructor unlinks it, so a frame destroyed while waiting (loop teardown)
///   leaves no dangling node behind; the algorithms still unlink it explicitly at
///   the place where asyncio's `finally: waiters.remove(fut)` runs.
/// - `co_await waiter` is `await fut`: it suspends the task until the future is done,
///   then returns, or throws the CancelledError of a cancelled future or of a task
///   cancelled after its future was done.
class Waiter {
 public:
  /// A pending future on `loop` labelled `label` (what a deadlock report shows).
  /// Throws RuntimeError on a closed loop, as `loop.create_future()` does.
  Waiter(EventLoop& loop, const char* label) : future_(checked(loop)) { future_.set_label(label); }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  ~Waiter();

  [[nodiscard]] bool done() const noexcept { return future_.done(); }
  [[nodiscard]] bool cancelled() const noexcept { return future_.cancelled(); }
  /// asyncio: `fut.set_result(...)`; callers check `done()` first, as asyncio does.
  void set_result() noexcept { future_.set_result_unless_cancelled(); }
  /// asyncio: `fut.cancel()`; false when already done.
  bool cancel() { return future_.cancel(); }
  [[nodiscard]] FutureBase& future() noexcept { return future_; }
  [[nodiscard]] const FutureBase& future() const noexcept { return future_; }
  [[nodiscard]] bool linked() const noexcept { return list_ != nullptr; }

  class Awaiter {
   public:
    explicit Awaiter(Waiter& waiter) noexcept : waiter_(&waiter) {}
    [[nodiscard]] bool await_ready() const noexcept { return waiter_->done(); }
    void await_suspend(std::coroutine_handle<> caller) noexcept { suspend_task_on(waiter_->future_, caller); }
    void await_resume() const {
      raise_thrown_in();
      waiter_->future_.check_result();
    }

   private:
    Waiter* waiter_;
  };
  Awaiter operator co_await() noexcept { return Awaiter(*this); }

 private:
  friend class WaiterList;
  static EventLoop& checked(EventLoop& loop) {
    loop.check_closed();
    return loop;
  }

  EmbeddedFuture<void> future_;
  Waiter* prev_ = nullptr;
  Waiter* next_ = nullptr;
  WaiterList* list_ = nullptr;
};

/// A doubly linked FIFO of waiters (asyncio: `collections.deque` of futures).
/// Removal by identity is O(1) where asyncio's `deque.remove` is a search; the order
/// of the remaining waiters is the same.
class WaiterList {
 public:
  WaiterList() = default;
  WaiterList(const WaiterList&) = delete;
  WaiterList& operator=(const WaiterList&) = delete;
  /// Detaches the waiters still listed, so their frames may outlive the primitive.
  ~WaiterList();

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] Waiter* front() const noexcept { return head_; }
  [[nodiscard]] static Waiter* next(const Waiter& waiter) noexcept { return waiter.next_; }

  /// asyncio: `waiters.append(fut)`.
  void push_back(Waiter& waiter) noexcept;
  /// asyncio: `waiters.popleft()`; nullptr when empty.
  Waiter* pop_front() noexcept;
  /// asyncio: `waiters.remove(fut)`; false (asyncio's ValueError) when not listed here.
  bool remove(Waiter& waiter) noexcept;

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace asim::detail
