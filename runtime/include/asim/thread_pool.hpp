// SPDX-License-Identifier: MIT
// ThreadPoolExecutor: worker threads for run_in_executor (concurrent.futures.thread).
#pragma once

#include <asim/concurrent_future.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {

/// A pool of worker threads, started on demand up to `max_workers`, running work in
/// submission order. concurrent.futures.ThreadPoolExecutor.
///
/// Ground rules: `submit` returns a ConcurrentFuture; `shutdown(wait)` refuses new
/// work, optionally cancels what has not started (`cancel_futures`) and joins the
/// workers when `wait`; the destructor is `shutdown(true)`.
class ThreadPoolExecutor {
 public:
  /// One piece of work: called with true to run it, false when it is cancelled
  /// before it started (shutdown with cancel_futures).
  using Work = std::function<void(bool run)>;

  /// 0: min(32, cores + 4), as Python.
  explicit ThreadPoolExecutor(std::size_t max_workers = 0);
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;
  ~ThreadPoolExecutor();

  /// Runs `fn(args...)` on a worker. Throws RuntimeError after shutdown.
  /// concurrent.futures: Executor.submit.
  template <class F, class... Args>
  auto submit(F fn, Args... args) {
    using R = std::decay_t<std::invoke_result_t<F&, Args&...>>;
    ConcurrentFuture<R> future;
    post([future, fn = std::move(fn), ... args = std::move(args)](bool run) mutable {
      if (!run) {
        future.cancel();
        return;
      }
      if (!future.set_running_or_notify_cancel()) return;
      try {
        if constexpr (std::is_void_v<R>) {
          std::invoke(fn, args...);
          future.set_result();
        } else {
          future.set_result(std::invoke(fn, args...));
        }
      } catch (...) {
        future.set_exception(std::current_exception());
      }
    });
    return future;
  }

  /// Queues `work`. Throws RuntimeError("cannot schedule new futures after shutdown").
  void post(Work work);
  /// concurrent.futures: Executor.shutdown.
  void shutdown(bool wait = true, bool cancel_futures = false);
  [[nodiscard]] std::size_t max_workers() const noexcept { return max_workers_; }

 private:
  void worker_main();

  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::deque<Work> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  std::size_t max_workers_;
  bool shutdown_ = false;
};

}  // namespace asim
