// SPDX-License-Identifier: MIT
// Tests of Coro<T>: lazy start, inline awaiting, values, exceptions, misuse.
#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::testing::ManualLoop;

struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  ~Counted() { --live; }
};

/// Counts copies, to prove values move through co_return and co_await.
struct CopyCounter {
  static inline int copies = 0;
  int value = 0;
  explicit CopyCounter(int v) : value(v) {}
  CopyCounter(const CopyCounter& other) : value(other.value) { ++copies; }
  CopyCounter(CopyCounter&& other) noexcept : value(other.value) {}
  CopyCounter& operator=(const CopyCounter&) = delete;
  CopyCounter& operator=(CopyCounter&&) = delete;
};

std::uint64_t iteration() { return asim::get_running_loop().iteration(); }

asim::Coro<int> leaf(int x) { co_return x + 1; }
asim::Coro<int> middle(int x) { co_return co_await leaf(x) * 2; }
asim::Coro<int> top(int x, std::vector<std::uint64_t>* seen) {
  seen->push_back(iteration());
  int value = co_await middle(x);
  seen->push_back(iteration());
  value += co_await middle(value);
  seen->push_back(iteration());
  co_return value;
}

asim::Coro<int> throws_inside(int depth) {
  if (depth == 0) throw std::out_of_range("deep");
  co_return co_await throws_inside(depth - 1);
}

asim::Coro<std::string> catches_from_below() {
  try {
    co_await throws_inside(3);
  } catch (const std::out_of_range& e) {
    co_return std::string("caught ") + e.what();
  }
  co_return "not thrown";
}

asim::Coro<std::unique_ptr<int>> make_unique_value(int x) { co_return std::make_unique<int>(x); }
asim::Coro<int> unwrap_unique(int x) {
  std::unique_ptr<int> p = co_await make_unique_value(x);
  co_return *p;
}

asim::Coro<CopyCounter> make_counter(int x) { co_return CopyCounter(x); }
asim::Coro<int> pass_counter(int x) {
  CopyCounter c = co_await make_counter(x);
  co_return c.value;
}

asim::Coro<std::string> await_twice() {
  asim::Coro<int> once = leaf(1);
  int first = co_await once;
  try {
    co_await once;
  } catch (const asim::RuntimeError& e) {
    co_return std::to_string(first) + " then " + e.what();
  }
  co_return "no error";
}

asim::Coro<std::string> await_empty() {
  asim::Coro<int> empty;
  try {
    co_await std::move(empty);
  } catch (const asim::RuntimeError& e) {
    co_return e.what();
  }
  co_return "no error";
}

asim::Coro<void> set_flag(bool* flag, Counted held) {
  (void)held;
  *flag = true;
  co_return;
}

asim::Coro<void> runs_void(int* counter, bool* flag) {
  co_await set_flag(flag, Counted{});
  ++*counter;
}

asim::Coro<int> sleeps_then_returns(int x) {
  co_await asim::sleep(1.0);
  co_return x;
}
asim::Coro<int> awaits_a_sleeping_coroutine(int x, std::vector<std::uint64_t>* seen) {
  seen->push_back(iteration());
  int value = co_await sleeps_then_returns(x);
  seen->push_back(iteration());
  co_return value;
}

}  // namespace

TEST(Coro, AwaitingACoroutineDoesNotYieldToTheLoop) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  EXPECT_EQ(loop.run_until_complete(top(1, &seen)), 4 + 10);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 1, 1}));
  EXPECT_EQ(loop.iteration(), 2u);  // the task's single step, then the stop callback
}

TEST(Coro, NothingRunsUntilItIsAwaited) {
  ManualLoop loop;
  bool ran = false;
  asim::Coro<void> coro = set_flag(&ran, Counted{});
  EXPECT_TRUE(coro.valid());
  EXPECT_FALSE(ran);
  loop.run_until_complete(std::move(coro));
  EXPECT_TRUE(ran);
}

TEST(Coro, AnUnstartedCoroIsDestroyedWithoutRunning) {
  Counted::live = 0;
  bool ran = false;
  {
    asim::Coro<void> coro = set_flag(&ran, Counted{});
    EXPECT_EQ(Counted::live, 1);  // the parameter lives in the frame
  }
  EXPECT_EQ(Counted::live, 0);
  EXPECT_FALSE(ran);
}

TEST(Coro, MoveAssignmentDestroysThePreviousFrame) {
  Counted::live = 0;
  bool first_ran = false;
  bool second_ran = false;
  asim::Coro<void> coro = set_flag(&first_ran, Counted{});
  coro = set_flag(&second_ran, Counted{});
  EXPECT_EQ(Counted::live, 1);
  asim::Coro<void> moved = std::move(coro);
  EXPECT_FALSE(coro.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
  EXPECT_TRUE(moved.valid());
  ManualLoop loop;
  loop.run_until_complete(std::move(moved));
  EXPECT_FALSE(first_ran);
  EXPECT_TRUE(second_ran);
  EXPECT_EQ(Counted::live, 0);
}

TEST(Coro, ExceptionsPropagateThroughNestedCoroutines) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(catches_from_below()), "caught deep");
  EXPECT_THROW(loop.run_until_complete(throws_inside(5)), std::out_of_range);
}

TEST(Coro, MoveOnlyValuesPassThroughCoReturnAndCoAwait) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(unwrap_unique(6)), 6);
}

TEST(Coro, ValuesAreMovedNeverCopied) {
  ManualLoop loop;
  CopyCounter::copies = 0;
  EXPECT_EQ(loop.run_until_complete(pass_counter(12)), 12);
  EXPECT_EQ(CopyCounter::copies, 0);
}

TEST(Coro, AwaitingACoroTwiceThrowsRuntimeError) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(await_twice()), "2 then cannot reuse already awaited coroutine");
}

TEST(Coro, AwaitingAnEmptyCoroThrowsRuntimeError) {
  ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(await_empty()), "cannot await an empty Coro");
}

TEST(Coro, CreateTaskOfAnEmptyCoroThrowsRuntimeError) {
  ManualLoop loop;
  EXPECT_THROW((void)loop.create_task(asim::Coro<int>()), asim::RuntimeError);
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(Coro, ReleaseGivesUpTheFrame) {
  asim::Coro<int> coro = leaf(1);
  auto handle = coro.release();
  EXPECT_FALSE(coro.valid());
  EXPECT_FALSE(static_cast<bool>(coro));
  ASSERT_TRUE(handle);
  handle.destroy();
}

TEST(Coro, VoidCoroutinesComplete) {
  ManualLoop loop;
  int counter = 0;
  bool flag = false;
  Counted::live = 0;
  loop.run_until_complete(runs_void(&counter, &flag));
  EXPECT_EQ(counter, 1);
  EXPECT_TRUE(flag);
  EXPECT_EQ(Counted::live, 0);
}

TEST(Coro, ANestedCoroutineThatSuspendsResumesItsCallerInTheSameStep) {
  ManualLoop loop;
  std::vector<std::uint64_t> seen;
  EXPECT_EQ(loop.run_until_complete(awaits_a_sleeping_coroutine(3, &seen)), 3);
  // Step in iteration 1, the timer in 2, the wake-up in 3: as a plain sleep in asyncio.
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(loop.iteration(), 4u);
}

TEST(Coro, LambdaCoroutinesWithoutCapturesWork) {
  ManualLoop loop;
  auto doubled = [](int x) -> asim::Coro<int> { co_return x * 2; };
  EXPECT_EQ(loop.run_until_complete(doubled(21)), 42);
}
