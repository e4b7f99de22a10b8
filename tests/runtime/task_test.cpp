// SPDX-License-Identifier: MIT
// Tests of Task<T>: scheduling, names, cancellation, misuse and iteration counts,
// each checked against CPython 3.11's asyncio.
#include <asim/future.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::testing::ManualLoop;
using asim::testing::Recorder;

std::uint64_t iteration() { return asim::get_running_loop().iteration(); }

asim::Coro<int> return_value(int value) { co_return value; }

asim::Coro<int> record_and_return(Recorder* rec, std::string name, int value) {
  (*rec)(std::move(name));
  co_return value;
}

asim::Coro<int> await_task_of_return_value(int value) { co_return co_await asim::create_task(return_value(value)); }

asim::Coro<int> await_two_tasks() {
  asim::Task<int> a = asim::create_task(return_value(1));
  asim::Task<int> b = asim::create_task(return_value(2));
  co_return co_await a + co_await b;
}

asim::Coro<int> await_future_set_by_callback(int value) {
  asim::Future<int> future = asim::get_running_loop().create_future<int>();
  asim::get_running_loop().call_soon([future, value]() mutable { future.set_result(value); });
  co_return co_await future;
}

/// Awaits `future`; on cancellation records the message and either re-raises or
/// returns "swallowed".
asim::Coro<std::string> await_then(asim::Future<int> future, bool reraise, std::vector<std::string>* log) {
  try {
    int value = co_await future;
    co_return "value " + std::to_string(value);
  } catch (const asim::CancelledError& e) {
    log->push_back("cancelled '" + e.message() + "' at " + std::to_string(iteration()));
    if (reraise) throw;
  }
  co_return "swallowed";
}

asim::Coro<void> set_flag(bool* flag) {
  *flag = true;
  co_return;
}

asim::Coro<int> await_self(asim::Task<int>* self, std::string* error) {
  try {
    co_await *self;
  } catch (const asim::RuntimeError& e) {
    *error = e.what();
    co_return static_cast<int>(iteration());
  }
  co_return -1;
}

asim::Coro<std::string> await_foreign(asim::Future<int> foreign) {
  try {
    co_await foreign;
  } catch (const asim::RuntimeError& e) {
    co_return e.what();
  }
  co_return "no error";
}

asim::Coro<int> throws_value_error() {
  throw asim::ValueError("boom");
  co_return 0;
}

asim::Coro<std::string> catch_from_task() {
  try {
    co_await asim::create_task(throws_value_error());
  } catch (const asim::ValueError& e) {
    co_return std::string("caught ") + e.what();
  }
  co_return "nothing";
}

asim::Coro<void> inner_wait(asim::Future<int> future, std::vector<std::string>* log) {
  try {
    co_await future;
  } catch (const asim::CancelledError& e) {
    log->push_back("inner '" + e.message() + "' at " + std::to_string(iteration()));
    throw;
  }
}

asim::Coro<void> outer_wait(asim::Future<int> future, std::vector<std::string>* log) {
  try {
    co_await asim::create_task(inner_wait(future, log));
  } catch (const asim::CancelledError& e) {
    log->push_back("outer '" + e.message() + "' at " + std::to_string(iteration()));
    throw;
  }
}

asim::Coro<std::string> uncancel_and_continue(asim::Future<int> future, std::vector<std::string>* log) {
  try {
    co_await future;
  } catch (const asim::CancelledError&) {
    asim::AnyTask self = asim::current_task();
    log->push_back("cancelling " + std::to_string(self.cancelling()));
    log->push_back("uncancel " + std::to_string(self.uncancel()));
  }
  co_await asim::sleep(0);
  co_return "ok";
}

asim::Coro<std::string> cancelled_twice(asim::Future<int> future, std::vector<std::string>* log) {
  try {
    co_await future;
  } catch (const asim::CancelledError& e) {
    log->push_back("first '" + e.message() + "'");
  }
  try {
    co_await asim::sleep(0);
  } catch (const asim::CancelledError& e) {
    log->push_back("second '" + e.message() + "'");
  }
  co_return "done";
}

