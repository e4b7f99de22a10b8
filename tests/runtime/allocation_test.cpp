// SPDX-License-Identifier: MIT
// Proves the hot paths allocate nothing once warm: this binary replaces the global
// operator new to count allocations inside a measured window.
#include <asim/context.hpp>
#include <asim/detail/frame_allocator.hpp>
#include <asim/detail/kept_block.hpp>
#include <asim/future.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include "support/counting_new.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "support/recording.hpp"

using asim::testing::allocations;
using asim::testing::counting;

namespace {

using asim::testing::ManualLoop;

/// Counts the allocations made between construction and `stop()`.
class AllocationWindow {
 public:
  AllocationWindow() {
    allocations = 0;
    counting = true;
  }
  ~AllocationWindow() { counting = false; }
  std::size_t stop() {
    counting = false;
    return allocations;
  }
};

asim::Coro<int> consume(std::vector<asim::Future<int>>* futures) {
  int sum = 0;
  for (asim::Future<int>& future : *futures) sum += co_await future;
  co_return sum;
}

asim::Coro<void> sleep_forever(std::int64_t* wakeups) {
  while (true) {
    co_await asim::sleep(0.5);
    ++*wakeups;
  }
}

asim::Coro<void> yield_forever(std::int64_t* steps) {
  while (true) {
    co_await asim::sleep(0);
    ++*steps;
  }
}

asim::Coro<std::int64_t> add_one(std::int64_t x) { co_return x + 1; }

asim::Coro<std::int64_t> await_coros(std::int64_t n, std::size_t* counted) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < 10; ++i) sum = co_await add_one(sum);  // warm the cache
  {
    AllocationWindow window;
    for (std::int64_t i = 0; i < n; ++i) sum = co_await add_one(sum);
    *counted = window.stop();
  }
  co_return sum;
}

asim::Coro<std::int64_t> spawn_and_await(std::int64_t n, std::size_t* counted) {
  asim::EventLoop& loop = asim::get_running_loop();
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < 10; ++i) sum = co_await loop.create_task(add_one(sum));  // warm up
  {
    AllocationWindow window;
    for (std::int64_t i = 0; i < n; ++i) sum = co_await loop.create_task(add_one(sum));
    *counted = window.stop();
  }
  co_return sum;
}

void set_to(asim::Future<std::int64_t> future, std::int64_t value) { future.set_result(value); }

// Each round: a new future, a callback that completes it, and an await of it.
asim::Coro<std::int64_t> await_new_futures(std::int64_t n, std::size_t* counted) {
  asim::EventLoop& loop = asim::get_running_loop();
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < 10; ++i) {  // warm up
    asim::Future<std::int64_t> future = loop.create_future<std::int64_t>();
    loop.call_soon(set_to, future, 1);
    sum += co_await future;
  }
  {
    AllocationWindow window;
    for (std::int64_t i = 0; i < n; ++i) {
      asim::Future<std::int64_t> future = loop.create_future<std::int64_t>();
      loop.call_soon(set_to, future, 1);
      sum += co_await future;
    }
    *counted = window.stop();
  }
  co_return sum;
}

}  // namespace

TEST(Allocation, TheCounterSeesAllocations) {
  AllocationWindow window;
  // A direct call: a new-expression whose result is not used may be elided (clang -O2).
  void* p = ::operator new(sizeof(int));
  const std::size_t counted = window.stop();
  ::operator delete(p);
  EXPECT_EQ(counted, 1u);
}

TEST(Allocation, SchedulingAndRunningACallbackAllocatesNothing) {
  ManualLoop loop;
  int runs = 0;
  for (int i = 0; i < 16; ++i) {
    loop.call_soon([&runs] { ++runs; });
    loop.run_once();
  }
  AllocationWindow window;
  for (int i = 0; i < 1000; ++i) {
    loop.call_soon([&runs] { ++runs; });
    loop.run_once();
  }
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(runs, 1016);
}

TEST(Allocation, CallSoonThreadsafeWithASmallCallableAllocatesNothingOnceWarm) {
  // Its two vectors keep their capacity; a callable of one pointer fits std::function.
  ManualLoop loop;
  int runs = 0;
  for (int i = 0; i < 16; ++i) {
    loop.call_soon_threadsafe([&runs] { ++runs; });
    loop.call_soon([&runs] { ++runs; });
    loop.run_once();
  }
  AllocationWindow window;
  for (int i = 0; i < 1000; ++i) {
    loop.call_soon_threadsafe([&runs] { ++runs; });
    loop.call_soon([&runs] { ++runs; });
    loop.run_once();
  }
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(runs, 2032);
}

