// SPDX-License-Identifier: MIT
// shield(): the awaiting task is cancelled, the shielded work goes on.
#include <asim/shield.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(Shield, CancellingTheWaiterDoesNotCancelTheInnerTask) {
  // asyncio: waiter cancelled@4 inner=v@6
  expect_trace(run([]() -> asim::Coro<void> {
                 auto inner = asim::create_task(yields(3, 'v'));
                 auto w = asim::create_task(
                     [](asim::Task<char> in) -> asim::Coro<char> { co_return co_await asim::shield(in); }(inner));
                 co_await asim::sleep(0);
                 w.cancel();
                 try {
                   co_await w;
                 } catch (const asim::CancelledError&) {
                   ev("waiter cancelled");
                 }
                 char v = co_await inner;
                 ev(std::string("inner=") + v);
               }),
               "waiter cancelled@4 inner=v@6");
}

TEST(Shield, ADoneFutureIsReturnedItself) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 f.set_result(2);
                 EXPECT_TRUE(asim::shield(f) == f);
                 ev("same");
                 co_return;
               }),
               "same@1");
}

TEST(Shield, InnerCancelledOrFailingPassesThrough) {
  // asyncio: cancelled@3 failed@7
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 asim::Future<int> f = loop.create_future<int>();
                 asim::Future<int> outer = asim::shield(f);
                 f.cancel();
                 try {
                   co_await outer;
                 } catch (const asim::CancelledError&) {
                   ev("cancelled");
                 }
                 asim::Future<int> outer2 = asim::shield(fails(1, "x"));
                 try {
                   co_await outer2;
                 } catch (const asim::ValueError&) {
                   ev("failed");
                 }
               }),
               "cancelled@3 failed@7");
}

TEST(Shield, CancellingTheOuterFutureUnhooksItFromTheInner) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 asim::Future<int> outer = asim::shield(f);
                 outer.cancel();
                 co_await asim::sleep(0);  // outer's done-callback removes inner's
                 f.set_result(1);
                 co_await asim::sleep(0);
                 EXPECT_TRUE(outer.cancelled());
                 ev("ok");
               }),
               "ok@3");
}