asim::Coro<int> cancel_self_then_return() {
  asim::current_task().cancel("self");
  co_return 5;
}

asim::Coro<std::string> names_from_create_task() {
  // asyncio: loop.create_task(name=) takes no number; asyncio.create_task(name=) does.
  asim::EventLoop& loop = asim::get_running_loop();
  asim::Task<int> a = loop.create_task(return_value(1));
  asim::Task<int> b = loop.create_task(return_value(2), "x");
  asim::Task<int> c = loop.create_task(return_value(3));
  asim::Task<int> d = asim::create_task(return_value(4), "y");
  asim::Task<int> e = asim::create_task(return_value(5));
  co_return a.get_name() + " " + b.get_name() + " " + c.get_name() + " " + d.get_name() + " " + e.get_name();
}

asim::Coro<std::string> name_of_current_task() { co_return asim::current_task().get_name(); }

asim::Coro<int> ensure_future_of_both(asim::Future<int> given) {
  asim::Future<int> same = asim::ensure_future(given);
  EXPECT_TRUE(same == given);
  asim::Task<int> task = asim::ensure_future(return_value(30));
  EXPECT_FALSE(task.done());
  co_return co_await task + co_await same;
}

asim::Coro<std::size_t> count_all_tasks() { co_return asim::all_tasks().size(); }

asim::Coro<int> wait_forever(asim::Future<int> future) { co_return co_await future; }

asim::Coro<int> inner_swallow(asim::Future<int> future, std::vector<std::string>* log) {
  try {
    co_await future;
  } catch (const asim::CancelledError&) {
    log->push_back("inner swallowed at " + std::to_string(iteration()));
    co_return 7;
  }
  co_return 0;
}

asim::Coro<int> outer_of_swallower(asim::Future<int> future, std::vector<std::string>* log) {
  int value = co_await asim::create_task(inner_swallow(future, log));
  log->push_back("outer got " + std::to_string(value) + " at " + std::to_string(iteration()));
  co_return value;
}

asim::Coro<int> cancel_self_then_sleep(std::vector<std::string>* log) {
  asim::current_task().cancel("me");
  try {
    co_await asim::sleep(1.0);
  } catch (const asim::CancelledError& e) {
    log->push_back("at sleep '" + e.message() + "' at " + std::to_string(iteration()) + " time " +
                   std::to_string(asim::get_running_loop().time_ns()));
  }
  co_return 1;
}

asim::Coro<int> sleep0_then(int value) {
  co_await asim::sleep(0);
  co_return value;
}

asim::Coro<int> await_task_and_log(asim::Task<int> task, std::string name, std::vector<std::string>* log) {
  int value = co_await task;
  log->push_back(name + " " + std::to_string(value) + " at " + std::to_string(iteration()));
  co_return value;
}

asim::Coro<void> two_awaiters_of_one_task(std::vector<std::string>* log) {
  asim::Task<int> shared = asim::create_task(sleep0_then(5));
  asim::Task<int> a = asim::create_task(await_task_and_log(shared, "a", log));
  asim::Task<int> b = asim::create_task(await_task_and_log(shared, "b", log));
  co_await a;
  co_await b;
}

}  // namespace

// -- scheduling and names -------------------------------------------------------

TEST(Task, FirstStepIsScheduledWithCallSoonAfterCallbacksAlreadyQueued) {
  ManualLoop loop;
  Recorder rec;
  loop.call_soon([&] { rec("before"); });
  asim::Task<int> task = loop.create_task(record_and_return(&rec, "task", 1));
  loop.call_soon([&] { rec("after"); });
  EXPECT_TRUE(rec.events().empty());
  EXPECT_FALSE(task.done());
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"before", "task", "after"}));
  EXPECT_TRUE(task.done());
  EXPECT_EQ(task.result(), 1);
}

