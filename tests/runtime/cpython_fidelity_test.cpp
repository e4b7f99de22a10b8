// SPDX-License-Identifier: MIT
// Where asim once differed from CPython 3.11 (issue 14, section 5): each behaviour as
// CPython's C asyncio shows it. The expected orders and messages were printed by
// python3.11 running the same program.
#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::Coro;
using asim::testing::ManualLoop;
using asim::testing::Recorder;

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "?";
  }
}

Coro<void> nap(double delay) { co_await asim::sleep(delay); }

template <class F>
std::exception_ptr raised_by(F&& fn) {
  try {
    fn();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

// -- gather of futures bound to different loops ---------------------------------

// asyncio: test_constructor_heterogenous_futures
TEST(Fidelity, GatherOfFuturesOfDifferentLoopsRaisesValueError) {
  ManualLoop one;
  ManualLoop two;
  asim::Future<int> a = one.create_future<int>();
  asim::Future<int> b = two.create_future<int>();
  const std::string expected = "The future belongs to a different loop than the one specified as the loop argument";
  std::exception_ptr error = raised_by([&] { (void)asim::gather(std::vector<asim::Future<int>>{a, b}); });
  EXPECT_THROW(std::rethrow_exception(error), asim::ValueError);
  EXPECT_EQ(message_of(error), expected);
  error = raised_by([&] { (void)asim::gather(a, b); });
  EXPECT_THROW(std::rethrow_exception(error), asim::ValueError);
  EXPECT_EQ(message_of(error), expected);
  // Nothing was hooked: completing the futures schedules no gather callback.
  a.set_result(1);
  b.set_result(2);
  EXPECT_EQ(one.ready_count(), 0U);
  EXPECT_EQ(two.ready_count(), 0U);
}

// -- current_task without a loop ------------------------------------------------

TEST(Fidelity, CurrentTaskWithoutARunningLoopRaisesRuntimeError) {
  std::exception_ptr error = raised_by([] { (void)asim::current_task(); });
  EXPECT_THROW(std::rethrow_exception(error), asim::RuntimeError);
  EXPECT_EQ(message_of(error), "no running event loop");
  // Inside a plain callback there is a loop but no task: an empty handle.
  ManualLoop loop;
  bool empty = false;
  loop.call_soon([&] {
    empty = !asim::current_task();
    loop.stop();
  });
  loop.run_forever();
  EXPECT_TRUE(empty);
}

// -- call_soon_threadsafe joins the ready queue at once -----------------------------

TEST(Fidelity, CallSoonThreadsafeBeforeCallSoonRunsFirstOnTheLoopThread) {
  // asyncio: ['threadsafe', 'soon', 'threadsafe 2']
  ManualLoop loop;
  Recorder rec;
  loop.call_soon_threadsafe([&] { rec("threadsafe"); });
  loop.call_soon([&] { rec("soon"); });
  loop.call_soon_threadsafe([&] { rec("threadsafe 2"); });
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"threadsafe", "soon", "threadsafe 2"}));
}

TEST(Fidelity, CallSoonThreadsafeFromAnotherThreadBeforeCallSoonRunsFirst) {
  ManualLoop loop;
  Recorder rec;
  std::thread other([&] { loop.call_soon_threadsafe([&] { rec("from thread"); }); });
  other.join();  // the post happens before the call_soon below
  loop.call_soon([&] { rec("soon"); });
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"from thread", "soon"}));
}

TEST(Fidelity, CallSoonThreadsafeInsideACallbackRunsInTheNextIterationBeforeLaterCallSoons) {
  // asyncio: the callback goes to _ready after the batch being run, like call_soon.
  ManualLoop loop;
  Recorder rec;
  loop.call_soon([&] {
    rec("first");
    loop.call_soon_threadsafe([&] { rec("threadsafe"); });
    loop.call_soon([&] { rec("soon"); });
  });
  loop.call_soon([&] { rec("second"); });
  loop.run_once();
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"first", "second", "threadsafe", "soon"}));
}

// -- CPython's wordings ------------------------------------------------------------

TEST(Fidelity, RunFromARunningLoopUsesAsyncioWording) {
  ManualLoop loop;
  std::exception_ptr error;
  loop.call_soon([&] {
    error = raised_by([] { asim::run([]() -> Coro<int> { co_return 1; }()); });
    loop.stop();
  });
  loop.run_forever();
  EXPECT_THROW(std::rethrow_exception(error), asim::RuntimeError);
  EXPECT_EQ(message_of(error), "asyncio.run() cannot be called from a running event loop");
}

