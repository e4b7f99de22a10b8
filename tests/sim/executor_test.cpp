// SPDX-License-Identifier: MIT
// run_in_executor and to_thread on the simulated loop: the function runs on the
// loop's thread, completion comes at a virtual time the chooser picks.
#include <asim/executor.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asim::Coro;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

int twice(int n) { return n * 2; }

struct Trace {
  asim::EventLoop* loop;
  std::vector<std::string> events;
  void operator()(const std::string& event) { events.push_back(std::to_string(loop->iteration()) + ":" + event); }
};

Coro<void> other(Trace& rec) {
  for (int i = 0; i < 4; ++i) {
    rec("other " + std::to_string(i));
    co_await asim::sleep(0);
  }
}

// python/executor_reference.py: run_in_executor_order.
Coro<void> run_in_executor_order(Trace& rec) {
  asim::EventLoop& loop = asim::get_running_loop();
  auto t = asim::create_task(other(rec));
  rec("submit");
  asim::Future<int> fut = loop.run_in_executor(twice, 21);
  const int result = co_await fut;
  rec("result " + std::to_string(result));
  co_await t;
  rec("done");
}

}  // namespace

TEST(SimExecutor, WithChoicesOffAJobCompletesInTheIterationsAsyncioTakesOnAnIdleMachine) {
  SimLoop loop(0, SimOptions::cpython());
  Trace rec{&loop, {}};
  // run_until_complete's iteration count starts at the first _run_once, as the reference's.
  loop.run_until_complete(run_in_executor_order(rec));
  EXPECT_EQ(rec.events, (std::vector<std::string>{"1:submit", "2:other 0", "3:other 1", "3:result 42", "4:other 2",
                                                  "5:other 3", "7:done"}));
  EXPECT_EQ(loop.time(), 0.0);
}

namespace {
Coro<std::thread::id> thread_of_job() {
  co_return co_await asim::to_thread([] { return std::this_thread::get_id(); });
}

Coro<double> completion_time() {
  co_await asim::to_thread(twice, 1);
  co_return asim::get_running_loop().time();
}
}  // namespace

TEST(SimExecutor, TheFunctionRunsOnTheLoopsThread) {
  SimLoop loop(3);
  EXPECT_EQ(loop.run_until_complete(thread_of_job()), std::this_thread::get_id());
}

TEST(SimExecutor, TheCompletionTimeIsAChoiceOfTheSeedAndReplays) {
  std::set<double> times;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    SimLoop first(seed);
    SimLoop again(seed);
    const double t = first.run_until_complete(completion_time());
    EXPECT_EQ(t, again.run_until_complete(completion_time()));
    EXPECT_GE(t, 0.0);
    EXPECT_LE(t, 0.005 + 0.005);  // a job of at most max_executor_delay, and a stall or late wake-up
    times.insert(t);
  }
  EXPECT_GT(times.size(), 1U);  // the seeds explore different completion times
}

namespace {
Coro<std::string> completion_order() {
  asim::EventLoop& loop = asim::get_running_loop();
  std::string order;
  struct Append {
    std::string* order;
    char c;
    void operator()() const { *order += c; }
  };
  auto a = loop.run_in_executor(Append{&order, '-'});
  auto b = loop.run_in_executor(Append{&order, '-'});
  std::string done;
  a.add_done_callback([&done](const asim::Future<void>&) { done += 'a'; });
  b.add_done_callback([&done](const asim::Future<void>&) { done += 'b'; });
  co_await a;
  co_await b;
  co_await asim::sleep(0);
  co_return done;
}
}  // namespace

TEST(SimExecutor, JobsCompleteInAnOrderTheChooserPicks) {
  std::set<std::string> orders;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    SimLoop loop(seed);
    orders.insert(loop.run_until_complete(completion_order()));
  }
  EXPECT_EQ(orders, (std::set<std::string>{"ab", "ba"}));
  SimLoop in_order(0, SimOptions::cpython());
  EXPECT_EQ(in_order.run_until_complete(completion_order()), "ab");
}

namespace {
int fail(int) { throw std::out_of_range("bad job"); }

Coro<std::string> failing_job() {
  try {
    co_await asim::to_thread(fail, 1);
  } catch (const std::out_of_range& error) {
    co_return error.what();
  }
  co_return "no error";
}

Coro<void> await_job(asim::Future<int> job) { co_await job; }

Coro<std::string> cancelled_while_running(int& runs) {
  asim::EventLoop& loop = asim::get_running_loop();
  struct Count {
    int* runs;
    int operator()() const { return ++*runs; }
  };
  asim::Future<int> job = loop.run_in_executor(Count{&runs});
  auto waiter = asim::create_task(await_job(job));
  co_await asim::sleep(0);
  waiter.cancel();
  std::string outcome;
  try {
    co_await waiter;
  } catch (const asim::CancelledError&) {
    outcome = "waiter cancelled";
  }
  co_await asim::sleep(0.01);  // past every possible completion time
  outcome += job.cancelled() ? ", job future cancelled" : ", job future not cancelled";
  co_return outcome;
}
}  // namespace

TEST(SimExecutor, AnExceptionOfTheFunctionIsRaisedAtTheAwait) {
  SimLoop loop(1);
  EXPECT_EQ(loop.run_until_complete(failing_job()), "bad job");
}

TEST(SimExecutor, CancellingTheAwaitingTaskCancelsTheFutureAndTheLateCompletionIsIgnored) {
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    SimLoop loop(seed);
    int runs = 0;
    EXPECT_EQ(loop.run_until_complete(cancelled_while_running(runs)), "waiter cancelled, job future cancelled");
    EXPECT_EQ(runs, 1);  // the simulated worker started it at once
    EXPECT_EQ(loop.timer_count(), 0U);
  }
}

namespace {
Coro<void> after_shutdown() {
  asim::EventLoop& loop = asim::get_running_loop();
  co_await loop.shutdown_default_executor();
  loop.run_in_executor(twice, 1);
}
}  // namespace

TEST(SimExecutor, RunInExecutorAfterShutdownDefaultExecutorRaisesRuntimeError) {
  SimLoop loop(0);
  try {
    loop.run_until_complete(after_shutdown());
    FAIL() << "no error";
  } catch (const asim::RuntimeError& error) {
    EXPECT_STREQ(error.what(), "Executor shutdown has been called");
  }
}