TEST(Task, UnnamedTasksAreNumberedTaskNCountingOnlyUnnamedOnes) {
  ManualLoop loop;
  asim::Task<int> a = loop.create_task(return_value(1));
  asim::Task<int> b = loop.create_task(return_value(2), "custom");
  asim::Task<int> c = loop.create_task(return_value(3));
  EXPECT_EQ(a.get_name(), "Task-1");
  EXPECT_EQ(b.get_name(), "custom");
  EXPECT_EQ(c.get_name(), "Task-2");  // asyncio counts only tasks created without a name
  c.set_name("renamed");
  EXPECT_EQ(c.get_name(), "renamed");
  EXPECT_EQ(c.task().describe(), "Task 'renamed'");
  asim::AnyTask any = a;
  any.set_name("via any");
  EXPECT_EQ(a.get_name(), "via any");
  loop.run_once();
}

TEST(Task, GivenNameReadsAGivenNameInPlaceAndIsEmptyForTaskN) {
  ManualLoop loop;
  asim::Task<int> a = loop.create_task(return_value(1));
  asim::Task<int> b = loop.create_task(return_value(2), "custom");
  EXPECT_EQ(a.task().given_name(), "");
  EXPECT_EQ(b.task().given_name(), "custom");
  a.set_name("later");
  EXPECT_EQ(a.task().given_name(), "later");
  loop.run_once();
}

TEST(Task, NamesOfEveryLengthReadBackAsGivenAcrossRenames) {
  // Names up to 7 bytes are kept in place, longer ones on the heap: each length reads
  // back, renames move between the two, and the empty name is a name (not "Task-N").
  ManualLoop loop;
  asim::Task<int> a = loop.create_task(return_value(1), "t1");
  EXPECT_EQ(a.get_name(), "t1");
  for (const std::string name : {"", "x", "1234567", "12345678", "a longer name than a word", "t12", ""}) {
    a.set_name(name);
    EXPECT_EQ(a.get_name(), name);
    EXPECT_EQ(a.task().given_name(), name);
  }
  asim::Task<int> b = loop.create_task(return_value(2), std::string("t\0x", 3));
  EXPECT_EQ(b.task().given_name(), std::string_view("t\0x", 3));
  loop.run_once();
}

TEST(Task, AGivenEmptyNameIsANameAndTakesNoNumberAsLoopCreateTaskWithNameEmpty) {
  // asyncio: loop.create_task(coro, name="") is named "" and leaves the Task-N counter;
  // a plain "" is name=None.
  ManualLoop loop;
  asim::Task<int> named = loop.create_task(return_value(1), asim::GivenName{""});
  asim::Task<int> unnamed = loop.create_task(return_value(2), "");
  asim::Task<int> given = loop.create_task(return_value(3), asim::GivenName{"g"});
  EXPECT_EQ(named.get_name(), "");
  EXPECT_TRUE(named.task().has_given_name());
  EXPECT_EQ(unnamed.get_name(), "Task-1");
  EXPECT_FALSE(unnamed.task().has_given_name());
  EXPECT_EQ(given.get_name(), "g");
  EXPECT_EQ(named.task().describe(), "Task ''");
  loop.run_once();
}

TEST(Task, NamedTasksFromAsimCreateTaskUseUpANumberAsInAsyncio) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(names_from_create_task()), "Task-2 x Task-3 y Task-5");
}

TEST(Task, CurrentTaskInsideATaskIsThatTask) {
  ManualLoop loop;
  asim::Task<std::string> task = loop.create_task(name_of_current_task(), "me");
  EXPECT_EQ(loop.run_until_complete(task), "me");
  EXPECT_THROW((void)asim::current_task(), asim::RuntimeError);  // no running loop, as asyncio
}

