// SPDX-License-Identifier: MIT
// as_completed(futures): their results in the order they complete (asyncio: tasks.as_completed).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/ref.hpp>
#include <asim/detail/settle.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/outcome.hpp>
#include <asim/task.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace asim {

namespace detail {

/// What the coroutines of one as_completed call share: the futures still to come
/// (`todo`), the queue of finished ones (`done`, asyncio's Queue with its getters)
/// and the timeout. Refcounted: the coroutines, the done-callbacks and the timer hold it.
template <class T>
class AsCompletedState {
 public:
  explicit AsCompletedState(EventLoop& loop) noexcept : loop_(&loop) {}
  AsCompletedState(const AsCompletedState&) = delete;
  AsCompletedState& operator=(const AsCompletedState&) = delete;

  void add_ref() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  /// Registers the done-callbacks and the timer. asyncio: the generator's prologue.
  void start(std::vector<Future<T>> futures, std::optional<double> timeout) {
    for (Future<T>& f : futures) {
      if (!f) throw ValueError("as_completed() got an empty future handle");
      bool seen = std::any_of(todo_.begin(), todo_.end(), [&](const Entry& e) { return e.future == f; });
      if (!seen) todo_.push_back(Entry{std::move(f), Handle()});
    }
    for (Entry& entry : todo_) {
      Ref<AsCompletedState> self(this);
      entry.callback = entry.future.base().add_done_callback(
          [self](FutureBase& done) { self->on_completion(done); });
    }
    if (!todo_.empty() && timeout) {
      TimerHandle timer = loop_->call_later(*timeout, [claim = TimerClaim(this)] { claim.state->on_timeout(); });
      loop_->mark_timeout(timer);
      timer_ = timer.node();
    }
  }
  [[nodiscard]] std::size_t count() const noexcept { return todo_.size(); }

  /// One coroutine's claim: when the last coroutine is gone (finished or dropped
  /// unstarted), nobody can take a result any more, so the state unhooks its
  /// done-callbacks and timer. Without this, a future that never completes and the
  /// state would hold each other forever (asyncio leaves that cycle to its GC).
  class Consumer {
   public:
    explicit Consumer(AsCompletedState* state) noexcept : state_(state) { ++state->consumers_; }
    Consumer(Consumer&& other) noexcept : state_(std::move(other.state_)) {}
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;
    Consumer& operator=(Consumer&&) = delete;
    ~Consumer() {
      if (state_ && --state_->consumers_ == 0) state_->detach();
    }
    AsCompletedState* operator->() const noexcept { return state_.get(); }

   private:
    Ref<AsCompletedState> state_;
  };

  // asyncio: as_completed._wait_for_one, with Queue.get inlined.
  static Coro<T> wait_for_one(Consumer state) {
    Outcome<T> result = co_await wait_for_one_outcome(std::move(state));
    co_return std::move(result).value();  // may raise f's exception
  }
  /// The same with what it raises (the awaiting task's CancelledError, TimeoutError,
  /// f's exception) given back instead of thrown.
  static Coro<Outcome<T>> wait_for_one_outcome(Consumer state) {
    Outcome<std::optional<Future<T>>> got = co_await state->get();
    if (!got.has_value()) co_return Outcome<T>::failure(got.error());
    if (!got.value()) co_return Outcome<T>::failure(std::make_exception_ptr(TimeoutError()));
    co_return result_outcome(*got.value());
  }

 private:
  struct Entry {
    Future<T> future;
    Handle callback;
  };

  // The timer's claim on the state. The state points at the timer without a
  // reference (a reference would make a cycle through the timer's callable), so the
  // claim clears that pointer when the callable goes: fired, cancelled or dropped.
  struct TimerClaim {
    Ref<AsCompletedState> state;
    explicit TimerClaim(AsCompletedState* s) noexcept : state(s) {}
    TimerClaim(TimerClaim&& other) noexcept = default;
    TimerClaim(const TimerClaim&) = delete;
    TimerClaim& operator=(const TimerClaim&) = delete;
    TimerClaim& operator=(TimerClaim&&) = delete;
    ~TimerClaim() {
      if (!state) return;
      state->timer_ = nullptr;
      // Dropped unfired (the loop went away) with no consumer left: unhook, or the
      // state and the pending futures would hold each other forever.
      if (state->consumers_ == 0) state->detach();
    }
  };

  // asyncio: as_completed._on_timeout
  void on_timeout() {
    for (Entry& entry : todo_) {
      entry.future.remove_done_callback(entry.callback);
      put_nowait(std::nullopt);  // Queue a dummy value for _wait_for_one().
    }
    todo_.clear();
  }

  // asyncio: as_completed._on_completion
  void on_completion(FutureBase& f) {
    if (todo_.empty()) return;  // _on_timeout() was here first.
    auto it = std::find_if(todo_.begin(), todo_.end(), [&](const Entry& e) { return &e.future.base() == &f; });
    Future<T> future = std::move(it->future);
    todo_.erase(it);
    put_nowait(std::move(future));
    if (todo_.empty() && timer_ != nullptr) {
      // The claim's destructor runs inside cancel(); a done-callback holds the state.
      std::exchange(timer_, nullptr)->cancel();
    }
  }

