// SPDX-License-Identifier: MIT
// as_completed(): results in completion order, the timeout, cancellation of a waiter.
#include <asim/as_completed.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(AsCompleted, YieldsInCompletionOrderAndTimesOutAsAsyncio) {
  // asyncio: got=b@5 got=c@6 got=a@6 got=x@11 timeout@13
  expect_trace(run([]() -> asim::Coro<void> {
                 // Separate statements: the order of function arguments is unspecified.
                 auto a = asim::create_task(yields(3, 'a'));
                 auto b = asim::create_task(yields(1, 'b'));
                 auto c3 = asim::create_task(yields(2, 'c'));
                 std::vector<asim::Task<char>> fs = vec<asim::Task<char>>(a, b, c3);
                 for (asim::Coro<char>& c : asim::as_completed(fs)) ev(std::string("got=") + co_await c);
                 auto sleeper = [](double d, char v) -> asim::Coro<char> { co_return co_await asim::sleep(d, v); };
                 auto x = asim::create_task(sleeper(1, 'x'));
                 auto y = asim::create_task(sleeper(10, 'y'));
                 std::vector<asim::Task<char>> gs = vec<asim::Task<char>>(x, y);
                 try {
                   for (asim::Coro<char>& c : asim::as_completed(gs, 2.0)) ev(std::string("got=") + co_await c);
                 } catch (const asim::TimeoutError&) {
                   ev("timeout");
                 }
                 gs[1].cancel();
               }),
               "got=b@5 got=c@6 got=a@6 got=x@11 timeout@13");
}

TEST(AsCompleted, ExceptionsComeOutOfTheAwaitAndDuplicatesCountOnce) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Task<int> bad = asim::create_task(fails(1, "boom"));
                 std::vector<asim::Coro<int>> cs = asim::as_completed(vec<asim::Task<int>>(bad, bad));
                 EXPECT_EQ(cs.size(), 1U);
                 try {
                   co_await cs[0];
                 } catch (const asim::ValueError&) {
                   ev("boom");
                 }
               }),
               "boom@5");
}

TEST(AsCompleted, CancellingAWaitingCoroutineLeavesTheOthersWorking) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 std::vector<asim::Coro<int>> cs = asim::as_completed(vec<asim::Future<int>>(f));
                 auto waiter = asim::create_task(std::move(cs[0]));
                 co_await asim::sleep(0);
                 waiter.cancel();
                 try {
                   co_await waiter;
                 } catch (const asim::CancelledError&) {
                   ev("cancelled");
                 }
                 f.set_result(1);
                 co_await asim::sleep(0);
               }),
               "cancelled@4");
}
