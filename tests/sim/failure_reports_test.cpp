// SPDX-License-Identifier: MIT
// What a failing simulated run reports (issue 14, section 4): named futures and
// asyncio's public names in deadlock reports, the sub-exceptions of a TaskGroup
// failure, the task and message of a cancelled body, C++ class names demangled.
#include <gtest/gtest.h>
#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace svc {
struct BackendError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace svc

namespace {

using asim::sim::SimLoop;

asim::Coro<void> await_named(asim::Future<int> reply) { (void)co_await reply; }

TEST(SimFailureReports, ADeadlockReportNamesAUserFutureByItsName) {
  SimLoop loop(3);
  asim::Future<int> reply = loop.create_future<int>("reply");
  try {
    loop.run_until_complete(loop.create_task(await_named(reply), "client"));
    FAIL() << "no deadlock reported";
  } catch (const asim::sim::DeadlockError& error) {
    EXPECT_NE(std::string(error.what()).find("Task 'client' awaits Future 'reply'"), std::string::npos) << error.what();
  }
}

TEST(SimFailureReports, ALoopSetToStopOnADeadlockStopsAndSaysSoInsteadOfRaising) {
  SimLoop loop(3);
  loop.set_stop_on_deadlock(true);
  asim::Future<int> reply = loop.create_future<int>("reply");
  asim::Task<void> client = loop.create_task(await_named(reply), "client");
  bool fired = false;
  loop.call_later(1.5, [&fired] { fired = true; });  // the deadlock comes after this timer
  loop.run_forever();  // returns: the deadlock stopped it
  EXPECT_TRUE(loop.deadlocked());
  EXPECT_TRUE(fired);
  EXPECT_FALSE(client.done());
  EXPECT_FALSE(loop.is_running());
  // What the throwing mode would have reported, for the same state.
  EXPECT_NE(std::string(loop.deadlock_error().what()).find("Task 'client' awaits Future 'reply'"), std::string::npos);
}

TEST(SimFailureReports, ALoopNotSetToStopOnADeadlockIsNotMarkedDeadlocked) {
  SimLoop loop(3);
  asim::Future<int> reply = loop.create_future<int>("reply");
  EXPECT_THROW(loop.run_until_complete(loop.create_task(await_named(reply), "client")), asim::sim::DeadlockError);
  EXPECT_FALSE(loop.deadlocked());
}

asim::Coro<void> await_gather(asim::Future<int> a, asim::Future<int> b) {
  std::vector<asim::Future<int>> both{a, b};  // g++ 12 rejects a braced list in a co_await operand
  auto all = asim::gather(std::move(both));
  (void)co_await all;
}

TEST(SimFailureReports, ADeadlockReportCallsAGatherByAsyncioPublicName) {
  SimLoop loop(3);
  asim::Future<int> a = loop.create_future<int>();
  asim::Future<int> b = loop.create_future<int>();
  try {
    loop.run_until_complete(loop.create_task(await_gather(a, b), "collector"));
    FAIL() << "no deadlock reported";
  } catch (const asim::sim::DeadlockError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("Task 'collector' awaits gather"), std::string::npos) << message;
    EXPECT_EQ(message.find("_GatheringFuture"), std::string::npos) << message;
  }
}

asim::Coro<void> backend_fails() {
  co_await asim::sleep(0.5);
  throw svc::BackendError("connection reset");
}

asim::Coro<void> group_of_failures(SimLoop&) {
  asim::TaskGroup group;
  group.enter();
  group.create_task(backend_fails());
  group.create_task([]() -> asim::Coro<void> {
    co_await asim::sleep(0.5);
    throw std::logic_error("bad state");
  }());
  co_await group.exit(nullptr);
}

TEST(SimFailureReports, ASweepOfATaskGroupFailureListsEachSubExceptionByItsCppClass) {
  asim::sim::SweepOptions options;
  options.seeds = 1;
  options.use_environment = false;
  options.quiet = true;
  const asim::sim::SweepResult result =
      asim::sim::run_sweep(options, [](SimLoop& loop) { return group_of_failures(loop); });
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.failure.find("ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)"),
            std::string::npos)
      << result.failure;
  EXPECT_NE(result.failure.find("| svc::BackendError: connection reset"), std::string::npos) << result.failure;
  EXPECT_NE(result.failure.find("| std::logic_error: bad state"), std::string::npos) << result.failure;
}

asim::Coro<void> cancelled_body(SimLoop&) {
  asim::current_task().cancel("deadline passed");
  co_await asim::sleep(1);
}

TEST(SimFailureReports, ASweepOfACancelledBodyNamesTheTaskAndTheMessage) {
  asim::sim::SweepOptions options;
  options.seeds = 1;
  options.use_environment = false;
  options.quiet = true;
  const asim::sim::SweepResult result =
      asim::sim::run_sweep(options, [](SimLoop& loop) { return cancelled_body(loop); });
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.failure, "CancelledError: Task 'Task-1' was cancelled: deadline passed");
}

}  // namespace
