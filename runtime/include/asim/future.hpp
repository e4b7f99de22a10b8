// SPDX-License-Identifier: MIT
// Future<T>: a result that will exist later (asyncio: futures.Future).
#pragma once

#include <asim/detail/frame_allocator.hpp>
#include <asim/detail/ref.hpp>
#include <asim/detail/runnable.hpp>
#include <asim/errors.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace asim {

namespace detail {
class GatheringFutureBase;
}

/// The state every future shares, whatever its value type: pending / finished /
/// cancelled, the exception, the done-callbacks and a reference count.
///
/// Ground rules:
/// - Done-callbacks are intrusive nodes in `callbacks_`; when the future completes
///   they move, in registration order, to the loop's ready queue (asyncio:
///   `__schedule_callbacks`). They never run inline.
/// - A callback node holds the future only once it is scheduled, so a pending future
///   that everyone forgot is freed instead of leaking in a cycle.
class FutureBase {
 public:
  enum class State : std::uint8_t { pending, cancelled, finished };

  explicit FutureBase(EventLoop& loop) noexcept : loop_(&loop) {}
  FutureBase(const FutureBase&) = delete;
  FutureBase& operator=(const FutureBase&) = delete;
  virtual ~FutureBase();

  [[nodiscard]] EventLoop& get_loop() const noexcept { return *loop_; }
  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] bool done() const noexcept { return state_ != State::pending; }
  [[nodiscard]] bool cancelled() const noexcept { return state_ == State::cancelled; }

  /// Cancels a pending future and schedules its callbacks; false when already done.
  /// asyncio: Future.cancel (Task.cancel for tasks).
  virtual bool cancel(std::string_view msg = {});

  /// The exception the future finished with, or nullptr. Throws CancelledError when
  /// cancelled and InvalidStateError while pending. asyncio: Future.exception.
  [[nodiscard]] std::exception_ptr exception() const;
  /// Finishes the future with `error`. Throws InvalidStateError when already done,
  /// RuntimeError for tasks. asyncio: Future.set_exception.
  void set_exception(std::exception_ptr error);
  /// Throws what `result()` would throw (CancelledError, InvalidStateError, the
  /// stored exception); returns normally when the future finished with a value.
  void check_result() const;
  /// The stored exception of a finished future (nullptr otherwise), without copying.
  [[nodiscard]] const std::exception_ptr& stored_exception() const noexcept {
    static const std::exception_ptr none;
    return state_ == State::finished ? exception_ : none;
  }

  /// Adds `fn(FutureBase&)` as a done-callback; returns a Handle for
  /// `remove_done_callback`. If the future is done it is scheduled at once.
  template <class F>
  Handle add_done_callback(F&& fn) {
    detail::CallbackNode* node = loop_->make_raw_node(
        [fn = std::forward<F>(fn)](detail::CallbackNode& self) mutable { fn(*self.bound_future()); });
    Handle handle(node);
    add_done_node(*node);  // the list (or the ready queue) takes the first reference
    return handle;
  }
  /// Removes a done-callback added by `add_done_callback`; returns how many were
  /// removed (0 or 1; 0 once the future is done). asyncio: Future.remove_done_callback.
  std::size_t remove_done_callback(const Handle& handle) noexcept;

  /// Adds an intrusive done-callback node (a task's wake-up, a combinator's hook).
  void add_done_node(detail::Runnable& node) noexcept;
  bool remove_done_node(detail::Runnable& node) noexcept;

  /// A short description for deadlock reports: "Future", "Future 'name'" once named,
  /// "Task 'name'", "Lock.acquire", "gather".
  [[nodiscard]] virtual std::string describe() const;
  /// Names a future for reports and traces (asyncio futures have no name; a C++
  /// program has no repr to point at, so it can give one). Empty: unnamed.
  void set_name(std::string name);
  [[nodiscard]] const std::string& name() const noexcept;

  /// asyncio's `_asyncio_future_blocking` as the C implementation keeps it: a task
  /// that yielded this future and then refused to wait on it (it awaited itself, or a
  /// future of another loop) leaves it set, and from then on awaiting the pending
  /// future raises RuntimeError("await wasn't used with future").
  [[nodiscard]] bool blocking() const noexcept { return blocking_; }
  void set_blocking(bool blocking) noexcept { blocking_ = blocking; }

  /// The CancelledError to raise for this cancelled future (asyncio:
  /// `_make_cancelled_error`): the one a task ended with, else a new one.
  [[nodiscard]] std::exception_ptr make_cancelled_error() const;
  /// What `operation` ("set_result", "set_exception") would raise, or nullptr when
  /// it may: RuntimeError for a Task, InvalidStateError for a done future. Given back,
  /// not thrown, for callers that pass errors as values (the scenario interpreter).
  [[nodiscard]] virtual std::exception_ptr settable_error(const char* operation) const;
  [[nodiscard]] const std::string& cancel_message() const noexcept;
  /// How many times the future completed (0 or 1; more is a bug the simulated
  /// loop's "future_completes_at_most_once" invariant reports). Saturates at 255.
  [[nodiscard]] std::uint8_t completion_count() const noexcept { return completions_; }

  void add_ref() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) on_last_release();
  }

 protected:
  /// Throws settable_error(operation) when there is one.
  void check_settable(const char* operation) const;
  /// Marks the future finished (value stored by the caller) and schedules callbacks.
  void finish() noexcept;
  void finish_with_exception(std::exception_ptr error) noexcept;
  /// Marks the future cancelled and schedules callbacks (asyncio: Future.cancel body).
  bool cancel_future(std::string_view msg) noexcept;
  /// The CancelledError a task ended with; call it right before cancel_future.
  void set_cancelled_exception(std::exception_ptr error) noexcept { exception_ = std::move(error); }
  /// Task.cancel records its message here: asyncio's Task and Future share `_cancel_message`.
  void set_cancel_message(std::string_view msg);
  /// Called when the last reference goes; futures embedded in an awaiter override it.
  virtual void on_last_release() noexcept { delete this; }
  void schedule_callbacks() noexcept;
  /// asyncio: `__schedule_callbacks` calls loop.call_soon, which raises on a closed
  /// loop; asim's scheduling is noexcept, so the public setters raise afterwards.
  /// Not while the loop tears down (destructors of frames may complete futures).
  void raise_if_closed_loop_dropped(bool had_callbacks) const;
  /// Drops pending done-callbacks without running them (loop teardown).
  void drop_callbacks() noexcept;
  void set_state(State state) noexcept { state_ = state; }

 private:
  friend class FutureAccess;
  friend class detail::GatheringFutureBase;
  EventLoop* loop_;
  detail::RunnableList callbacks_;
  // Finished: the exception set, if any. Cancelled: the CancelledError a task ended
  // with, until make_cancelled_error hands it out (asyncio's `_cancelled_exc`). The
  // two states exclude each other, so one field holds both.
  mutable std::exception_ptr exception_;
  // Most futures carry no cancel message and no name: these exist only once one has
  // (56 bytes less in every future and task).
  struct Extras {
    std::string cancel_message;
    std::string name;
  };
  Extras& extras();
  std::unique_ptr<Extras> extras_;
  std::uint32_t refs_ = 0;
  State state_ = State::pending;
  std::uint8_t completions_ = 0;
  // Set while a gather of many children is being built and this future is one of
  // them: finds duplicate arguments in O(1) without a table (padding, no extra bytes).
  bool gather_mark_ = false;
  bool blocking_ = false;
};

