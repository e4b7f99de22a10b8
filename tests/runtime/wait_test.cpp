// SPDX-License-Identifier: MIT
// wait(): return_when modes, timeout, order of the result, misuse and cancellation.
// Expected traces come from CPython 3.11 (iterations counted by wrapping _run_once).
#include <asim/wait.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(Wait, FirstCompletedReturnsInTheIterationAfterTheFirstCompletionAsAsyncio) {
  // asyncio: wait done=1 pending=1@5 b@6
  expect_trace(run([]() -> asim::Coro<void> {
              auto a = asim::create_task(yields(1, 'a'));
              auto b = asim::create_task(yields(3, 'b'));
              asim::WaitResult r = co_await asim::wait(vec<asim::Task<char>>(a, b), std::nullopt,
                                                       asim::FIRST_COMPLETED);
              EXPECT_EQ(r.done.size(), 1U);
              EXPECT_TRUE(r.done[0] == asim::AnyFuture(a));
              ev("wait done=" + std::to_string(r.done.size()) + " pending=" + std::to_string(r.pending.size()));
              co_await b;
              ev("b");
            }),
            "wait done=1 pending=1@5 b@6");
}

TEST(Wait, FirstExceptionStopsAtTheFailureAndAllCompletedWaitsForEveryone) {
  // asyncio: wait done=2 pending=1@6 wait done=3 pending=0@9
  expect_trace(run([]() -> asim::Coro<void> {
              auto a = asim::create_task(yields(1, 1));
              auto b = asim::create_task(fails(2, "x"));
              auto c = asim::create_task(yields(5, 0));
              std::vector<asim::AnyFuture> fs = vec<asim::AnyFuture>(a, b, c);
              asim::WaitResult r = co_await asim::wait(fs, std::nullopt, asim::FIRST_EXCEPTION);
              ev("wait done=" + std::to_string(r.done.size()) + " pending=" + std::to_string(r.pending.size()));
              r = co_await asim::wait(fs);
              ev("wait done=" + std::to_string(r.done.size()) + " pending=" + std::to_string(r.pending.size()));
              EXPECT_TRUE(r.done[0] == fs[0] && r.done[1] == fs[1] && r.done[2] == fs[2]);  // input order
            }),
            "wait done=2 pending=1@6 wait done=3 pending=0@9");
}

TEST(Wait, TimeoutReturnsThePendingFuturesWithoutCancellingThem) {
  // asyncio: wait done=0 pending=1@4 a cancelled@6
  expect_trace(run([]() -> asim::Coro<void> {
              auto a = asim::create_task([]() -> asim::Coro<void> { co_await asim::sleep(10); }());
              asim::WaitResult r = co_await asim::wait(vec<asim::Task<void>>(a), 1.0);
              ev("wait done=" + std::to_string(r.done.size()) + " pending=" + std::to_string(r.pending.size()));
              EXPECT_DOUBLE_EQ(asim::get_running_loop().time(), 1.0);
              EXPECT_FALSE(a.done());
              a.cancel();
              try {
                co_await a;
              } catch (const asim::CancelledError&) {
                ev("a cancelled");
              }
            }),
            "wait done=0 pending=1@4 a cancelled@6");
}

TEST(Wait, EmptyListRaisesValueErrorWhenAwaited) {
  expect_trace(run([]() -> asim::Coro<void> {
              asim::Coro<asim::WaitResult> w = asim::wait(std::vector<asim::AnyFuture>());
              ev("created");
              try {
                co_await std::move(w);
              } catch (const asim::ValueError& e) {
                EXPECT_STREQ(e.what(), "Set of Tasks/Futures is empty.");
                ev("ValueError");
              }
            }),
            "created@1 ValueError@1");
}

TEST(Wait, DuplicatesAreListedOnceAndDoneFuturesReturnAfterOneIteration) {
  expect_trace(run([]() -> asim::Coro<void> {
              asim::Future<int> f = asim::get_running_loop().create_future<int>();
              f.set_result(1);
              asim::WaitResult r = co_await asim::wait(vec<asim::Future<int>>(f, f, f));
              EXPECT_EQ(r.done.size(), 1U);
              EXPECT_TRUE(r.pending.empty());
              ev("done");
            }),
            "done@3");
}

TEST(Wait, CancellingTheWaiterLeavesNoCallbackOrTimerOnTheFutures) {
  expect_trace(run([]() -> asim::Coro<void> {
              asim::Future<int> f = asim::get_running_loop().create_future<int>();
              auto waiter = asim::create_task(
                  [](asim::Future<int> fut) -> asim::Coro<void> {
                    co_await asim::wait(vec<asim::Future<int>>(fut), 5.0);
                  }(f));
              co_await asim::sleep(0);
              EXPECT_EQ(asim::get_running_loop().timer_count(), 1U);
              waiter.cancel();
              try {
                co_await waiter;
              } catch (const asim::CancelledError&) {
                ev("waiter cancelled");
              }
              EXPECT_EQ(asim::get_running_loop().timer_count(), 0U);
              f.set_result(3);  // no callback of wait may still be attached
            }),
            "waiter cancelled@4");
}

TEST(Wait, ACompletionQueuedAfterTheWakeUpIsHarmless) {
  // The timeout releases the waiter; in the same iteration, before the task resumes,
  // the future completes and queues _on_completion behind the task's wake-up.
  expect_trace(run([]() -> asim::Coro<void> {
              asim::EventLoop& loop = asim::get_running_loop();
              asim::Future<int> f = loop.create_future<int>();
              loop.call_later(1.0, [f]() mutable { f.set_result(1); });
              asim::WaitResult r = co_await asim::wait(vec<asim::Future<int>>(f), 1.0);
              EXPECT_EQ(r.done.size(), 1U);  // done by the time the task resumed
              ev("returned");
            }),
            "returned@3");
}
