// SPDX-License-Identifier: MIT
// Timeout / timeout() / timeout_at(): expiry, uncancel accounting, reschedule, misuse.
#include <asim/timeout.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(Timeout, ExpiryRaisesTimeoutErrorAndAnEarlyDeadlineCancelsInside) {
  // asyncio: enter@1 TimeoutError expired=True@3 ok expired=False@5 cancelled inside@7
  //          swallowed expired=True@7
  expect_trace(run([]() -> asim::Coro<void> {
                 try {
                   co_await asim::timeout(1.0, [](asim::Timeout& cm) -> asim::Coro<void> {
                     EXPECT_EQ(cm.repr(), "<Timeout [active] when=1.000>");
                     ev("enter");
                     co_await asim::sleep(5);
                   });
                 } catch (const asim::TimeoutError&) {
                   ev("TimeoutError");
                 }
                 co_await asim::timeout(1.0, []() -> asim::Coro<void> { co_await asim::sleep(0.5); }());
                 ev("ok");
                 bool expired = co_await asim::timeout(std::nullopt, [](asim::Timeout& cm) -> asim::Coro<bool> {
                   cm.reschedule(asim::get_running_loop().time());
                   try {
                     co_await asim::sleep(1);
                   } catch (const asim::CancelledError&) {
                     ev("cancelled inside");
                   }
                   co_return cm.expired();
                 });
                 EXPECT_TRUE(expired);
                 ev("swallowed");
                 EXPECT_EQ(asim::current_task().cancelling(), 0);
               }),
               "enter@1 TimeoutError@3 ok@5 cancelled inside@7 swallowed@7");
}

TEST(Timeout, AnOuterCancellationIsNotTurnedIntoTimeoutError) {
  // The timer and an outside cancel() both land: uncancel() leaves 1 > 0, so the
  // CancelledError propagates. CPython: cancelled cancelling=1@5
  expect_trace(run([]() -> asim::Coro<void> {
                 auto t = asim::create_task([]() -> asim::Coro<void> {
                   co_await asim::timeout(1.0, []() -> asim::Coro<void> { co_await asim::sleep(5); }());
                 }());
                 asim::get_running_loop().call_later(1.0, [t]() mutable { t.cancel(); });
                 try {
                   co_await t;
                 } catch (const asim::CancelledError&) {
                   ev("cancelled cancelling=" + std::to_string(t.cancelling()));
                 }
               }),
               "cancelled cancelling=1@5");
}

TEST(Timeout, ValueOfTheBodyIsReturnedAndTimeoutAtUsesLoopTime) {
  expect_trace(run([]() -> asim::Coro<void> {
                 int v = co_await asim::timeout_at(asim::get_running_loop().time() + 2, yields(1, 9));
                 ev("v=" + std::to_string(v));
                 try {
                   co_await asim::timeout_at(0.5, []() -> asim::Coro<void> { co_await asim::sleep(1); }());
                 } catch (const asim::TimeoutError&) {
                   ev("timeout");
                 }
               }),
               "v=9@2 timeout@4");
}

TEST(Timeout, MisuseRaisesRuntimeError) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Timeout t = asim::timeout(1.0);
                 EXPECT_THROW(t.reschedule(2.0), asim::RuntimeError);
                 EXPECT_EQ(t.repr(), "<Timeout [created]>");
                 t.enter();
                 EXPECT_THROW(t.enter(), asim::RuntimeError);
                 t.exit(nullptr);
                 EXPECT_EQ(t.repr(), "<Timeout [finished]>");
                 EXPECT_THROW(t.reschedule(2.0), asim::RuntimeError);
                 EXPECT_FALSE(t.expired());
                 ev("ok");
                 co_return;
               }),
               "ok@1");
  asim::Timeout outside(1.0);
  EXPECT_THROW(outside.enter(), asim::RuntimeError);
}

TEST(Timeout, ExitErrorReturnsTheTimeoutErrorThatExitThrows) {
  // The scope's two halves with errors as values, as the scenario interpreter uses
  // them: the expired scope gives its TimeoutError back; one left in time gives nullptr,
  // so the body's own outcome stands.
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Timeout scope = asim::timeout(1.0);
                 scope.enter();
                 asim::Outcome<void> slept = co_await asim::outcome_of(asim::sleep(5));
                 EXPECT_TRUE(slept.cancelled());
                 const std::exception_ptr error = scope.exit_error(slept.error());
                 try {
                   if (error) std::rethrow_exception(error);
                   ev("no error");
                 } catch (const asim::TimeoutError&) {
                   ev("TimeoutError");
                 }
                 EXPECT_EQ(asim::current_task().cancelling(), 0);
                 asim::Timeout in_time = asim::timeout(2.0);
                 in_time.enter();
                 co_await asim::sleep(1);
                 EXPECT_EQ(in_time.exit_error(nullptr), nullptr);
                 ev("in time");
               }),
               // @ is the loop iteration: the timer fires in the 2nd, the task wakes cancelled in the 3rd.
               "TimeoutError@3 in time@5");
}