namespace detail {

/// Where a Future<T> keeps its value; void futures keep none.
template <class T>
struct ResultSlot {
  std::optional<T> value;
};
template <>
struct ResultSlot<void> {};

/// A plain future's state: the common part plus the value. Recycled like coroutine
/// frames: a future per await is the common case.
template <class T>
class FutureState final : public FutureBase, public ResultSlot<T>, public FrameRecycled {
 public:
  using FutureBase::FutureBase;
};

/// The future inside an awaiter (sleep, a lock's waiter): owned by the coroutine
/// frame, never deleted.
template <class T>
class EmbeddedFuture final : public FutureBase, public ResultSlot<T> {
 public:
  explicit EmbeddedFuture(EventLoop& loop) noexcept : FutureBase(loop) { add_ref(); }
  void set_result_unless_cancelled() noexcept {
    if (!done()) finish();
  }
  /// Sets what `describe()` says (e.g. "Lock.acquire"), for deadlock reports.
  void set_label(const char* label) noexcept { label_ = label; }
  [[nodiscard]] std::string describe() const override { return label_; }

 private:
  void on_last_release() noexcept override {}
  const char* label_ = "Future";
};

/// Suspends the running task on `future` (the task's step then registers its wake-up,
/// as asyncio's `Task.__step` does with what the coroutine yielded).
/// `caller` is the suspending coroutine: the task's next step resumes it.
void suspend_task_on(FutureBase& future, std::coroutine_handle<> caller) noexcept;
/// Suspends the running task for one loop iteration (asyncio: a bare `yield`).
void suspend_task_bare(std::coroutine_handle<> caller) noexcept;
/// Raises what the task's step throws into the coroutine (CancelledError, or the
/// RuntimeError of a task awaiting itself); called first by every awaiter's resume.
void raise_thrown_in();
/// What raise_thrown_in would raise, returned instead (nullptr when nothing is thrown
/// in): for awaiters that give an error back as a value.
std::exception_ptr take_thrown_in() noexcept;
/// asyncio (C): Future.__await__ of a future whose blocking flag is still set. Throws
/// RuntimeError("await wasn't used with future") into the running task at once, as
/// the awaiter resumes; returns true.
bool refuse_blocking_await() noexcept;

/// The awaiter of a future: done futures do not yield to the loop.
class FutureAwaiterBase {
 public:
  explicit FutureAwaiterBase(FutureBase& future) noexcept : future_(&future) {}
  [[nodiscard]] bool await_ready() const noexcept { return future_->done(); }
  bool await_suspend(std::coroutine_handle<> caller) noexcept {
    if (future_->blocking()) [[unlikely]]
      return !refuse_blocking_await();
    suspend_task_on(*future_, caller);
    return true;
  }