TEST(Allocation, SchedulingABatchOfCallbacksAllocatesNothingOnceThePoolIsWarm) {
  ManualLoop loop;
  int runs = 0;
  for (int i = 0; i < 64; ++i) loop.call_soon([&runs] { ++runs; });
  loop.run_once();
  AllocationWindow window;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 64; ++i) loop.call_soon([&runs, i] { runs += i >= 0 ? 1 : 0; });
    loop.run_once();
  }
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(runs, 64 * 101);
}

TEST(Allocation, WakingATaskAllocatesNothing) {
  ManualLoop loop;
  constexpr int rounds = 1000;
  constexpr int warm_up = 10;
  std::vector<asim::Future<int>> futures;
  futures.reserve(rounds + 1);
  for (int i = 0; i <= rounds; ++i) futures.push_back(loop.create_future<int>());
  asim::Task<int> task = loop.create_task(consume(&futures));
  loop.run_once();  // the task now waits on futures[0]
  std::size_t counted = 0;
  {
    AllocationWindow window;
    for (int i = 0; i < rounds; ++i) {
      if (i == warm_up) allocations = 0;
      loop.call_soon([future = futures[static_cast<std::size_t>(i)]]() mutable { future.set_result(1); });
      loop.run_once();  // the callback sets the future and schedules the wake-up
      loop.run_once();  // the task steps and waits on the next future
    }
    counted = window.stop();
  }
  EXPECT_EQ(counted, 0u);
  EXPECT_FALSE(task.done());
  futures.back().set_result(1);
  EXPECT_EQ(loop.run_until_complete(task), rounds + 1);
}