TEST(Task, AllTasksFromInsideATaskListsThePendingOnes) {
  ManualLoop loop;
  asim::Future<int> never = loop.create_future<int>();
  asim::Task<int> other = loop.create_task(wait_forever(never));
  EXPECT_EQ(loop.run_until_complete(count_all_tasks()), 2u);  // itself and `other`
  // run_until_complete(coro) is asyncio.run's runner: it cancelled and finished `other`.
  EXPECT_TRUE(other.cancelled());
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(Task, EnsureFutureKeepsFuturesAndWrapsCoroutinesInTasks) {
  ManualLoop loop;
  asim::Future<int> given = loop.create_future<int>();
  given.set_result(12);
  EXPECT_EQ(loop.run_until_complete(ensure_future_of_both(given)), 42);
}

TEST(Task, CreateTaskOutsideARunningLoopThrowsRuntimeError) {
  EXPECT_THROW((void)asim::create_task(return_value(1)), asim::RuntimeError);
  EXPECT_THROW((void)asim::ensure_future(return_value(1)), asim::RuntimeError);
  EXPECT_THROW((void)asim::all_tasks(), asim::RuntimeError);
}

// -- results and errors ----------------------------------------------------------

TEST(Task, TaskExceptionPropagatesToTheAwaiter) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(catch_from_task()), "caught boom");
  EXPECT_EQ(loop.iteration(), 4u);  // asyncio: 4
}

TEST(Task, TaskEndingWithAnExceptionIsDoneWithThatException) {
  ManualLoop loop;
  asim::Task<int> task = loop.create_task(throws_value_error());
  loop.run_once();
  EXPECT_TRUE(task.done());
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(asim::exception_class_name(task.exception()), "ValueError");
  EXPECT_THROW((void)task.result(), asim::ValueError);
}

TEST(Task, SetResultOrSetExceptionOnATaskThrowsRuntimeError) {
  ManualLoop loop;
  asim::Task<int> task = loop.create_task(return_value(1));
  try {
    task.set_result(2);
    FAIL() << "expected RuntimeError";
  } catch (const asim::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Task does not support set_result() operation");
  }
  try {
    task.set_exception(std::runtime_error("x"));
    FAIL() << "expected RuntimeError";
  } catch (const asim::RuntimeError& e) {
    EXPECT_STREQ(e.what(), "Task does not support set_exception() operation");
  }
  EXPECT_EQ(loop.run_until_complete(task), 1);
}

TEST(Task, ATaskAwaitingItselfGetsRuntimeErrorInTheNextIteration) {
  ManualLoop loop;
  asim::Task<int> task;
  std::string error;
  task = loop.create_task(await_self(&task, &error), "selfish");
  EXPECT_EQ(loop.run_until_complete(task), 2);  // asyncio: raised in iteration 2
  EXPECT_EQ(error, "Task cannot await on itself: Task 'selfish'");
  EXPECT_EQ(loop.iteration(), 3u);
}

TEST(Task, AwaitingAFutureOfAnotherLoopThrowsRuntimeError) {
  ManualLoop loop;
  ManualLoop other;
  asim::Future<int> foreign = other.create_future<int>();
  const std::string error = loop.run_until_complete(await_foreign(foreign));
  EXPECT_NE(error.find("attached to a different loop"), std::string::npos) << error;
  EXPECT_EQ(loop.iteration(), 3u);
}

// -- cancellation ------------------------------------------------------------------

TEST(Task, CancelBeforeStartNeverRunsTheBody) {
  ManualLoop loop;
  bool ran = false;
  asim::Task<void> task = loop.create_task(set_flag(&ran));
  EXPECT_TRUE(task.cancel());
  EXPECT_EQ(task.cancelling(), 1);
  EXPECT_FALSE(task.done());  // cancellation is delivered by the step
  EXPECT_THROW(loop.run_until_complete(task), asim::CancelledError);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(loop.iteration(), 2u);  // asyncio: 2
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(Task, CancelBeforeStartCarriesTheMessage) {
  ManualLoop loop;
  bool ran = false;
  asim::Task<void> task = loop.create_task(set_flag(&ran));
  task.cancel("early");
  try {
    loop.run_until_complete(task);
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "early");
  }
}