 protected:
  FutureBase* future_;
};

}  // namespace detail

class AnyFuture;

/// A handle to a future holding a `T` (or nothing, for `Future<void>`). Copies share
/// one future. asyncio: futures.Future.
template <class T>
class Future {
 public:
  using value_type = T;

  /// An empty handle; assign a future to it before use.
  Future() = default;
  /// A new pending future on `loop`. asyncio: loop.create_future().
  explicit Future(EventLoop& loop) {
    auto* state = new detail::FutureState<T>(loop);
    base_ = detail::Ref<FutureBase>(state);
    slot_ = state;
  }

  /// The value. Throws CancelledError if cancelled, InvalidStateError while pending,
  /// or the exception the future finished with. asyncio: Future.result.
  decltype(auto) result() const {
    base_->check_result();
    if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*slot_->value);
  }
  /// Finishes the future with `value` and schedules its callbacks. Throws
  /// InvalidStateError when done. asyncio: Future.set_result.
  template <class U = T>
    requires(!std::is_void_v<U>)
  void set_result(U&& value) {
    check_settable("set_result");
    slot_->value.emplace(std::forward<U>(value));
    finish();
  }
  void set_result()
    requires std::is_void_v<T>
  {
    check_settable("set_result");
    finish();
  }
  [[nodiscard]] std::exception_ptr exception() const { return base_->exception(); }
  void set_exception(std::exception_ptr error) { base_->set_exception(std::move(error)); }
  template <class E>
    requires(!std::is_same_v<std::decay_t<E>, std::exception_ptr>)
  void set_exception(E&& error) {
    base_->set_exception(std::make_exception_ptr(std::forward<E>(error)));
  }
  /// asyncio: Future.cancel / Task.cancel.
  bool cancel(std::string_view msg = {}) { return base_->cancel(msg); }
  [[nodiscard]] bool cancelled() const noexcept { return base_->cancelled(); }
  [[nodiscard]] bool done() const noexcept { return base_->done(); }
  [[nodiscard]] EventLoop& get_loop() const noexcept { return base_->get_loop(); }

  /// Adds `fn(Future<T>)`, scheduled with call_soon when the future completes, in
  /// registration order; never called inline. asyncio: Future.add_done_callback.
  template <class F>
  Handle add_done_callback(F&& fn) {
    detail::ResultSlot<T>* slot = slot_;
    return base_->add_done_callback([fn = std::forward<F>(fn), slot](FutureBase& base) mutable {
      fn(Future<T>(&base, slot));
    });
  }
  std::size_t remove_done_callback(const Handle& handle) noexcept { return base_->remove_done_callback(handle); }
  /// Names the future for deadlock reports and traces ("Future 'name'").
  void set_name(std::string name) const { base_->set_name(std::move(name)); }
  [[nodiscard]] const std::string& get_name() const noexcept { return base_->name(); }

  class Awaiter : public detail::FutureAwaiterBase {
   public:
    explicit Awaiter(const Future& future) noexcept : FutureAwaiterBase(*future.base_), future_(future) {}
    decltype(auto) await_resume() const {
      detail::raise_thrown_in();
      if constexpr (std::is_void_v<T>) {
        future_.result();
      } else {
        return T(future_.result());
      }
    }

   private:
    Future future_;  // keeps the future alive while the task waits on it
  };
  /// Awaits the future: returns its value or throws its exception; a pending future
  /// suspends the task until it completes; a done one does not yield.
  Awaiter operator co_await() const noexcept { return Awaiter(*this); }

  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(base_); }
  [[nodiscard]] FutureBase& base() const noexcept { return *base_; }
  /// Where the value lives (with base(), rebuilds a handle from non-owning pointers).
  [[nodiscard]] detail::ResultSlot<T>* slot() const noexcept { return slot_; }
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.base_ == b.base_; }

  /// A handle to an existing state (used by Task<T> and the done-callback glue).
  Future(FutureBase* base, detail::ResultSlot<T>* slot) noexcept : base_(base), slot_(slot) {}

 protected:
  void check_settable(const char* operation) const;
  void finish();

  detail::Ref<FutureBase> base_;
  detail::ResultSlot<T>* slot_ = nullptr;
};

