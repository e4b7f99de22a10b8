// SPDX-License-Identifier: MIT
// What failure reports say (issue 14, section 4): named futures, asyncio's public
// names, the task a CancelledError ended, the task behind wait_for's inner task.
#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <string>

#include "support/recording.hpp"

namespace {

using asim::Coro;
using asim::testing::ManualLoop;

TEST(FailureReports, AFutureNamedAtCreationOrLaterIsDescribedByItsName) {
  ManualLoop loop;
  asim::Future<int> plain = loop.create_future<int>();
  EXPECT_EQ(plain.base().describe(), "Future");
  asim::Future<int> reply = loop.create_future<int>("reply");
  EXPECT_EQ(reply.get_name(), "reply");
  EXPECT_EQ(reply.base().describe(), "Future 'reply'");
  plain.set_name("ack");
  EXPECT_EQ(asim::AnyFuture(plain).get_name(), "ack");
  EXPECT_EQ(plain.base().describe(), "Future 'ack'");
  // A cancel message and a name live side by side.
  plain.cancel("stop");
  EXPECT_EQ(plain.base().cancel_message(), "stop");
  EXPECT_EQ(plain.get_name(), "ack");
}

TEST(FailureReports, AGatherIsDescribedByAsyncioPublicName) {
  ManualLoop loop;
  asim::Future<int> a = loop.create_future<int>();
  auto g = asim::gather(std::vector<asim::Future<int>>{a});
  EXPECT_EQ(g.base().describe(), "gather");
  g.set_name("replies");
  EXPECT_EQ(g.base().describe(), "gather 'replies'");
  a.set_result(1);
}

Coro<void> wait_forever(asim::Future<void> f) { co_await f; }

Coro<std::string> inner_name_of_wait_for(asim::Future<void> never) {
  asim::Task<void> child = asim::create_task(
      [](asim::Future<void> f) -> Coro<void> { co_await asim::wait_for(wait_forever(f), 5.0); }(never), "client");
  co_await asim::sleep(1);
  std::string names;
  for (const asim::AnyTask& task : asim::all_tasks()) names += task.get_name() + " ";
  child.cancel();
  try {
    co_await child;
  } catch (const asim::CancelledError&) {
  }
  co_return names;
}

TEST(FailureReports, TheInnerTaskOfWaitForIsNamedAfterTheTaskThatCreatedIt) {
  ManualLoop loop;
  asim::Future<void> never = loop.create_future<void>();
  // asyncio numbers it Task-3 all the same: the name still takes a number.
  EXPECT_EQ(loop.run_until_complete(inner_name_of_wait_for(never)), "Task-1 client client.wait_for ");
  asim::Task<int> next = loop.create_task([]() -> Coro<int> { co_return 1; }());
  EXPECT_EQ(next.get_name(), "Task-4");
  loop.run_until_complete(next);
}

Coro<void> cancelled_body() {
  asim::current_task().cancel("shutting down");
  co_await asim::sleep(0);
}

TEST(FailureReports, ACancelledErrorEscapingRunUntilCompleteNamesTheTaskAndTheMessage) {
  ManualLoop loop;
  asim::Task<void> body = loop.create_task(cancelled_body(), "body");
  try {
    loop.run_until_complete(body);
    ADD_FAILURE() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.task(), "Task 'body'");
    EXPECT_EQ(e.message(), "shutting down");
    EXPECT_EQ(asim::describe_exception(std::current_exception()),
              "CancelledError: Task 'body' was cancelled: shutting down");
  }
}

}  // namespace
