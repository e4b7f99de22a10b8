// SPDX-License-Identifier: MIT
// Executors and threads on the real loop: run_in_executor, to_thread,
// shutdown_default_executor, run_coroutine_threadsafe, wrap_future, ConcurrentFuture,
// ThreadPoolExecutor. Runs under ThreadSanitizer in tools/test-all.
#include <asim/executor.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asim::ConcurrentFuture;
using asim::Coro;
using asim::RealLoop;

int twice(int n) { return n * 2; }

// A gate a worker blocks on until the test opens it: orders events across threads
// without sleeping.
class Gate {
 public:
  // Notifies under the lock: a waiter may destroy the gate as soon as it sees it open.
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

Coro<std::thread::id> job_thread() {
  co_return co_await asim::to_thread([] { return std::this_thread::get_id(); });
}

Coro<int> sum_of_jobs() {
  asim::EventLoop& loop = asim::get_running_loop();
  std::vector<asim::Future<int>> jobs;
  for (int i = 0; i < 20; ++i) jobs.push_back(loop.run_in_executor(twice, i));
  int sum = 0;
  for (auto& job : jobs) sum += co_await job;
  co_return sum;
}

int fail(int) { throw std::out_of_range("bad job"); }

Coro<std::string> failing_job() {
  try {
    co_await asim::to_thread(fail, 1);
  } catch (const std::out_of_range& error) {
    co_return error.what();
  }
  co_return "no error";
}

}  // namespace

TEST(RealExecutor, ToThreadRunsTheFunctionOnAnotherThread) {
  EXPECT_NE(asim::run(job_thread()), std::this_thread::get_id());
}

TEST(RealExecutor, ManyJobsAllDeliverTheirResults) { EXPECT_EQ(asim::run(sum_of_jobs()), 380); }

TEST(RealExecutor, AnExceptionOfTheFunctionIsRaisedAtTheAwait) { EXPECT_EQ(asim::run(failing_job()), "bad job"); }

namespace {
Coro<std::string> cancel_a_queued_job(Gate& gate, std::atomic<int>& started) {
  asim::EventLoop& loop = asim::get_running_loop();
  // Occupy every worker of the default pool, then queue one more.
  struct Block {
    Gate* gate;
    std::atomic<int>* started;
    void operator()() const {
      started->fetch_add(1);
      gate->wait();
    }
  };
  const std::size_t workers = asim::ThreadPoolExecutor().max_workers();
  std::vector<asim::Future<void>> blockers;
  for (std::size_t i = 0; i < workers; ++i) blockers.push_back(loop.run_in_executor(Block{&gate, &started}));
  asim::Future<void> queued = loop.run_in_executor(Block{&gate, &started});
  queued.cancel();
  co_await asim::sleep(0);  // the done-callback that cancels the call runs
  gate.open();
  for (auto& blocker : blockers) co_await blocker;
  co_await loop.shutdown_default_executor();  // every worker has finished
  co_return std::to_string(started.load()) + "/" + std::to_string(workers) + (queued.cancelled() ? " cancelled" : "");
}
}  // namespace

TEST(RealExecutor, CancellingTheFutureOfAJobNotStartedMeansItNeverRuns) {
  Gate gate;
  std::atomic<int> started{0};
  const std::size_t workers = asim::ThreadPoolExecutor().max_workers();
  EXPECT_EQ(asim::run(cancel_a_queued_job(gate, started)),
            std::to_string(workers) + "/" + std::to_string(workers) + " cancelled");
}

namespace {
Coro<std::string> shutdown_waits_for_running_jobs(Gate& gate, std::atomic<bool>& finished) {
  asim::EventLoop& loop = asim::get_running_loop();
  struct Slow {
    Gate* gate;
    std::atomic<bool>* finished;
    void operator()() const {
      gate->wait();
      finished->store(true);
    }
  };
  asim::Future<void> job = loop.run_in_executor(Slow{&gate, &finished});
  struct Opener {
    static Coro<void> open_later(Gate& gate) {
      co_await asim::sleep(0);
      gate.open();
    }
  };
  auto opener = asim::create_task(Opener::open_later(gate));
  co_await loop.shutdown_default_executor();
  const bool done_at_shutdown = finished.load();
  co_await opener;
  std::string error;
  try {
    loop.run_in_executor(twice, 1);
  } catch (const asim::RuntimeError& e) {
    error = e.what();
  }
  co_await job;
  co_return std::string(done_at_shutdown ? "finished" : "running") + "; " + error;
}
}  // namespace

TEST(RealExecutor, ShutdownDefaultExecutorWaitsForRunningJobsWithoutBlockingTheLoop) {
  Gate gate;
  std::atomic<bool> finished{false};
  EXPECT_EQ(asim::run(shutdown_waits_for_running_jobs(gate, finished)), "finished; Executor shutdown has been called");
}

TEST(RealExecutor, ClosingTheLoopJoinsItsWorkers) {
  std::atomic<int> ran{0};
  {
    RealLoop loop;
    struct Job {
      static Coro<void> submit(std::atomic<int>& ran) {
        struct Count {
          std::atomic<int>* ran;
          void operator()() const { ran->fetch_add(1); }
        };
        co_await asim::get_running_loop().run_in_executor(Count{&ran});
        // The second job may or may not start before close; either way close waits.
        asim::get_running_loop().run_in_executor(Count{&ran});
      }
    };
    loop.run_until_complete(Job::submit(ran));
    loop.close();
    const int after_close = ran.load();
    EXPECT_GE(after_close, 1);
    EXPECT_LE(after_close, 2);
  }
}