TEST(Task, CancelWhileWaitingRaisesCancelledErrorAtTheAwait) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(await_then(future, true, &log));
  loop.run_once();
  EXPECT_EQ(task.task().awaiting(), &future.base());
  EXPECT_TRUE(task.cancel("bye"));
  EXPECT_TRUE(future.cancelled());  // cancel() cancels the future the task waits on
  EXPECT_EQ(future.base().cancel_message(), "bye");
  try {
    loop.run_until_complete(task);
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "bye");  // the coroutine's own exception, re-raised
  }
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled 'bye' at 2"}));
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(loop.iteration(), 3u);
}

TEST(Task, CancelledErrorCaughtAndSwallowedGivesAResult) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(await_then(future, false, &log));
  loop.run_once();
  EXPECT_TRUE(task.cancel("bye"));
  EXPECT_EQ(loop.run_until_complete(task), "swallowed");
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(task.cancelling(), 1);  // asyncio 3.11 keeps the request count
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled 'bye' at 2"}));
  EXPECT_EQ(loop.iteration(), 3u);  // asyncio: 3
}

TEST(Task, CancelOfADoneTaskReturnsFalse) {
  ManualLoop loop;
  asim::Task<int> task = loop.create_task(return_value(3));
  loop.run_once();
  EXPECT_FALSE(task.cancel());
  EXPECT_EQ(task.cancelling(), 0);
  EXPECT_EQ(task.result(), 3);
}

TEST(Task, CancelWhenTheAwaitedFutureIsAlreadyDoneRaisesAtTheAwait) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(await_then(future, true, &log));
  loop.run_once();
  future.set_result(1);  // the wake-up is scheduled
  EXPECT_TRUE(task.cancel("late"));  // cannot cancel the done future: must_cancel
  EXPECT_FALSE(future.cancelled());
  try {
    loop.run_until_complete(task);
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "late");
  }
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled 'late' at 2"}));
  EXPECT_TRUE(task.cancelled());
}

TEST(Task, MustCancelSwallowedAtTheAwaitGivesAResult) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(await_then(future, false, &log));
  loop.run_once();
  future.set_result(1);
  task.cancel();
  EXPECT_EQ(loop.run_until_complete(task), "swallowed");
  EXPECT_FALSE(task.cancelled());
  EXPECT_EQ(loop.iteration(), 3u);  // asyncio: 3
}

TEST(Task, SecondCancelWhileTheFirstIsInFlightIsAbsorbed) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(cancelled_twice(future, &log));
  loop.run_once();
  EXPECT_TRUE(task.cancel("a"));
  EXPECT_TRUE(task.cancel("b"));  // the future is already cancelled: must_cancel
  EXPECT_EQ(task.cancelling(), 2);
  // asyncio delivers the future's CancelledError('a') and clears must_cancel.
  EXPECT_EQ(loop.run_until_complete(task), "done");
  EXPECT_EQ(log, (std::vector<std::string>{"first 'a'"}));
}

TEST(Task, CancellingCountsRequestsAndUncancelWithdrawsOne) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(uncancel_and_continue(future, &log));
  loop.run_once();
  EXPECT_EQ(task.cancelling(), 0);
  task.cancel();
  task.cancel();
  EXPECT_EQ(task.cancelling(), 2);
  EXPECT_EQ(loop.run_until_complete(task), "ok");
  EXPECT_EQ(log, (std::vector<std::string>{"cancelling 2", "uncancel 1"}));
  EXPECT_EQ(task.cancelling(), 1);
  EXPECT_EQ(task.uncancel(), 0);
  EXPECT_EQ(task.uncancel(), 0);  // never below zero
}

TEST(Task, CancelPropagatesThroughAnAwaitedTask) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<void> outer = loop.create_task(outer_wait(future, &log));
  loop.run_once();  // outer starts the inner task and waits on it
  loop.run_once();  // inner waits on the future
  EXPECT_TRUE(outer.cancel("stop"));
  EXPECT_TRUE(future.cancelled());  // outer -> inner task -> future
  try {
    loop.run_until_complete(outer);
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "stop");
  }
  EXPECT_EQ(log, (std::vector<std::string>{"inner 'stop' at 3", "outer 'stop' at 4"}));
  EXPECT_EQ(loop.iteration(), 5u);  // asyncio: 5
  EXPECT_EQ(outer.cancelling(), 1);
}