TEST(Fidelity, EnsureFutureAndGatherOfCoroutinesWithoutALoopNameTheThread) {
  auto one = []() -> Coro<int> { co_return 1; };
  std::exception_ptr error = raised_by([&] { (void)asim::ensure_future(one()); });
  EXPECT_THROW(std::rethrow_exception(error), asim::RuntimeError);
  EXPECT_EQ(message_of(error), "There is no current event loop in thread 'MainThread'.");
  error = raised_by([&] { (void)asim::gather(one(), one()); });
  EXPECT_EQ(message_of(error), "There is no current event loop in thread 'MainThread'.");
  std::string in_thread;
  std::thread other([&] { in_thread = message_of(raised_by([] { (void)asim::get_event_loop(); })); });
  other.join();
  EXPECT_EQ(in_thread.rfind("There is no current event loop in thread '", 0), 0U) << in_thread;
  EXPECT_NE(in_thread, "There is no current event loop in thread 'MainThread'.");
}

TEST(Fidelity, CreateFutureOnAClosedLoopWorksAndCompletingItRaisesNothingWithoutCallbacks) {
  // asyncio: loop.create_future() on a closed loop gives a pending future.
  ManualLoop loop;
  loop.close();
  asim::Future<int> f = loop.create_future<int>();
  EXPECT_FALSE(f.done());
  f.set_result(3);
  EXPECT_EQ(f.result(), 3);
}

TEST(Fidelity, CompletingAFutureWithCallbacksOnAClosedLoopRaisesEventLoopIsClosed) {
  // asyncio: set_result finishes the future, then call_soon of its first callback
  // raises; the callbacks are dropped.
  ManualLoop loop;
  asim::Future<int> f = loop.create_future<int>();
  asim::Future<int> g = loop.create_future<int>();
  int ran = 0;
  f.add_done_callback([&ran](asim::Future<int>) { ++ran; });
  g.add_done_callback([&ran](asim::Future<int>) { ++ran; });
  loop.close();
  std::exception_ptr error = raised_by([&] { f.set_result(1); });
  EXPECT_THROW(std::rethrow_exception(error), asim::RuntimeError);
  EXPECT_EQ(message_of(error), "Event loop is closed");
  EXPECT_EQ(f.result(), 1);
  error = raised_by([&] { g.set_exception(std::make_exception_ptr(asim::ValueError("v"))); });
  EXPECT_EQ(message_of(error), "Event loop is closed");
  EXPECT_TRUE(g.done());
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(loop.callbacks_in_use(), 0U);
}

// -- shield: the outer future completed by the program --------------------------------

TEST(Fidelity, ShieldsOuterCompletedByTheProgramStillReceivesTheInnersResult) {
  // asyncio: the inner's callback calls outer.set_result: InvalidStateError goes to
  // the exception handler ("Exception in callback").
  ManualLoop loop;
  std::vector<std::string> handled;
  loop.set_exception_handler([&](asim::EventLoop&, const asim::ExceptionContext& context) {
    handled.push_back(context.message + ": " + asim::exception_class_name(context.exception));
  });
  asim::Future<int> inner = loop.create_future<int>();
  asim::Future<int> outer = asim::shield(inner);
  outer.set_result(1);
  inner.set_result(2);
  loop.run_once();
  loop.run_once();
  EXPECT_EQ(handled, (std::vector<std::string>{"Exception in callback: InvalidStateError"}));
  EXPECT_EQ(outer.result(), 1);
  EXPECT_EQ(loop.ready_count(), 0U);
}

TEST(Fidelity, ShieldsOuterDroppedAfterTheProgramCompletedItIsKeptUntilTheInnerCallbackRan) {
  ManualLoop loop;
  int handled = 0;
  loop.set_exception_handler([&](asim::EventLoop&, const asim::ExceptionContext&) { ++handled; });
  asim::Future<int> inner = loop.create_future<int>();
  {
    asim::Future<int> outer = asim::shield(inner);
    outer.set_result(1);
    inner.set_result(2);
  }  // the outer handle is gone before any callback ran
  loop.run_once();
  loop.run_once();
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(loop.ready_count(), 0U);
}

TEST(Fidelity, ShieldsOuterCancelledByTheProgramIgnoresTheInnersResult) {
  ManualLoop loop;
  int handled = 0;
  loop.set_exception_handler([&](asim::EventLoop&, const asim::ExceptionContext&) { ++handled; });
  asim::Future<int> inner = loop.create_future<int>();
  asim::Future<int> outer = asim::shield(inner);
  outer.cancel();
  inner.set_result(2);
  loop.run_until_complete(nap(0));
  EXPECT_EQ(handled, 0);
  EXPECT_TRUE(outer.cancelled());
}