  // asyncio: Queue.put_nowait (unbounded)
  void put_nowait(std::optional<Future<T>> item) {
    done_.push_back(std::move(item));
    wakeup_next_getter();
  }

  // asyncio: Queue._wakeup_next(self._getters)
  void wakeup_next_getter() {
    while (!getters_.empty()) {
      Future<void> waiter = std::move(getters_.front());
      getters_.pop_front();
      if (!waiter.done()) {
        waiter.set_result();
        break;
      }
    }
  }

  // asyncio: Queue.get (its error given back, not raised)
  Coro<Outcome<std::optional<Future<T>>>> get() {
    using Got = Outcome<std::optional<Future<T>>>;
    while (done_.empty()) {
      Future<void> getter = loop_->create_future<void>();
      getters_.push_back(getter);
      std::exception_ptr error = co_await settle_await(getter.base());
      if (error) {
        getter.cancel();  // Just in case getter is not done yet.
        auto it = std::find(getters_.begin(), getters_.end(), getter);
        if (it != getters_.end()) getters_.erase(it);
        if (!done_.empty() && !getter.cancelled()) wakeup_next_getter();
        co_return Got::failure(std::move(error));
      }
    }
    // asyncio: Queue.get_nowait (no putters to wake: the queue is unbounded)
    std::optional<Future<T>> item = std::move(done_.front());
    done_.pop_front();
    co_return Got(std::move(item));
  }

  EventLoop* loop_;
  std::vector<Entry> todo_;
  std::deque<std::optional<Future<T>>> done_;
  std::deque<Future<void>> getters_;
  // The last consumer is gone (see Consumer). asyncio leaves the done-callbacks and
  // the timeout armed when iteration stops early, so the loop is not idle until the
  // timer fires (its _on_timeout then unhooks the callbacks): keep both while a timer
  // runs, as it ends the cycle by itself. Without one, unhook now.
  void detach() noexcept {
    if (timer_ != nullptr) return;
    for (Entry& entry : todo_) entry.future.remove_done_callback(entry.callback);
    todo_.clear();
  }

  CallbackNode* timer_ = nullptr;  // asyncio: timeout_handle, while its callable lives
  std::uint32_t refs_ = 0;
  std::uint32_t consumers_ = 0;
};

/// as_completed's body: the state, then one coroutine `one(consumer)` per future.
template <class T, class C>
std::vector<C> as_completed_with(std::vector<Future<T>> futures, std::optional<double> timeout,
                                 C (*one)(typename AsCompletedState<T>::Consumer)) {
  if (futures.empty()) return {};
  EventLoop& loop = futures.front().get_loop();
  Ref<AsCompletedState<T>> state(new AsCompletedState<T>(loop));
  state->start(std::move(futures), timeout);
  std::vector<C> coros;
  coros.reserve(state->count());
  for (std::size_t i = 0, n = state->count(); i < n; ++i) {
    coros.push_back(one(typename AsCompletedState<T>::Consumer(state.get())));
  }
  return coros;
}

}  // namespace detail

/// One coroutine per distinct future of `futures`; awaiting the i-th one gives the
/// result (or raises the exception) of the i-th future to complete. With a `timeout`
/// (seconds), the coroutines still waiting when it passes raise TimeoutError.
///
/// asyncio's as_completed is a generator that registers its callbacks when first
/// iterated; this function registers them at once and returns the coroutines in a
/// vector, which is what `for f in as_completed(fs)` sees. Await them in order; each
/// awaits the next completion (asyncio: `_wait_for_one` on an internal Queue), so
/// awaiting them in another order is allowed and gives completions in await order.
/// Dropping the coroutines does not cancel the futures. asyncio: asyncio.as_completed.
template <class T>
std::vector<Coro<T>> as_completed(std::vector<Future<T>> futures, std::optional<double> timeout = std::nullopt) {
  return detail::as_completed_with<T, Coro<T>>(std::move(futures), timeout, &detail::AsCompletedState<T>::wait_for_one);
}

namespace detail {
/// as_completed(futures, timeout) whose coroutines give back what they would raise
/// (Outcome), for callers that pass errors as values.
template <class T>
std::vector<Coro<Outcome<T>>> as_completed_outcomes(std::vector<Future<T>> futures,
                                                    std::optional<double> timeout = std::nullopt) {
  return as_completed_with<T, Coro<Outcome<T>>>(std::move(futures), timeout,
                                                &AsCompletedState<T>::wait_for_one_outcome);
}
}  // namespace detail

/// as_completed over tasks.
template <class T>
std::vector<Coro<T>> as_completed(const std::vector<Task<T>>& tasks, std::optional<double> timeout = std::nullopt) {
  return as_completed(std::vector<Future<T>>(tasks.begin(), tasks.end()), timeout);
}

/// as_completed over coroutines: each is wrapped in a task on the running loop at the
/// call, as asyncio 3.11 does (`ensure_future(f)` for each of `fs`).
template <class T>
std::vector<Coro<T>> as_completed(std::vector<Coro<T>> coros, std::optional<double> timeout = std::nullopt) {
  std::vector<Future<T>> futures;
  futures.reserve(coros.size());
  for (Coro<T>& coro : coros) futures.emplace_back(create_task(std::move(coro)));
  return as_completed(std::move(futures), timeout);
}

}  // namespace asim