/// A future of any value type, for code that only needs its state (wait, gather over
/// ranges, all_tasks). Awaiting it yields nothing but rethrows its exception.
class AnyFuture {
 public:
  AnyFuture() = default;
  explicit AnyFuture(FutureBase* base) noexcept : base_(base) {}
  template <class T>
  AnyFuture(const Future<T>& future) noexcept : base_(&future.base()) {}  // NOLINT: implicit by design

  [[nodiscard]] bool done() const noexcept { return base_->done(); }
  [[nodiscard]] bool cancelled() const noexcept { return base_->cancelled(); }
  bool cancel(std::string_view msg = {}) { return base_->cancel(msg); }
  [[nodiscard]] std::exception_ptr exception() const { return base_->exception(); }
  template <class F>
  Handle add_done_callback(F&& fn) {
    return base_->add_done_callback(
        [fn = std::forward<F>(fn)](FutureBase& base) mutable { fn(AnyFuture(&base)); });
  }
  std::size_t remove_done_callback(const Handle& handle) noexcept { return base_->remove_done_callback(handle); }
  void set_name(std::string name) const { base_->set_name(std::move(name)); }
  [[nodiscard]] const std::string& get_name() const noexcept { return base_->name(); }
  [[nodiscard]] FutureBase& base() const noexcept { return *base_; }
  [[nodiscard]] FutureBase* get() const noexcept { return base_.get(); }
  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(base_); }
  friend bool operator==(const AnyFuture& a, const AnyFuture& b) noexcept { return a.base_ == b.base_; }

  class Awaiter : public detail::FutureAwaiterBase {
   public:
    explicit Awaiter(const AnyFuture& future) noexcept : FutureAwaiterBase(*future.base_), keep_(future.base_) {}
    void await_resume() const {
      detail::raise_thrown_in();
      keep_->check_result();
    }

   private:
    detail::Ref<FutureBase> keep_;  // keeps the future alive while the task waits on it
  };
  Awaiter operator co_await() const noexcept { return Awaiter(*this); }

 protected:
  detail::Ref<FutureBase> base_;
};

// -- inline definitions -------------------------------------------------------

class FutureAccess {
 public:
  static void check_settable(const FutureBase& base, const char* operation);
  /// Finishes `base` for set_result; RuntimeError("Event loop is closed") when it had
  /// callbacks to schedule on a closed loop (they are dropped), as asyncio.
  static void finish(FutureBase& base);
};

template <class T>
void Future<T>::check_settable(const char* operation) const {
  FutureAccess::check_settable(*base_, operation);
}
template <class T>
void Future<T>::finish() {
  FutureAccess::finish(*base_);
}

// asyncio: BaseEventLoop.create_future, which works on a closed loop too (completing
// the future then raises "Event loop is closed" from the callbacks' call_soon).
template <class T>
Future<T> EventLoop::create_future(std::string name) {
  Future<T> future(*this);
  if (!name.empty()) future.set_name(std::move(name));
  return future;
}

}  // namespace asim
