// SPDX-License-Identifier: MIT
// The misuse matrix: every public operation in every wrong state raises asyncio's
// error class with a readable message, never a crash or a hang.
//
// Each row performs one misuse on a fresh loop and returns what it raised. The
// expected class and message were checked against CPython 3.11.7 (see the notes on
// the rows where asim deliberately differs: C++ rejects NaN and infinite delays with
// std::invalid_argument, CPython accepts them; a cancel cycle makes CPython recurse
// until RecursionError, asim raises RuntimeError).
#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::Coro;
using asim::EventLoop;
using asim::testing::ManualLoop;

struct Misuse {
  const char* name;           // the test name suffix
  const char* error_class;    // as exception_class_name() prints it
  const char* message;        // a fragment of describe_exception()
  std::exception_ptr (*action)();
};

// Prints a row by its name, so test names carry no addresses.
void PrintTo(const Misuse& misuse, std::ostream* out) { *out << misuse.name; }


void ignore_errors(EventLoop& /*loop*/, const asim::ExceptionContext& /*context*/) {}

template <class F>
std::exception_ptr raised_by(F fn) {
  try {
    fn();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

/// Runs `body` as the main task of a fresh loop; returns what it raised.
std::exception_ptr raised_in_task(Coro<void> (*body)()) {
  ManualLoop loop;
  loop.set_exception_handler(&ignore_errors);
  return raised_by([&] { loop.run_until_complete(body()); });
}

Coro<void> yield_once() { co_await asim::sleep(0); }

const double nan = std::numeric_limits<double>::quiet_NaN();
const double inf = std::numeric_limits<double>::infinity();

const std::vector<Misuse>& matrix() {
  static const std::vector<Misuse> rows = {
      // -- futures --------------------------------------------------------------
      {"ResultOfAPendingFuture", "InvalidStateError", "Result is not",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         return raised_by([&] { (void)f.result(); });
       }},
      {"ExceptionOfAPendingFuture", "InvalidStateError", "Exception is not set",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         return raised_by([&] { (void)f.exception(); });
       }},
      {"ResultOfACancelledFuture", "CancelledError", "CancelledError: why",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         f.cancel("why");
         return raised_by([&] { (void)f.result(); });
       }},
      {"ExceptionOfACancelledFuture", "CancelledError", "CancelledError: why",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         f.cancel("why");
         return raised_by([&] { (void)f.exception(); });
       }},
      {"SetResultOnADoneFuture", "InvalidStateError", "set_result() on a done future",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         f.set_result(1);
         return raised_by([&] { f.set_result(2); });
       }},
      {"SetResultOnACancelledFuture", "InvalidStateError", "set_result() on a done future",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         f.cancel();
         return raised_by([&] { f.set_result(2); });
       }},
      {"SetExceptionOnADoneFuture", "InvalidStateError", "set_exception() on a done future",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<int>();
         f.set_result(1);
         return raised_by([&] { f.set_exception(asim::ValueError("x")); });
       }},
      {"SetExceptionOnACancelledFuture", "InvalidStateError", "set_exception() on a done future",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<void>();
         f.cancel();
         return raised_by([&] { f.set_exception(asim::ValueError("x")); });
       }},
      {"SetResultOnATask", "RuntimeError", "Task does not support set_result",
       [] {
         ManualLoop loop;
         auto t = loop.create_task(yield_once());
         return raised_by([&] { t.set_result(); });
       }},
      {"SetExceptionOnATask", "RuntimeError", "Task does not support set_exception",
       [] {
         ManualLoop loop;
         auto t = loop.create_task(yield_once());
         return raised_by([&] { t.set_exception(asim::ValueError("x")); });
       }},
      {"AwaitingAFutureOfAnotherLoop", "RuntimeError", "attached to a different loop",
       [] {
         ManualLoop other;
         ManualLoop loop;
         loop.set_exception_handler(&ignore_errors);
         auto foreign = other.create_future<int>();
         return raised_by([&] {
           loop.run_until_complete([](asim::Future<int> f) -> Coro<void> { (void)co_await f; }(foreign));
         });
       }},
      {"RunUntilCompleteOfAFutureOfAnotherLoop", "ValueError", "belongs to a different loop",
       [] {
         ManualLoop other;
         ManualLoop loop;
         auto foreign = other.create_future<int>();
         return raised_by([&] { (void)loop.run_until_complete(foreign); });
       }},
      // -- the loop -------------------------------------------------------------
      {"RunUntilCompleteWhileRunning", "RuntimeError", "This event loop is already running",
       [] {
         return raised_in_task([]() -> Coro<void> {
           EventLoop& loop = asim::get_running_loop();
           loop.run_until_complete(loop.create_future<void>());
           co_return;
         });
       }},
      {"RunUntilCompleteOfACoroutineWhileRunning", "RuntimeError", "This event loop is already running",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::get_running_loop().run_until_complete(yield_once());
           co_return;
         });
       }},
      {"RunForeverWhileRunning", "RuntimeError", "This event loop is already running",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::get_running_loop().run_forever();
           co_return;
         });
       }},
      {"RunUntilCompleteWhileAnotherLoopRuns", "RuntimeError",
       "Cannot run the event loop while another loop is running",
       [] {
         return raised_in_task([]() -> Coro<void> {
           ManualLoop inner;
           inner.run_until_complete(yield_once());
           co_return;
         });
       }},
      {"RunUntilCompleteAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.run_until_complete(yield_once()); });
       }},
      {"RunUntilCompleteOfAFutureAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         auto f = loop.create_future<void>();
         loop.close();
         return raised_by([&] { loop.run_until_complete(f); });
       }},
      {"RunForeverAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.run_forever(); });
       }},
      {"CallSoonAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.call_soon([] {}); });
       }},
      {"CallLaterAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.call_later(1.0, [] {}); });
       }},
      {"CallAtAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.call_at(1.0, [] {}); });
       }},
      {"CallSoonThreadsafeAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { loop.call_soon_threadsafe([] {}); });
       }},
      {"CreateTaskAfterClose", "RuntimeError", "Event loop is closed",
       [] {
         ManualLoop loop;
         loop.close();
         return raised_by([&] { (void)loop.create_task(yield_once()); });
       }},
      {"CloseFromInsideACallback", "RuntimeError", "Cannot close a running event loop",
       [] {
         ManualLoop loop;
         std::exception_ptr error;
         loop.call_soon([&] {
           error = raised_by([&] { loop.close(); });
           loop.stop();
         });
         loop.run_forever();
         return error;
       }},
      {"CloseFromInsideATask", "RuntimeError", "Cannot close a running event loop",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::get_running_loop().close();
           co_return;
         });
       }},
      {"GetRunningLoopWithoutALoop", "RuntimeError", "no running event loop",
       [] { return raised_by([] { (void)asim::get_running_loop(); }); }},
      {"CreateTaskWithoutARunningLoop", "RuntimeError", "no running event loop",
       [] { return raised_by([] { (void)asim::create_task(yield_once()); }); }},
      // -- delays: CPython accepts NaN and infinity; asim rejects them (DESIGN.md) --
      {"CallLaterWithANaNDelay", "std::invalid_argument", "delay must be a finite number",
       [] {
         ManualLoop loop;
         return raised_by([&] { loop.call_later(nan, [] {}); });
       }},
      {"CallLaterWithAnInfiniteDelay", "std::invalid_argument", "delay must be a finite number",
       [] {
         ManualLoop loop;
         return raised_by([&] { loop.call_later(inf, [] {}); });
       }},
      {"CallAtWithANaNTime", "std::invalid_argument", "when must be a finite number",
       [] {
         ManualLoop loop;
         return raised_by([&] { loop.call_at(nan, [] {}); });
       }},
      {"CallAtWithAnInfiniteTime", "std::invalid_argument", "when must be a finite number",
       [] {
         ManualLoop loop;
         return raised_by([&] { loop.call_at(-inf, [] {}); });
       }},
      {"SleepWithANaNDelay", "std::invalid_argument", "delay must be a finite number",
       [] {
         return raised_in_task([]() -> Coro<void> { co_await asim::sleep(nan); });
       }},
      {"SleepWithAnInfiniteDelay", "std::invalid_argument", "delay must be a finite number",
       [] {
         return raised_in_task([]() -> Coro<void> { co_await asim::sleep(inf); });
       }},
      // -- tasks ----------------------------------------------------------------
      {"ATaskAwaitingItself", "RuntimeError", "Task cannot await on itself",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Future<void> self(&asim::current_task().task(), nullptr);
           co_await self;
         });
       }},
      {"ACancelCycleThroughGather", "RuntimeError", "Cancel cycle",
       [] {
         // asyncio: t awaits gather(t); t.cancel() recurses until RecursionError.
         return raised_in_task([]() -> Coro<void> {
           auto holder = std::make_shared<asim::Future<std::vector<asim::Void>>>();
           auto t = asim::create_task([](std::shared_ptr<asim::Future<std::vector<asim::Void>>> g) -> Coro<void> {
             co_await asim::sleep(0);
             (void)co_await *g;
           }(holder));
           *holder = asim::gather(std::vector<asim::Future<void>>{t});
           co_await asim::sleep(0);
           co_await asim::sleep(0);
           t.cancel();
         });
       }},
      {"ACancelCycleThroughTwoGathers", "RuntimeError", "Cancel cycle",
       [] {
         // t1 awaits gather(t2), t2 awaits gather(t1): cancelling either cycles.
         return raised_in_task([]() -> Coro<void> {
           using G = asim::Future<std::vector<asim::Void>>;
           auto g1 = std::make_shared<G>();
           auto g2 = std::make_shared<G>();
           auto waits = [](std::shared_ptr<G> g) -> Coro<void> {
             co_await asim::sleep(0);
             (void)co_await *g;
           };
           auto t1 = asim::create_task(waits(g1));
           auto t2 = asim::create_task(waits(g2));
           *g1 = asim::gather(std::vector<asim::Future<void>>{t2});
           *g2 = asim::gather(std::vector<asim::Future<void>>{t1});
           co_await asim::sleep(0);
           co_await asim::sleep(0);
           t1.cancel();
         });
       }},
      {"ACancelCycleEnteredByATaskThatCancelledItself", "RuntimeError", "Cancel cycle",
       [] {
         // The cycle closes in the task's own step: the error is raised at its await.
         return raised_in_task([]() -> Coro<void> {
           auto t = asim::create_task([]() -> Coro<void> {
             asim::AnyTask self = asim::current_task();
             asim::Future<void> me(&self.task(), nullptr);
             auto g = asim::gather(std::vector<asim::Future<void>>{me});
             self.cancel();
             (void)co_await g;
           }());
           co_await t;
         });
       }},
      {"ACancelCycleThroughShieldCancelsTheTask", "CancelledError", "CancelledError",
       [] {
         // shield() does not pass the cancellation on, so there is no cycle.
         return raised_in_task([]() -> Coro<void> {
           auto holder = std::make_shared<asim::Future<void>>();
           auto t = asim::create_task([](std::shared_ptr<asim::Future<void>> s) -> Coro<void> {
             co_await asim::sleep(0);
             co_await *s;
           }(holder));
           *holder = asim::shield(asim::Future<void>(t));
           co_await asim::sleep(0);
           co_await asim::sleep(0);
           t.cancel();
           co_await t;
         });
       }},
      // -- locks ----------------------------------------------------------------
      {"ReleasingAnUnlockedLock", "RuntimeError", "Lock is not acquired.",
       [] {
         asim::Lock lock;
         return raised_by([&] { lock.release(); });
       }},
      {"ReleasingALockTwice", "RuntimeError", "Lock is not acquired.",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Lock lock;
           co_await lock.acquire();
           lock.release();
           lock.release();
         });
       }},
      {"ALockUsedFromAnotherLoop", "RuntimeError", "is bound to a different event loop",
       [] {
         asim::Lock lock;
         {
           // Bind the lock to a first loop: a second task must wait for it there.
           ManualLoop first;
           first.run_until_complete([](asim::Lock& l) -> Coro<void> {
             co_await l.acquire();
             auto waiter = asim::create_task(l.acquire());
             co_await asim::sleep(0);
             waiter.cancel();
             try {
               (void)co_await waiter;
             } catch (const asim::CancelledError&) {
             }
           }(lock));
         }
         return raised_in_task(
             [](asim::Lock* l) {
               static asim::Lock* shared = nullptr;
               shared = l;
               return +[]() -> Coro<void> { (void)co_await shared->acquire(); };
             }(&lock));
       }},
      {"ASemaphoreWithANegativeValue", "ValueError", "Semaphore initial value must be >= 0",
       [] { return raised_by([] { asim::Semaphore s(-1); }); }},
      {"ABoundedSemaphoreWithANegativeValue", "ValueError", "Semaphore initial value must be >= 0",
       [] { return raised_by([] { asim::BoundedSemaphore s(-1); }); }},
      {"ABoundedSemaphoreReleasedTooOften", "ValueError", "BoundedSemaphore released too many times",
       [] {
         asim::BoundedSemaphore s(1);
         return raised_by([&] { s.release(); });
       }},
      {"ConditionWaitWithoutTheLock", "RuntimeError", "cannot wait on un-acquired lock",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Condition c;
           (void)co_await c.wait();
         });
       }},
      {"ConditionWaitForWithoutTheLock", "RuntimeError", "cannot wait on un-acquired lock",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Condition c;
           (void)co_await c.wait_for([] { return false; });
         });
       }},
      {"ConditionNotifyWithoutTheLock", "RuntimeError", "cannot notify on un-acquired lock",
       [] {
         asim::Condition c;
         return raised_by([&] { c.notify(); });
       }},
      {"ConditionNotifyAllWithoutTheLock", "RuntimeError", "cannot notify on un-acquired lock",
       [] {
         asim::Condition c;
         return raised_by([&] { c.notify_all(); });
       }},
      {"ConditionReleaseWithoutTheLock", "RuntimeError", "Lock is not acquired.",
       [] {
         asim::Condition c;
         return raised_by([&] { c.release(); });
       }},
      // -- queues ---------------------------------------------------------------
      {"PutNowaitOnAFullQueue", "QueueFull", "full",
       [] {
         asim::Queue<int> q(1);
         q.put_nowait(1);
         return raised_by([&] { q.put_nowait(2); });
       }},
      {"PutNowaitOnAFullPriorityQueue", "QueueFull", "full",
       [] {
         asim::PriorityQueue<int> q(1);
         q.put_nowait(1);
         return raised_by([&] { q.put_nowait(2); });
       }},
      {"PutNowaitOnAFullLifoQueue", "QueueFull", "full",
       [] {
         asim::LifoQueue<int> q(1);
         q.put_nowait(1);
         return raised_by([&] { q.put_nowait(2); });
       }},
      {"GetNowaitOnAnEmptyQueue", "QueueEmpty", "empty",
       [] {
         asim::Queue<int> q;
         return raised_by([&] { (void)q.get_nowait(); });
       }},
      {"GetNowaitOnAnEmptyPriorityQueue", "QueueEmpty", "empty",
       [] {
         asim::PriorityQueue<int> q;
         return raised_by([&] { (void)q.get_nowait(); });
       }},
      {"GetNowaitOnAnEmptyLifoQueue", "QueueEmpty", "empty",
       [] {
         asim::LifoQueue<int> q;
         return raised_by([&] { (void)q.get_nowait(); });
       }},
      {"TaskDoneCalledTooOften", "ValueError", "task_done() called too many times",
       [] {
         asim::Queue<int> q;
         q.put_nowait(1);
         (void)q.get_nowait();
         q.task_done();
         return raised_by([&] { q.task_done(); });
       }},
      // -- combinators ----------------------------------------------------------
      {"WaitOfAnEmptySet", "ValueError", "Set of Tasks/Futures is empty.",
       [] {
         return raised_in_task([]() -> Coro<void> {
           std::vector<asim::AnyFuture> none;
           (void)co_await asim::wait(none);
         });
       }},
      {"WaitWithAnInvalidReturnWhen", "ValueError", "Invalid return_when value",
       [] {
         return raised_in_task([]() -> Coro<void> {
           std::vector<asim::AnyFuture> futures{asim::get_running_loop().create_future<void>()};
           (void)co_await asim::wait(futures, std::nullopt, static_cast<asim::ReturnWhen>(77));
         });
       }},
      {"WaitOfAnEmptyHandle", "ValueError", "empty future handle",
       [] {
         return raised_in_task([]() -> Coro<void> {
           std::vector<asim::AnyFuture> futures(1);
           (void)co_await asim::wait(futures);
         });
       }},
      {"GatherOfAnEmptyHandle", "ValueError", "empty future handle",
       [] {
         ManualLoop loop;
         return raised_by([] { (void)asim::gather(std::vector<asim::Future<int>>{asim::Future<int>()}); });
       }},
      {"ShieldOfAnEmptyHandle", "ValueError", "empty future handle",
       [] { return raised_by([] { (void)asim::shield(asim::Future<int>()); }); }},
      {"AsCompletedOfAnEmptyHandle", "ValueError", "empty future handle",
       [] {
         ManualLoop loop;
         return raised_by([&] {
           (void)asim::as_completed(std::vector<asim::Future<int>>{loop.create_future<int>(), asim::Future<int>()});
         });
       }},
      {"WaitForOfAnEmptyHandle", "ValueError", "empty future handle",
       [] {
         return raised_in_task([]() -> Coro<void> { (void)co_await asim::wait_for(asim::Future<int>(), 1.0); });
       }},
      // -- timeout and TaskGroup ------------------------------------------------
      {"ATimeoutEnteredTwice", "RuntimeError", "Timeout has already been entered",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Timeout t = asim::timeout(1.0);
           t.enter();
           std::exception_ptr error;
           try {
             t.enter();
           } catch (...) {
             error = std::current_exception();
           }
           t.exit(nullptr);
           if (error) std::rethrow_exception(error);
           co_return;
         });
       }},
      // asyncio: Timeout.__aenter__ calls current_task(), which needs a running loop.
      {"ATimeoutEnteredWithoutALoop", "RuntimeError", "no running event loop",
       [] {
         asim::Timeout t(std::nullopt);
         return raised_by([&] { t.enter(); });
       }},
      {"ATimeoutEnteredOutsideATask", "RuntimeError", "Timeout should be used inside a task",
       [] {
         ManualLoop loop;
         std::exception_ptr error;
         loop.call_soon([&] {
           asim::Timeout t(std::nullopt);
           error = raised_by([&] { t.enter(); });
           loop.stop();
         });
         loop.run_forever();
         return error;
       }},
      {"ATimeoutRescheduledBeforeItIsEntered", "RuntimeError", "Timeout has not been entered",
       [] {
         asim::Timeout t(std::nullopt);
         return raised_by([&] { t.reschedule(1.0); });
       }},
      {"ATimeoutRescheduledAfterItExited", "RuntimeError", "Cannot change state of",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::Timeout t = asim::timeout(1.0);
           t.enter();
           t.exit(nullptr);
           t.reschedule(2.0);
           co_return;
         });
       }},
      {"ATaskGroupCreateTaskBeforeEnter", "RuntimeError", "has not been entered",
       [] {
         ManualLoop loop;
         asim::TaskGroup tg;
         return raised_by([&] { (void)tg.create_task(yield_once()); });
       }},
      {"ATaskGroupEnteredTwice", "RuntimeError", "has already been entered",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::TaskGroup tg;
           tg.enter();
           std::exception_ptr error;
           try {
             tg.enter();
           } catch (...) {
             error = std::current_exception();
           }
           co_await tg.exit(nullptr);
           if (error) std::rethrow_exception(error);
         });
       }},
      {"ATaskGroupEnteredOutsideATask", "RuntimeError", "cannot determine the parent task",
       [] {
         ManualLoop loop;
         std::exception_ptr error;
         loop.call_soon([&] {
           asim::TaskGroup tg;
           error = raised_by([&] { tg.enter(); });
         });
         loop.run_once();
         return error;
       }},
      {"ATaskGroupCreateTaskAfterItFinished", "RuntimeError", "is finished",
       [] {
         return raised_in_task([]() -> Coro<void> {
           asim::TaskGroup tg;
           tg.enter();
           co_await tg.exit(nullptr);
           (void)tg.create_task(yield_once());
         });
       }},
  };
  return rows;
}

