// SPDX-License-Identifier: MIT
// ConcurrentFuture<T>: a thread-safe result (asyncio's partner: concurrent.futures.Future).
#pragma once

#include <asim/errors.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {

/// A result that other threads wait for, as Python's `concurrent.futures.Future`:
/// what `run_coroutine_threadsafe` returns and `wrap_future` turns into a loop's
/// Future. Copies share one state; every member is thread-safe.
///
/// Ground rules (concurrent.futures):
/// - States: pending, running (`set_running_or_notify_cancel`), cancelled, finished.
///   `cancel()` succeeds only while pending.
/// - Done-callbacks run in the thread that completes the future (or at once, in the
///   caller's thread, if it is already done), in registration order; an exception
///   from one is printed and ignored, as Python logs it.
/// - `result(timeout)` blocks; TimeoutError when the time passes, CancelledError
///   when cancelled, the stored exception when it failed.
template <class T>
class ConcurrentFuture {
 public:
  using value_type = T;
  using Callback = std::function<void(const ConcurrentFuture&)>;

  /// A new pending future.
  ConcurrentFuture() : state_(std::make_shared<State>()) {}

  /// Cancels a pending future; false once running or done. concurrent.futures: Future.cancel.
  bool cancel() {
    std::vector<Callback> callbacks;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->status == Status::running || state_->status == Status::finished) return false;
      if (state_->status == Status::cancelled) return true;
      state_->status = Status::cancelled;
      callbacks.swap(state_->callbacks);
    }
    state_->done_cv.notify_all();
    invoke(callbacks);
    return true;
  }
  [[nodiscard]] bool cancelled() const { return status() == Status::cancelled; }
  [[nodiscard]] bool running() const { return status() == Status::running; }
  [[nodiscard]] bool done() const {
    const Status s = status();
    return s == Status::cancelled || s == Status::finished;
  }

  /// Waits up to `timeout` seconds (forever when empty) and returns the value.
  /// concurrent.futures: Future.result.
  decltype(auto) result(std::optional<double> timeout = std::nullopt) const {
    std::unique_lock<std::mutex> lock(state_->mutex);
    wait_done(lock, timeout);
    if (state_->error) std::rethrow_exception(state_->error);
    if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*state_->value);
  }
  /// Waits like result() and returns the exception, or nullptr. concurrent.futures: Future.exception.
  [[nodiscard]] std::exception_ptr exception(std::optional<double> timeout = std::nullopt) const {
    std::unique_lock<std::mutex> lock(state_->mutex);
    wait_done(lock, timeout);
    return state_->error;
  }

  /// Adds `fn(future)`, called when the future is done. concurrent.futures: Future.add_done_callback.
  template <class F>
  void add_done_callback(F&& fn) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->status != Status::cancelled && state_->status != Status::finished) {
        state_->callbacks.emplace_back(std::forward<F>(fn));
        return;
      }
    }
    std::vector<Callback> now;
    now.emplace_back(std::forward<F>(fn));
    invoke(now);
  }

  /// Marks the future running, unless it was cancelled: then returns false and the
  /// work must not start. concurrent.futures: Future.set_running_or_notify_cancel.
  bool set_running_or_notify_cancel() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->status == Status::cancelled) return false;
    if (state_->status != Status::pending) throw RuntimeError("Future in unexpected state");
    state_->status = Status::running;
    return true;
  }
  /// concurrent.futures: Future.set_result. InvalidStateError when done.
  template <class U = T>
    requires(!std::is_void_v<U>)
  void set_result(U&& value) {
    complete([&](State& state) { state.value.emplace(std::forward<U>(value)); });
  }
  void set_result() requires std::is_void_v<T> {
    complete([](State&) {});
  }
  /// concurrent.futures: Future.set_exception. InvalidStateError when done.
  void set_exception(std::exception_ptr error) {
    complete([&](State& state) { state.error = std::move(error); });
  }

  friend bool operator==(const ConcurrentFuture& a, const ConcurrentFuture& b) noexcept { return a.state_ == b.state_; }

 private:
  enum class Status : unsigned char { pending, running, cancelled, finished };
  struct Empty {};
  struct State {
    std::mutex mutex;
    std::condition_variable done_cv;
    Status status = Status::pending;
    std::optional<std::conditional_t<std::is_void_v<T>, Empty, T>> value;
    std::exception_ptr error;
    std::vector<Callback> callbacks;
  };

  [[nodiscard]] Status status() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->status;
  }
  void wait_done(std::unique_lock<std::mutex>& lock, std::optional<double> timeout) const {
    auto is_done = [this] { return state_->status == Status::cancelled || state_->status == Status::finished; };
    if (!timeout) {
      state_->done_cv.wait(lock, is_done);
    } else if (!state_->done_cv.wait_for(lock, std::chrono::duration<double>(*timeout > 0 ? *timeout : 0.0), is_done)) {
      throw TimeoutError();
    }
    if (state_->status == Status::cancelled) throw CancelledError();
  }
  template <class Store>
  void complete(Store&& store) {
    std::vector<Callback> callbacks;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->status == Status::cancelled || state_->status == Status::finished) {
        throw InvalidStateError(state_->status == Status::cancelled ? "CANCELLED: <Future>" : "FINISHED: <Future>");
      }
      store(*state_);
      state_->status = Status::finished;
      callbacks.swap(state_->callbacks);
    }
    state_->done_cv.notify_all();
    invoke(callbacks);
  }
  void invoke(std::vector<Callback>& callbacks) const {
    for (Callback& callback : callbacks) {
      try {
        callback(*this);
      } catch (...) {
        // concurrent.futures logs "exception calling callback for <Future>" and goes on.
        std::fprintf(stderr, "asim: exception calling callback for ConcurrentFuture: %s\n",
                     describe_exception(std::current_exception()).c_str());
      }
    }
    callbacks.clear();  // in this thread: a callback may hold objects of the completing side
  }

  std::shared_ptr<State> state_;
};

}  // namespace asim