// -- a task that awaited itself ----------------------------------------------------

Coro<void> await_self_then_sleep(asim::Future<void>* self, std::string* caught) {
  try {
    co_await *self;
  } catch (const asim::RuntimeError& e) {
    *caught = e.what();
  }
  co_await asim::sleep(1);
}

TEST(Fidelity, ATaskThatAwaitedItselfCannotBeAwaitedWhilePending) {
  // asyncio (C Task): the self-await leaves _asyncio_future_blocking set, so another
  // task's await raises RuntimeError("await wasn't used with future") at once.
  ManualLoop loop;
  asim::Future<void> self;
  std::string caught;
  asim::Task<void> a = loop.create_task(await_self_then_sleep(&self, &caught));
  self = asim::Future<void>(a);
  auto awaiter = [](asim::Task<void> target) -> Coro<std::string> {
    co_await asim::sleep(0.5);
    try {
      co_await target;
    } catch (const asim::RuntimeError& e) {
      co_return std::string(e.what()) + " at " + std::to_string(asim::get_running_loop().time());
    }
    co_return "waited";
  };
  // Through a Task, so that `a` is left pending (run_until_complete(coro) is asyncio.run's
  // runner and would cancel it).
  EXPECT_EQ(loop.run_until_complete(loop.create_task(awaiter(a))), "await wasn't used with future at 0.500000");
  EXPECT_EQ(caught.rfind("Task cannot await on itself", 0), 0U) << caught;
  // Once done, the task is awaited as usual.
  loop.run_until_complete(asim::Future<void>(a));
  EXPECT_EQ(loop.run_until_complete(awaiter(a)), "waited");
}

// -- as_completed abandoned early -------------------------------------------------------

TEST(Fidelity, AsCompletedAbandonedEarlyLeavesItsTimeoutArmed) {
  // asyncio: the timer of as_completed(fs, timeout=1) stays until it fires.
  ManualLoop loop;
  asim::Future<int> a = loop.create_future<int>();
  asim::Future<int> b = loop.create_future<int>();
  a.set_exception(std::make_exception_ptr(asim::ValueError("x")));
  auto consume = [](asim::Future<int> x, asim::Future<int> y) -> Coro<std::string> {
    std::vector<Coro<int>> each = asim::as_completed(std::vector<asim::Future<int>>{x, y}, 1.0);
    try {
      for (Coro<int>& next : each) (void)co_await std::move(next);
    } catch (const asim::ValueError&) {
      co_return "raised";
    }
    co_return "all";
  };
  EXPECT_EQ(loop.run_until_complete(consume(a, b)), "raised");
  EXPECT_EQ(loop.timer_count(), 1U);
  loop.run_until_complete(nap(2));
  EXPECT_EQ(loop.timer_count(), 0U);
  b.set_result(1);  // the timeout unhooked the callbacks: nothing is scheduled
  EXPECT_EQ(loop.ready_count(), 0U);
}

TEST(Fidelity, AsCompletedAbandonedEarlyCancelsItsTimerWhenTheRestComplete) {
  ManualLoop loop;
  asim::Future<int> a = loop.create_future<int>();
  asim::Future<int> b = loop.create_future<int>();
  a.set_exception(std::make_exception_ptr(asim::ValueError("x")));
  { std::vector<Coro<int>> each = asim::as_completed(std::vector<asim::Future<int>>{a, b}, 5.0); }  // dropped unawaited
  EXPECT_EQ(loop.timer_count(), 1U);
  b.set_result(2);
  loop.run_until_complete(nap(0));
  EXPECT_EQ(loop.timer_count(), 0U);
  EXPECT_EQ(loop.time(), 0.0);
}

TEST(Fidelity, AsCompletedAbandonedWithItsTimerArmedIsFreedWithTheLoop) {
  // The timer and the state refer to each other only through the timer's callable:
  // dropping the loop's timers frees both (LeakSanitizer checks it).
  auto loop = std::make_unique<ManualLoop>();
  {
    asim::Future<int> a = loop->create_future<int>();
    std::vector<Coro<int>> each = asim::as_completed(std::vector<asim::Future<int>>{a}, 5.0);
  }
  EXPECT_EQ(loop->timer_count(), 1U);
  EXPECT_EQ(loop->callbacks_in_use(), 2U);  // the timer and the done-callback
  loop.reset();
}

}  // namespace