class MisuseMatrix : public ::testing::TestWithParam<Misuse> {};

TEST_P(MisuseMatrix, RaisesTheAsyncioErrorClassWithAReadableMessage) {
  const Misuse& row = GetParam();
  const std::exception_ptr error = row.action();
  ASSERT_TRUE(error) << row.name << ": no error was raised";
  EXPECT_EQ(asim::exception_class_name(error), row.error_class) << asim::describe_exception(error);
  EXPECT_NE(asim::describe_exception(error).find(row.message), std::string::npos)
      << asim::describe_exception(error) << "\n  does not contain: " << row.message;
}

INSTANTIATE_TEST_SUITE_P(EveryOperationInEveryWrongState, MisuseMatrix, ::testing::ValuesIn(matrix()),
                         [](const ::testing::TestParamInfo<Misuse>& info) { return std::string(info.param.name); });

TEST(MisuseMatrixTable, CoversAtLeastTheOperationsIssueSevenLists) {
  std::set<std::string> names;
  for (const Misuse& row : matrix()) EXPECT_TRUE(names.insert(row.name).second) << "duplicate row " << row.name;
  EXPECT_GE(names.size(), 60U);
}

TEST(MisuseMatrixTable, TheLoopStaysUsableAfterACancelCycleIsReported) {
  std::vector<std::string> reports;  // outlives the loop, whose teardown reports `t`
  ManualLoop loop;
  loop.set_exception_handler(
      [&](EventLoop&, const asim::ExceptionContext& context) { reports.push_back(context.message); });
  auto holder = std::make_shared<asim::Future<std::vector<asim::Void>>>();
  auto t = loop.create_task([](std::shared_ptr<asim::Future<std::vector<asim::Void>>> g) -> Coro<void> {
    co_await asim::sleep(0);
    (void)co_await *g;
  }(holder));
  loop.run_once();
  *holder = asim::gather(std::vector<asim::Future<void>>{t});
  loop.run_once();
  EXPECT_THROW(t.cancel(), asim::RuntimeError);
  EXPECT_THROW(t.cancel(), asim::RuntimeError);  // the guard was reset: same answer again
  // A Future, so the runner does not cancel `t` (which would report the cycle again).
  loop.run_until_complete(asim::Future<void>(loop.create_task(yield_once())));  // the loop still works
  EXPECT_FALSE(t.done());
  EXPECT_TRUE(reports.empty());
}

}  // namespace
