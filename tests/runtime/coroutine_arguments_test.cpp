// SPDX-License-Identifier: MIT
// Coroutines wherever asyncio takes them: sleep(d) as a coroutine (create_task,
// gather, wait_for, ensure_future, TaskGroup), wait and as_completed over coroutines
// (wrapped in tasks, as asyncio 3.11 does), and asim::futures(...) in place of a
// braced list inside co_await.
#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace {

asim::Coro<int> value_after(double delay, int value) {
  co_await asim::sleep(delay);
  co_return value;
}

TEST(SleepAsCoroutine, CreateTaskOfSleepIsATaskThatEndsAfterTheDelay) {
  asim::VirtualTimeLoop loop;
  const double at = loop.run_until_complete([]() -> asim::Coro<double> {
    asim::Task<void> sleeper = asim::create_task(asim::sleep(3), "sleeper");
    EXPECT_EQ(sleeper.get_name(), "sleeper");
    asim::Task<int> with_value = asim::create_task(asim::sleep(1, 9));
    EXPECT_EQ(co_await with_value, 9);
    co_await sleeper;
    co_return asim::get_running_loop().time();
  }());
  EXPECT_EQ(at, 3.0);
}

TEST(SleepAsCoroutine, LoopCreateTaskAndEnsureFutureTakeASleep) {
  asim::VirtualTimeLoop loop;
  asim::Task<void> task = loop.create_task(asim::sleep(2));
  loop.run_until_complete(asim::Future<void>(task));
  EXPECT_EQ(loop.time(), 2.0);
  const int v = loop.run_until_complete([]() -> asim::Coro<int> {
    asim::Task<int> t = asim::ensure_future(asim::sleep(1, 5));
    co_return co_await t;
  }());
  EXPECT_EQ(v, 5);
}

TEST(SleepAsCoroutine, GatherTakesSleepsBesideCoroutinesAndFutures) {
  asim::VirtualTimeLoop loop;
  const auto result = loop.run_until_complete([]() -> asim::Coro<std::tuple<asim::Void, int, int>> {
    co_return co_await asim::gather(asim::sleep(2), asim::sleep(1, 7), value_after(3, 8));
  }());
  EXPECT_EQ(std::get<1>(result), 7);
  EXPECT_EQ(std::get<2>(result), 8);
  EXPECT_EQ(loop.time(), 3.0);
}

TEST(SleepAsCoroutine, WaitForASleepTimesOutOrFinishes) {
  asim::VirtualTimeLoop loop;
  EXPECT_THROW(loop.run_until_complete(asim::wait_for(asim::sleep(5), 1.0)), asim::TimeoutError);
  EXPECT_EQ(loop.time(), 1.0);
  EXPECT_EQ(loop.run_until_complete(asim::wait_for(asim::sleep(1, 3), 2.0)), 3);
  EXPECT_EQ(loop.time(), 2.0);
  EXPECT_TRUE(loop.all_tasks().empty());
}

asim::Coro<int> group_of_sleeps(asim::TaskGroup& group) {
  group.create_task(asim::sleep(2));
  asim::Task<int> t = group.create_task(asim::sleep(1, 4));
  co_return co_await t;
}

TEST(SleepAsCoroutine, TaskGroupCreateTaskTakesASleep) {
  asim::VirtualTimeLoop loop;
  EXPECT_EQ(loop.run_until_complete(asim::task_group(&group_of_sleeps)), 4);
  EXPECT_EQ(loop.time(), 2.0);
}

asim::Coro<std::size_t> wait_on_coroutines() {
  std::vector<asim::Coro<int>> coros;
  coros.push_back(value_after(1, 1));
  coros.push_back(value_after(5, 2));
  asim::WaitResult result = co_await asim::wait(std::move(coros), 2.0);
  EXPECT_EQ(result.done.size(), 1U);
  EXPECT_EQ(result.pending.size(), 1U);
  // The coroutines became tasks: the pending one is still running and can be awaited.
  co_await asim::wait(result.pending);
  EXPECT_TRUE(result.pending.front().done());
  co_return result.done.size() + result.pending.size();
}

TEST(WaitOverCoroutines, WrapsEachInATaskAndListsThoseTasks) {
  asim::VirtualTimeLoop loop;
  EXPECT_EQ(loop.run_until_complete(wait_on_coroutines()), 2U);
  EXPECT_EQ(loop.time(), 5.0);
}

TEST(WaitOverCoroutines, AnEmptyListRaisesValueError) {
  asim::VirtualTimeLoop loop;
  EXPECT_THROW(loop.run_until_complete(asim::wait(std::vector<asim::Coro<int>>{})), asim::ValueError);
}

asim::Coro<std::vector<int>> as_completed_over_coroutines() {
  std::vector<asim::Coro<int>> coros;
  coros.push_back(value_after(3, 30));
  coros.push_back(value_after(1, 10));
  coros.push_back(value_after(2, 20));
  std::vector<int> order;
  for (asim::Coro<int>& next : asim::as_completed(std::move(coros))) order.push_back(co_await std::move(next));
  co_return order;
}

TEST(AsCompletedOverCoroutines, GivesResultsInCompletionOrder) {
  asim::VirtualTimeLoop loop;
  EXPECT_EQ(loop.run_until_complete(as_completed_over_coroutines()), (std::vector<int>{10, 20, 30}));
}

asim::Coro<std::size_t> wait_on_mixed() {
  asim::Task<int> task = asim::create_task(value_after(1, 1));
  asim::Future<std::string> future = asim::get_running_loop().create_future<std::string>();
  future.set_result("ready");
  // asim::futures(...) instead of a braced list, which g++ 12 rejects inside co_await.
  asim::WaitResult result = co_await asim::wait(asim::futures(task, future, value_after(2, 2), asim::sleep(3)));
  co_return result.done.size();
}

TEST(Futures, BuildsWaitsListFromFuturesTasksCoroutinesAndSleeps) {
  asim::VirtualTimeLoop loop;
  EXPECT_EQ(loop.run_until_complete(wait_on_mixed()), 4U);
  EXPECT_EQ(loop.time(), 3.0);
}

}  // namespace
