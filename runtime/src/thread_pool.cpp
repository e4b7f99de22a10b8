// SPDX-License-Identifier: MIT
// ThreadPoolExecutor (concurrent.futures.thread).
#include <asim/thread_pool.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>

namespace asim {

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t max_workers) : max_workers_(max_workers) {
  if (max_workers_ == 0) {
    // concurrent.futures: min(32, (os.cpu_count() or 1) + 4).
    const std::size_t cores = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    max_workers_ = std::min<std::size_t>(32, cores + 4);
  }
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(true); }

void ThreadPoolExecutor::post(Work work) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutdown_) throw RuntimeError("cannot schedule new futures after shutdown");
  queue_.push_back(std::move(work));
  // concurrent.futures: _adjust_thread_count starts a thread unless one is idle
  // (here: unless the idle ones suffice for the queued work).
  if (queue_.size() > idle_ && threads_.size() < max_workers_) {
    threads_.emplace_back([this] { worker_main(); });
  } else {
    work_cv_.notify_one();
  }
}

void ThreadPoolExecutor::worker_main() {
  // Workers take no asynchronous signal: a loop's signal handlers read them from a
  // signalfd in the loop's thread (see detail::SignalHandlers).
  sigset_t asynchronous;
  sigfillset(&asynchronous);
  for (int synchronous : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&asynchronous, synchronous);
  pthread_sigmask(SIG_BLOCK, &asynchronous, nullptr);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ++idle_;
    work_cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // shut down and drained
    Work work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work(true);
    work = nullptr;  // destroyed before the lock is taken again
    lock.lock();
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::deque<Work> cancelled;
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutdown_ = true;
    if (cancel_futures) cancelled.swap(queue_);
    if (wait) threads.swap(threads_);
  }
  work_cv_.notify_all();
  for (Work& work : cancelled) work(false);
  cancelled.clear();
  // Without `wait`, Python lets the threads finish in the background; here the
  // destructor's shutdown(true) joins them before the pool goes.
  for (std::thread& thread : threads) thread.join();
}

}  // namespace asim
