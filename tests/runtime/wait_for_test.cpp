// SPDX-License-Identifier: MIT
// wait_for(): results, timeouts (including <= 0), cancellation of the waiter, and the
// 3.11 quirks. Expected traces come from CPython 3.11.
#include <asim/wait_for.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(WaitFor, ReturnsTheResultAndAZeroTimeoutCancelsAtOnce) {
  // asyncio: r=7@6 timeout0@9 done0=3@9
  expect_trace(run([]() -> asim::Coro<void> {
                 int r = co_await asim::wait_for(yields(2, 7), 5.0);
                 ev("r=" + std::to_string(r));
                 try {
                   co_await asim::wait_for(yields(50, 0), 0.0);
                 } catch (const asim::TimeoutError&) {
                   ev("timeout0");
                 }
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 f.set_result(3);
                 r = co_await asim::wait_for(f, 0.0);
                 ev("done0=" + std::to_string(r));
               }),
               "r=7@6 timeout0@9 done0=3@9");
}

TEST(WaitFor, TheOutcomeFormGivesBackWhatWaitForRaisesOrReturns) {
  // The same steps as the public call (the trace of the test below), the TimeoutError
  // as a value: what the scenario interpreter awaits.
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Outcome<void> late = co_await asim::detail::wait_for_outcome(
                     asim::Future<void>(asim::create_task(slow_catch())), 0.5);
                 EXPECT_FALSE(late.has_value());
                 EXPECT_THROW(late.rethrow(), asim::TimeoutError);
                 ev("TimeoutError");
                 asim::Outcome<int> ready = co_await asim::detail::wait_for_outcome(
                     asim::Future<int>(asim::create_task(yields(2, 7))), 5.0);
                 EXPECT_TRUE(ready.has_value());
                 EXPECT_EQ(ready.value(), 7);
               }),
               "inner cancelled@5 inner cleanup@6 TimeoutError@8");
}

TEST(WaitFor, OnExpiryCancelsWaitsForTheCleanupThenRaisesTimeoutError) {
  // asyncio: inner cancelled@5 inner cleanup@6 TimeoutError@8
  expect_trace(run([]() -> asim::Coro<void> {
                 try {
                   co_await asim::wait_for(slow_catch(), 0.5);
                 } catch (const asim::TimeoutError&) {
                   ev("TimeoutError");
                 }
                 EXPECT_DOUBLE_EQ(asim::get_running_loop().time(), 0.5);
               }),
               "inner cancelled@5 inner cleanup@6 TimeoutError@8");
}

TEST(WaitFor, CancellingTheWaiterCancelsTheInnerTaskAndWaitsForIt) {
  // asyncio: cancel@3 inner cancelled@5 inner cleanup@6 outer cancelled@9
  expect_trace(run([]() -> asim::Coro<void> {
                 auto t = asim::create_task(asim::wait_for(slow_catch(), 5.0));
                 co_await asim::sleep(0);
                 co_await asim::sleep(0);
                 t.cancel();
                 ev("cancel");
                 try {
                   co_await t;
                 } catch (const asim::CancelledError&) {
                   ev("outer cancelled");
                 }
               }),
               "cancel@3 inner cancelled@5 inner cleanup@6 outer cancelled@9");
}

TEST(WaitFor, AnInnerTaskThatSwallowsTheCancellationGivesItsResult) {
  // asyncio: ignored@5 r=5@7
  expect_trace(run([]() -> asim::Coro<void> {
                 int r = co_await asim::wait_for(
                     []() -> asim::Coro<int> {
                       try {
                         co_await asim::sleep(10);
                       } catch (const asim::CancelledError&) {
                         ev("ignored");
                       }
                       co_return 5;
                     }(),
                     0.5);
                 ev("r=" + std::to_string(r));
               }),
               "ignored@5 r=5@7");
}

TEST(WaitFor, NoTimeoutAwaitsACoroutineInlineWithoutATask) {
  expect_trace(run([]() -> asim::Coro<void> {
                 std::size_t before = asim::get_running_loop().all_tasks().size();
                 int r = co_await asim::wait_for(
                     [](std::size_t n) -> asim::Coro<int> {
                       EXPECT_EQ(asim::get_running_loop().all_tasks().size(), n);
                       co_return 1;
                     }(before),
                     std::nullopt);
                 ev("r=" + std::to_string(r));
               }),
               "r=1@1");
}

TEST(WaitFor, CancelledWhileTheFutureIsAlreadyDoneReturnsItsResult) {
  // 3.11: "if fut.done(): return fut.result()" in the CancelledError branch swallows
  // the cancellation. Same trace in CPython: got=4@4 uncancelled=1@4.
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 asim::Future<int> f = loop.create_future<int>();
                 auto t = asim::create_task(
                     [](asim::Future<int> fut) -> asim::Coro<int> { co_return co_await asim::wait_for(fut, 5.0); }(f));
                 co_await asim::sleep(0);
                 f.set_result(4);  // queues the waiter's release
                 t.cancel();       // cancels the waiter future: the task wakes with CancelledError
                 int r = co_await t;
                 ev("got=" + std::to_string(r));
                 ev("uncancelled=" + std::to_string(t.cancelling()));
               }),
               "got=4@4 uncancelled=1@4");
}

TEST(WaitFor, ExpiryOnAPlainFutureCancelsIt) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 try {
                   co_await asim::wait_for(f, 1.0);
                 } catch (const asim::TimeoutError&) {
                   ev("TimeoutError");
                 }
                 EXPECT_TRUE(f.cancelled());
               }),
               "TimeoutError@5");
}