TEST(Allocation, FiringATimerAllocatesNothing) {
  ManualLoop loop;
  int fired = 0;
  for (int i = 0; i < 16; ++i) {
    loop.call_later(1.0, [&fired] { ++fired; });
    loop.run_once();
  }
  AllocationWindow window;
  for (int i = 0; i < 1000; ++i) {
    loop.call_later(1.0, [&fired] { ++fired; });
    loop.run_once();
  }
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(fired, 1016);
  EXPECT_EQ(loop.time_ns(), 1016LL * 1'000'000'000);
}

// One short run after another, each on a loop of its own (asim check builds two per
// scenario): the thread keeps the last loop's pool, slab and timer room for the next.
int run_a_short_loop() {
  ManualLoop loop;
  int fired = 0;
  loop.call_soon([&fired] { ++fired; });
  loop.call_later(1.0, [&fired] { ++fired; });
  loop.call_later(2.0, [&fired] { fired += 10; }).cancel();
  loop.run_once();
  loop.run_once();
  return fired;
}

TEST(Allocation, ALoopAfterAnotherOnTheSameThreadTakesBackItsPoolSlabAndTimerRoom) {
  if (!asim::detail::keeps_blocks) GTEST_SKIP() << "freed blocks are not kept in this build (ASan)";
  EXPECT_EQ(run_a_short_loop(), 2);
  AllocationWindow window;
  const int fired = run_a_short_loop();
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(fired, 2);
}

TEST(Allocation, TwoLoopsAliveAtOnceEachGetTheirOwnMemory) {
  EXPECT_EQ(run_a_short_loop(), 2);
  ManualLoop first;
  ManualLoop second;
  int fired = 0;
  first.call_later(1.0, [&fired] { fired += 1; });
  second.call_later(1.0, [&fired] { fired += 100; });
  first.call_soon([&fired] { fired += 10; });
  first.run_once();
  first.run_once();
  EXPECT_EQ(fired, 11);
  EXPECT_EQ(first.timer_count(), 0u);
  EXPECT_EQ(second.timer_count(), 1u);
  second.run_once();
  EXPECT_EQ(fired, 111);
}

TEST(Allocation, CancellingATimerAllocatesNothing) {
  ManualLoop loop;
  int fired = 0;
  for (int i = 0; i < 16; ++i) {
    loop.call_later(2.0, [&fired] { ++fired; }).cancel();
    loop.call_later(1.0, [&fired] { ++fired; });
    loop.run_once();
  }
  AllocationWindow window;
  for (int i = 0; i < 1000; ++i) {
    loop.call_later(2.0, [&fired] { ++fired; }).cancel();
    loop.call_later(1.0, [&fired] { ++fired; });
    loop.run_once();
  }
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(fired, 1016);
}

TEST(Allocation, ASleepLoopInSteadyStateAllocatesNothing) {
  ManualLoop loop;
  std::int64_t wakeups = 0;
  asim::Task<void> task = loop.create_task(sleep_forever(&wakeups));
  for (int i = 0; i < 30; ++i) loop.run_once();
  const std::int64_t before = wakeups;
  AllocationWindow window;
  for (int i = 0; i < 2000; ++i) loop.run_once();
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(wakeups - before, 1000);  // two iterations per sleep: the timer, the wake-up
  task.cancel();
  loop.run_once();
  EXPECT_TRUE(task.cancelled());
}

TEST(Allocation, ASleepZeroLoopAllocatesNothing) {
  ManualLoop loop;
  std::int64_t steps = 0;
  asim::Task<void> task = loop.create_task(yield_forever(&steps));
  for (int i = 0; i < 10; ++i) loop.run_once();
  AllocationWindow window;
  for (int i = 0; i < 1000; ++i) loop.run_once();
  const std::size_t counted = window.stop();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(steps, 1009);
  task.cancel();
  loop.run_once();
  EXPECT_TRUE(task.cancelled());
}

namespace {
// Runs `body(1000, &counted)` (which warms up, then counts its allocations over 1000
// rounds; each round adds 1 to a sum that starts at 10) and expects none counted.
void expect_nothing_allocated_once_warm(asim::Coro<std::int64_t> (*body)(std::int64_t, std::size_t*)) {
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "frames bypass the cache in this build (ASan)";
  ManualLoop loop;
  std::size_t counted = 99;
  EXPECT_EQ(loop.run_until_complete(body(1000, &counted)), 1010);
  EXPECT_EQ(counted, 0u);
}
}  // namespace

TEST(Allocation, AwaitingACoroInALoopAllocatesNothingOnceItsFrameIsCached) {
  expect_nothing_allocated_once_warm(await_coros);
}

// The task objects and their frames are recycled.
TEST(Allocation, CreatingAndAwaitingATaskAllocatesNothingOnceWarm) {
  expect_nothing_allocated_once_warm(spawn_and_await);
}

TEST(Allocation, CreatingAFutureAndAwaitingItAllocatesNothingOnceWarm) {
  expect_nothing_allocated_once_warm(await_new_futures);
}

namespace {
asim::ContextVar<int> request_id("request_id");

asim::Coro<std::int64_t> spawn_in_context(std::int64_t n, std::size_t* counted) {
  request_id.set(42);
  co_return co_await spawn_and_await(n, counted);
}
}  // namespace

TEST(Allocation, WithAContextVariableSetCallbacksCopyTheContextWithoutAllocating) {
  ManualLoop loop;
  int runs = 0;
  asim::Context context;
  context.run([&] {
    request_id.set(7);
    for (int i = 0; i < 16; ++i) {
      loop.call_soon([&runs] { runs += request_id.get(); });
      loop.run_once();
    }
    AllocationWindow window;
    for (int i = 0; i < 1000; ++i) {
      loop.call_soon([&runs] { runs += request_id.get(); });
      loop.run_once();
    }
    EXPECT_EQ(window.stop(), 0u);
  });
  EXPECT_EQ(runs, 7 * 1016);
}

TEST(Allocation, WithAContextVariableSetCreatingTasksCopiesTheContextWithoutAllocating) {
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "frames bypass the cache in this build (ASan)";
  ManualLoop loop;
  std::size_t counted = 1;
  EXPECT_EQ(loop.run_until_complete(spawn_in_context(1000, &counted)), 1010);
  EXPECT_EQ(counted, 0u);
}

TEST(Allocation, SettingAContextVariableAllocatesTheNewMapAndTheValue) {
  asim::Context context;
  context.run([] {
    request_id.set(1);
    AllocationWindow window;
    request_id.set(2);
    EXPECT_EQ(window.stop(), 2u);
  });
}