// -- run_coroutine_threadsafe and wrap_future ------------------------------------

namespace {
Coro<int> add_on_loop(int a, int b) {
  co_await asim::sleep(0);
  co_return a + b;
}

Coro<void> serve_until(asim::Future<int> stop) { co_await stop; }

Coro<int> wait_forever(Gate& started) {
  started.open();
  asim::Future<int> never = asim::get_running_loop().create_future<int>();
  co_return co_await never;
}
}  // namespace

TEST(RunCoroutineThreadsafe, AnotherThreadGetsTheCoroutinesResult) {
  RealLoop loop;
  ConcurrentFuture<int> stop;
  std::thread client([&loop, stop]() mutable {
    ConcurrentFuture<int> sum = asim::run_coroutine_threadsafe(add_on_loop(20, 22), loop);
    stop.set_result(sum.result(30.0));
  });
  loop.run_until_complete(serve_until(asim::wrap_future(stop, &loop)));
  client.join();
  EXPECT_EQ(stop.result(), 42);
}

TEST(RunCoroutineThreadsafe, CancellingTheConcurrentFutureCancelsTheTask) {
  RealLoop loop;
  ConcurrentFuture<int> stop;
  std::string seen;
  std::thread client([&loop, stop, &seen]() mutable {
    Gate started;
    ConcurrentFuture<int> result = asim::run_coroutine_threadsafe(wait_forever(started), loop);
    started.wait();
    EXPECT_TRUE(result.cancel());
    try {
      (void)result.result(30.0);
    } catch (const asim::CancelledError&) {
      seen = "cancelled";
    }
    stop.set_result(0);
  });
  loop.run_until_complete(serve_until(asim::wrap_future(stop, &loop)));
  client.join();
  EXPECT_EQ(seen, "cancelled");
  // The task got the cancellation through the loop (posted before `stop` was set)
  // and ended in the same iteration as the main task.
  EXPECT_TRUE(loop.all_tasks().empty());
}

namespace {
Coro<int> await_pool_job(asim::ThreadPoolExecutor& pool) {
  co_return co_await asim::wrap_future(pool.submit(twice, 21));
}

Coro<std::string> cancel_wrapped(ConcurrentFuture<int> source) {
  asim::Future<int> wrapped = asim::wrap_future(source);
  wrapped.cancel();
  co_await asim::sleep(0);  // the done-callback cancels the source
  co_return source.cancelled() ? "source cancelled" : "source pending";
}
}  // namespace

TEST(WrapFuture, AwaitsAFutureOfAnotherExecutor) {
  asim::ThreadPoolExecutor pool(2);
  EXPECT_EQ(asim::run(await_pool_job(pool)), 42);
}

TEST(WrapFuture, CancellingTheLoopFutureCancelsTheSource) {
  EXPECT_EQ(asim::run(cancel_wrapped(ConcurrentFuture<int>())), "source cancelled");
}

// -- ConcurrentFuture and ThreadPoolExecutor --------------------------------------

TEST(ConcurrentFuture, ResultWithATimeoutRaisesTimeoutErrorWhilePending) {
  ConcurrentFuture<int> future;
  EXPECT_THROW((void)future.result(0.001), asim::TimeoutError);
  EXPECT_FALSE(future.done());
}

TEST(ConcurrentFuture, SetTwiceRaisesInvalidStateErrorAndCancelAfterRunningFails) {
  ConcurrentFuture<int> future;
  EXPECT_TRUE(future.set_running_or_notify_cancel());
  EXPECT_TRUE(future.running());
  EXPECT_FALSE(future.cancel());
  future.set_result(1);
  EXPECT_THROW(future.set_result(2), asim::InvalidStateError);
  EXPECT_EQ(future.result(), 1);
}

TEST(ConcurrentFuture, CallbacksRunInOrderOnCompletionAndAtOnceWhenDone) {
  ConcurrentFuture<void> future;
  std::string order;
  future.add_done_callback([&order](const ConcurrentFuture<void>&) { order += "a"; });
  future.add_done_callback([&order](const ConcurrentFuture<void>&) { order += "b"; });
  EXPECT_EQ(order, "");
  EXPECT_TRUE(future.cancel());
  EXPECT_EQ(order, "ab");
  future.add_done_callback([&order](const ConcurrentFuture<void>& f) { order += f.cancelled() ? "C" : "c"; });
  EXPECT_EQ(order, "abC");
  EXPECT_THROW(future.result(), asim::CancelledError);
  EXPECT_FALSE(future.set_running_or_notify_cancel());
}

TEST(ThreadPoolExecutor, SubmitAfterShutdownRaisesRuntimeError) {
  asim::ThreadPoolExecutor pool(1);
  EXPECT_EQ(pool.submit(twice, 4).result(), 8);
  pool.shutdown();
  try {
    pool.submit(twice, 1);
    FAIL() << "no error";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "cannot schedule new futures after shutdown");
  }
}

TEST(ThreadPoolExecutor, ShutdownWithCancelFuturesCancelsWorkNotStarted) {
  asim::ThreadPoolExecutor pool(1);
  Gate gate;
  Gate started;
  auto first = pool.submit([&gate, &started] {
    started.open();
    gate.wait();
    return 1;
  });
  auto second = pool.submit(twice, 2);
  started.wait();
  pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);  // `second` has not started: the worker is blocked
  gate.open();
  pool.shutdown(/*wait=*/true);
  EXPECT_EQ(first.result(), 1);
  EXPECT_TRUE(second.cancelled());
}
