// SPDX-License-Identifier: MIT
// Running blocking functions off the loop and bridging threads and loops:
// run_in_executor, to_thread, wrap_future, run_coroutine_threadsafe
// (asyncio: base_events.run_in_executor, threads.to_thread, futures.wrap_future,
// tasks.run_coroutine_threadsafe).
#pragma once

#include <asim/concurrent_future.hpp>
#include <asim/context.hpp>
#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>
#include <asim/task.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace asim {

namespace detail {

/// One run_in_executor call, in two halves: `run()` calls the function (on a worker
/// thread, or on the loop's thread in the simulator), `complete()` then copies the
/// outcome into the loop's future on the loop's thread. The job is created, completed
/// and destroyed on the loop's thread; `run()` touches only the job's own result.
class ExecutorJob {
 public:
  ExecutorJob() = default;
  ExecutorJob(const ExecutorJob&) = delete;
  ExecutorJob& operator=(const ExecutorJob&) = delete;
  virtual ~ExecutorJob() = default;
  /// Calls the function unless the future was cancelled before it started
  /// (concurrent.futures: set_running_or_notify_cancel). Any thread.
  virtual void run() noexcept = 0;
  /// asyncio: futures._copy_future_state into the loop's future. Loop thread.
  virtual void complete() noexcept = 0;
};

template <class R, class Fn>
class ExecutorCall final : public ExecutorJob {
 public:
  ExecutorCall(EventLoop& loop, Fn fn) : fn_(std::move(fn)), future_(loop.create_future<R>()) {
    // asyncio: _chain_future's _call_check_cancel: cancelling the loop's future
    // cancels the call if it has not started.
    cancel_hook_ = future_.add_done_callback([this](const Future<R>& future) {
      if (future.cancelled()) cancelled_.store(true, std::memory_order_release);
    });
  }
  ~ExecutorCall() override { cancel_hook_.cancel(); }  // the hook points at this job

  [[nodiscard]] const Future<R>& future() const noexcept { return future_; }

  void run() noexcept override {
    if (cancelled_.load(std::memory_order_acquire)) return;
    try {
      if constexpr (std::is_void_v<R>) {
        std::invoke(fn_);
      } else {
        value_.emplace(std::invoke(fn_));
      }
    } catch (...) {
      error_ = std::current_exception();
    }
    ran_ = true;
  }

  // asyncio: futures._copy_future_state
  void complete() noexcept override {
    if (future_.done()) return;  // cancelled meanwhile
    if (!ran_) {
      future_.cancel();  // the executor cancelled the call (shut down before it started)
    } else if (error_) {
      future_.set_exception(error_);
    } else if constexpr (std::is_void_v<R>) {
      future_.set_result();
    } else {
      future_.set_result(std::move(*value_));
    }
  }

 private:
  struct Empty {};
  Fn fn_;
  Future<R> future_;
  Handle cancel_hook_;
  std::atomic<bool> cancelled_{false};
  std::optional<std::conditional_t<std::is_void_v<R>, Empty, R>> value_;
  std::exception_ptr error_;
  bool ran_ = false;
};

}  // namespace detail

// asyncio: BaseEventLoop.run_in_executor (executor=None)
template <class F, class... Args>
auto EventLoop::run_in_executor(F fn, Args... args) {
  using R = std::decay_t<std::invoke_result_t<F&, Args&...>>;
  check_closed();
  if (executor_shutdown_called_) throw RuntimeError("Executor shutdown has been called");
  auto call = [fn = std::move(fn), ... args = std::move(args)]() mutable -> R { return std::invoke(fn, args...); };
  auto job = std::make_unique<detail::ExecutorCall<R, decltype(call)>>(*this, std::move(call));
  Future<R> future = job->future();
  submit_to_executor(std::move(job));
  return future;
}

