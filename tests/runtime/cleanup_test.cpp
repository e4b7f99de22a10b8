// SPDX-License-Identifier: MIT
// outcome_of / finally / on_cancelled: awaiting in cleanup code, which C++ forbids
// inside a catch block (asyncio: `except CancelledError: await cleanup(); raise`,
// `finally: await cleanup()`).
#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Log = std::vector<std::string>;

asim::Coro<int> answer() {
  co_await asim::sleep(1);
  co_return 42;
}
asim::Coro<int> fails() {
  co_await asim::sleep(1);
  throw asim::ValueError("boom");
}
// Cleanup that itself awaits, as the idiom needs.
asim::Coro<void> cleanup(Log* log) {
  log->push_back("cleanup starts");
  co_await asim::sleep(1);
  log->push_back("cleanup done");
}

TEST(OutcomeOf, GivesTheValueOfACoroutine) {
  asim::VirtualTimeLoop loop;
  asim::Outcome<int> outcome = loop.run_until_complete(asim::outcome_of(answer()));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome.value(), 42);
  EXPECT_FALSE(outcome.cancelled());
}

TEST(OutcomeOf, GivesTheExceptionWithoutThrowingAndRethrowRaisesIt) {
  asim::VirtualTimeLoop loop;
  asim::Outcome<int> outcome = loop.run_until_complete(asim::outcome_of(fails()));
  EXPECT_FALSE(outcome.has_value());
  EXPECT_FALSE(outcome.cancelled());
  EXPECT_THROW(outcome.rethrow(), asim::ValueError);
}

TEST(OutcomeOf, WorksOnFuturesTasksAndSleep) {
  asim::VirtualTimeLoop loop;
  const double at = loop.run_until_complete([]() -> asim::Coro<double> {
    asim::Task<int> task = asim::create_task(answer());
    asim::Outcome<int> of_task = co_await asim::outcome_of(task);
    EXPECT_EQ(of_task.value(), 42);
    asim::Future<int> future = asim::get_running_loop().create_future<int>();
    future.set_exception(std::make_exception_ptr(asim::ValueError("f")));
    asim::Outcome<int> of_future = co_await asim::outcome_of(future);
    EXPECT_FALSE(of_future.has_value());
    asim::Outcome<void> of_sleep = co_await asim::outcome_of(asim::sleep(2));
    EXPECT_TRUE(of_sleep.has_value());
    asim::Outcome<std::string> of_value = co_await asim::outcome_of(asim::sleep(1, std::string("v")));
    EXPECT_EQ(of_value.value(), "v");
    co_return asim::get_running_loop().time();
  }());
  EXPECT_EQ(at, 4.0);
}

// asyncio:
//   try: await asyncio.sleep(10)
//   except CancelledError: await cleanup(); raise
asim::Coro<void> cancellable(Log* log) {
  asim::Outcome<void> outcome = co_await asim::outcome_of(asim::sleep(10));
  if (outcome.cancelled()) co_await cleanup(log);
  outcome.rethrow();
  log->push_back("not reached");
}

TEST(OutcomeOf, CatchesTheCancellationSoCleanupCanAwaitThenReRaises) {
  asim::VirtualTimeLoop loop;
  Log log;
  asim::Task<void> task = loop.create_task(cancellable(&log));
  loop.call_later(1, [task]() mutable { task.cancel(); });
  EXPECT_THROW(loop.run_until_complete(asim::Future<void>(task)), asim::CancelledError);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(log, (Log{"cleanup starts", "cleanup done"}));
  EXPECT_EQ(loop.time(), 2.0);
}

TEST(OnCancelled, RunsTheCleanupThenTheTaskEndsCancelled) {
  asim::VirtualTimeLoop loop;
  Log log;
  asim::Task<int> task = loop.create_task(asim::on_cancelled(answer(), cleanup(&log)));
  loop.call_soon([task]() mutable { task.cancel(); });
  EXPECT_THROW(loop.run_until_complete(asim::Future<int>(task)), asim::CancelledError);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(log, (Log{"cleanup starts", "cleanup done"}));
}

TEST(OnCancelled, PassesValuesAndOtherErrorsThroughWithoutTheCleanup) {
  asim::VirtualTimeLoop loop;
  Log log;
  EXPECT_EQ(loop.run_until_complete(asim::on_cancelled(answer(), cleanup(&log))), 42);
  EXPECT_THROW(loop.run_until_complete(asim::on_cancelled(fails(), cleanup(&log))), asim::ValueError);
  EXPECT_TRUE(log.empty());
}

TEST(Finally, RunsTheCleanupAfterAValueAndReturnsIt) {
  asim::VirtualTimeLoop loop;
  Log log;
  EXPECT_EQ(loop.run_until_complete(asim::finally(answer(), cleanup(&log))), 42);
  EXPECT_EQ(log, (Log{"cleanup starts", "cleanup done"}));
  EXPECT_EQ(loop.time(), 2.0);
}

TEST(Finally, RunsTheCleanupAfterAnErrorAndRaisesIt) {
  asim::VirtualTimeLoop loop;
  Log log;
  EXPECT_THROW(loop.run_until_complete(asim::finally(fails(), cleanup(&log))), asim::ValueError);
  EXPECT_EQ(log, (Log{"cleanup starts", "cleanup done"}));
}

TEST(Finally, RunsTheCleanupWhenCancelled) {
  asim::VirtualTimeLoop loop;
  Log log;
  asim::Task<int> task = loop.create_task(asim::finally(answer(), cleanup(&log)));
  loop.call_soon([task]() mutable { task.cancel(); });
  EXPECT_THROW(loop.run_until_complete(asim::Future<int>(task)), asim::CancelledError);
  EXPECT_TRUE(task.cancelled());
  EXPECT_EQ(log, (Log{"cleanup starts", "cleanup done"}));
}

asim::Coro<void> cleanup_fails() {
  co_await asim::sleep(0);
  throw asim::RuntimeError("cleanup failed");
}

TEST(Finally, AnErrorInTheCleanupReplacesTheBodysOutcome) {
  asim::VirtualTimeLoop loop;
  EXPECT_THROW(loop.run_until_complete(asim::finally(fails(), cleanup_fails())), asim::RuntimeError);
}

}  // namespace