TEST(Task, TaskCancellingItselfRightBeforeReturningEndsCancelled) {
  ManualLoop loop;
  asim::Task<int> task = loop.create_task(cancel_self_then_return());
  try {
    loop.run_until_complete(task);
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "self");
  }
  EXPECT_TRUE(task.cancelled());
}

TEST(Task, ResultOfACancelledTaskGivesTheCoroutinesErrorOnceThenAFreshOne) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<std::string> task = loop.create_task(await_then(future, true, &log));
  loop.run_once();
  task.cancel("msg1");
  loop.run_once();
  ASSERT_TRUE(task.cancelled());
  // asyncio's _make_cancelled_error hands out the saved exception once, then a new
  // CancelledError with the (empty) message of Future.cancel().
  try {
    (void)task.result();
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "msg1");
  }
  try {
    (void)task.result();
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "");
  }
}

TEST(Task, DoneCallbacksOfATaskRunAfterItFinishes) {
  ManualLoop loop;
  Recorder rec;
  asim::Task<int> task = loop.create_task(return_value(6));
  task.add_done_callback([&](asim::Future<int> done) { rec("done " + std::to_string(done.result())); });
  loop.run_once();
  EXPECT_TRUE(rec.events().empty());
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"done 6"}));
}

TEST(Task, CancellingATaskThatAwaitsASwallowingTaskGivesTheInnerResult) {
  ManualLoop loop;
  std::vector<std::string> log;
  asim::Future<int> future = loop.create_future<int>();
  asim::Task<int> outer = loop.create_task(outer_of_swallower(future, &log));
  loop.run_once();
  loop.run_once();
  EXPECT_TRUE(outer.cancel());  // the inner task accepted the request: no must_cancel
  EXPECT_EQ(loop.run_until_complete(outer), 7);
  EXPECT_FALSE(outer.cancelled());
  EXPECT_EQ(outer.cancelling(), 1);
  EXPECT_EQ(log, (std::vector<std::string>{"inner swallowed at 3", "outer got 7 at 4"}));
  EXPECT_EQ(loop.iteration(), 5u);  // asyncio: 5
}

TEST(Task, ATaskCancellingItselfIsCancelledAtItsNextAwait) {
  ManualLoop loop;
  std::vector<std::string> log;
  EXPECT_EQ(loop.run_until_complete(cancel_self_then_sleep(&log)), 1);
  EXPECT_EQ(log, (std::vector<std::string>{"at sleep 'me' at 2 time 0"}));
  EXPECT_EQ(loop.iteration(), 3u);  // asyncio: 3
  EXPECT_EQ(loop.timer_count(), 0u);
}

TEST(Task, TwoTasksAwaitingOneTaskWakeInRegistrationOrder) {
  ManualLoop loop;
  std::vector<std::string> log;
  loop.run_until_complete(two_awaiters_of_one_task(&log));
  EXPECT_EQ(log, (std::vector<std::string>{"a 5 at 4", "b 5 at 4"}));
  EXPECT_EQ(loop.iteration(), 6u);  // asyncio: 6
}

// -- iteration counts against asyncio --------------------------------------------

TEST(Task, ACoroutineThatReturnsAtOnceTakesTwoIterations) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(return_value(1)), 1);
  EXPECT_EQ(loop.iteration(), 2u);  // asyncio: 2
}

TEST(Task, ATaskAwaitingATaskTakesFourIterations) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(await_task_of_return_value(5)), 5);
  EXPECT_EQ(loop.iteration(), 4u);  // asyncio: 4
}

TEST(Task, AwaitingTwoTasksInTurnTakesFourIterations) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(await_two_tasks()), 3);
  EXPECT_EQ(loop.iteration(), 4u);  // asyncio: 4
}

TEST(Task, AwaitingAFutureSetByACallbackTakesFourIterations) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(await_future_set_by_callback(7)), 7);
  EXPECT_EQ(loop.iteration(), 4u);  // asyncio: 4
}