/// Runs `fn(args...)` in the running loop's default executor and returns its
/// result; the call sees the caller's context variables. asyncio: asyncio.to_thread.
template <class F, class... Args>
auto to_thread(F fn, Args... args) -> Coro<std::decay_t<std::invoke_result_t<F&, Args&...>>> {
  using R = std::decay_t<std::invoke_result_t<F&, Args&...>>;
  EventLoop& loop = get_running_loop();
  // asyncio: functools.partial(contextvars.copy_context().run, func, *args)
  auto in_context = [context = copy_context(), fn = std::move(fn), ... args = std::move(args)]() mutable -> R {
    return context.run(fn, args...);
  };
  Future<R> future = loop.run_in_executor(std::move(in_context));
  if constexpr (std::is_void_v<R>) {
    co_await future;
  } else {
    co_return co_await future;
  }
}

namespace detail {
// asyncio: futures._set_concurrent_future_state
template <class T>
void set_concurrent_future_state(ConcurrentFuture<T>& concurrent, const Future<T>& source) {
  if (source.cancelled()) concurrent.cancel();
  if (!concurrent.set_running_or_notify_cancel()) return;
  if (std::exception_ptr error = source.exception()) {
    concurrent.set_exception(error);
  } else if constexpr (std::is_void_v<T>) {
    concurrent.set_result();
  } else {
    concurrent.set_result(source.result());
  }
}
}  // namespace detail

/// A Future on `loop` (default: the running loop) that completes as `source` does;
/// cancelling it cancels `source`. asyncio: asyncio.wrap_future.
///
/// Loop-side handles cross threads only by moving: the callback that runs in the
/// thread completing `source` moves its Future into the closure it posts to the loop,
/// so reference counts are touched on the loop's thread only. Hence: complete (or
/// cancel) `source`, or drop its last handle on the loop's thread.
template <class T>
Future<T> wrap_future(ConcurrentFuture<T> source, EventLoop* loop = nullptr) {
  EventLoop& dest_loop = loop != nullptr ? *loop : get_running_loop();
  Future<T> destination = dest_loop.create_future<T>();
  // asyncio: _chain_future's _call_check_cancel.
  destination.add_done_callback([source](const Future<T>& done) mutable {
    if (done.cancelled()) source.cancel();
  });
  // asyncio: _chain_future's _call_set_state, then _copy_future_state on the loop.
  source.add_done_callback([dest = destination, &dest_loop](const ConcurrentFuture<T>& done) mutable {
    auto copy_state = [dest = std::move(dest), done]() mutable {
      if (dest.cancelled()) return;
      if (done.cancelled()) {
        dest.cancel();
      } else if (std::exception_ptr error = done.exception()) {
        dest.set_exception(error);
      } else if constexpr (std::is_void_v<T>) {
        dest.set_result();
      } else {
        dest.set_result(done.result());
      }
    };
    try {
      dest_loop.call_soon_threadsafe(std::move(copy_state));
    } catch (const RuntimeError&) {
      // The loop is closed: asyncio returns here too.
    }
  });
  return destination;
}

/// Submits `coro` to `loop` from another thread; the ConcurrentFuture gives its
/// result, and cancelling it cancels the task. asyncio: asyncio.run_coroutine_threadsafe.
/// The same rule as wrap_future: complete or cancel the future, or drop it on the
/// loop's thread.
template <class T>
ConcurrentFuture<T> run_coroutine_threadsafe(Coro<T> coro, EventLoop& loop) {
  ConcurrentFuture<T> future;
  auto frame = std::make_shared<Coro<T>>(std::move(coro));
  loop.call_soon_threadsafe([future, frame, &loop]() mutable {
    try {
      Task<T> task = loop.create_task(std::move(*frame));
      // asyncio: _chain_future(task, future): the task's callback runs on the loop,
      // cancelling the concurrent future cancels the task through the loop.
      task.add_done_callback(
          [future](const Future<T>& done) mutable { detail::set_concurrent_future_state(future, done); });
      future.add_done_callback([task = std::move(task), &loop](const ConcurrentFuture<T>& done) mutable {
        // Not cancelled: the task itself completed the future, on the loop's thread.
        if (!done.cancelled()) return;
        auto cancel_task = [task = std::move(task)]() mutable { task.cancel(); };
        try {
          loop.call_soon_threadsafe(std::move(cancel_task));
        } catch (const RuntimeError&) {
          // The loop is closed.
        }
      });
    } catch (...) {
      if (future.set_running_or_notify_cancel()) future.set_exception(std::current_exception());
      throw;
    }
  });
  return future;
}

}  // namespace asim
