// SPDX-License-Identifier: MIT
// Loop teardown: destroying a loop with pending tasks destroys their coroutine frames,
// runs none of their code, leaks nothing and reports each task as asyncio does.
//
// Every blocked coroutine holds a Counted object (and so does the coroutine it awaits
// inline), so a frame that is not destroyed shows as a live count; every line after
// an await, every catch handler and every done-callback bumps `user_code_runs`. Run
// under -DASIM_SANITIZE=address,undefined, LeakSanitizer proves nothing else leaks.
#include <asim/asim.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/sim_loop.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::Coro;
using asim::EventLoop;

int live_counted = 0;
int user_code_runs = 0;

struct Counted {
  Counted() noexcept { ++live_counted; }
  Counted(const Counted&) noexcept { ++live_counted; }
  Counted& operator=(const Counted&) = default;
  ~Counted() { --live_counted; }
};

/// The primitives tasks block on. Declared before the loop, so they outlive it (the
/// loop's teardown destroys frames whose awaiters refer to them).
struct Primitives {
  asim::Lock lock;
  asim::Event never_set;
  asim::Event holder_may_release;
  asim::Queue<int> empty_queue;
  asim::Queue<int> full_queue{1};
  asim::Semaphore no_permits{0};
  asim::Condition condition;
  std::optional<asim::Future<int>> never_done;  // a plain future nobody completes
};

/// Awaits `inner` inline, the way user code does, and records any code that runs
/// after the await (a continuation) or in a handler.
Coro<void> watched(Coro<void> inner) {
  Counted frame_object;
  try {
    co_await std::move(inner);
  } catch (...) {
    ++user_code_runs;
    throw;
  }
  ++user_code_runs;
}

Coro<void> sleeps() {
  Counted c;
  co_await asim::sleep(1000);
}
Coro<void> holds_lock(Primitives& p) {
  Counted c;
  co_await p.lock.acquire();
  (void)co_await p.never_set.wait();
}
Coro<void> waits_for_lock(Primitives& p) {
  Counted c;
  (void)co_await p.lock.acquire();
}
Coro<void> gets_from_empty_queue(Primitives& p) {
  Counted c;
  (void)co_await p.empty_queue.get();
}
Coro<void> puts_into_full_queue(Primitives& p) {
  Counted c;
  co_await p.full_queue.put(2);
}
Coro<void> waits_for_event(Primitives& p) {
  Counted c;
  (void)co_await p.never_set.wait();
}
Coro<void> acquires_semaphore(Primitives& p) {
  Counted c;
  (void)co_await p.no_permits.acquire();
}
Coro<void> waits_on_condition(Primitives& p) {
  Counted c;
  co_await p.condition.acquire();
  (void)co_await p.condition.wait();
}
Coro<void> awaits_plain_future(Primitives& p) {
  Counted c;
  (void)co_await *p.never_done;
}
Coro<void> gathers_blocked_children(Primitives& p) {
  Counted c;
  auto a = asim::create_task(watched(waits_for_event(p)));
  auto b = asim::create_task(watched(gets_from_empty_queue(p)));
  (void)co_await asim::gather(a, b);
}
Coro<void> runs_task_group(Primitives& p) {
  Counted c;
  co_await asim::task_group([](asim::TaskGroup& tg, Primitives* prims) -> Coro<void> {
    Counted body;
    tg.create_task(watched(waits_for_event(*prims)));
    tg.create_task(watched(acquires_semaphore(*prims)));
    (void)co_await prims->never_set.wait();
  }, &p);
}
Coro<void> waits_inside_timeout(Primitives& p) {
  Counted c;
  co_await asim::timeout(1000.0, waits_for_event(p));
}
Coro<void> waits_for_with_timeout(Primitives& p) {
  Counted c;
  (void)co_await asim::wait_for(*p.never_done, 1000.0);
}
Coro<void> waits_on_set(Primitives& p) {
  Counted c;
  std::vector<asim::AnyFuture> futures{*p.never_done};
  (void)co_await asim::wait(futures);
}
Coro<void> iterates_as_completed(Primitives& p) {
  Counted c;
  std::vector<asim::Future<int>> futures{*p.never_done};
  std::vector<Coro<int>> next = asim::as_completed(futures);
  (void)co_await std::move(next.front());
}

struct Scenario {
  const char* name;
  bool arms_a_timer;  // a SimLoop would move time to it instead of deadlocking
  Coro<void> (*make)(Primitives&);
};

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"sleep", true, [](Primitives&) { return sleeps(); }},
      {"lock", false, &waits_for_lock},
      {"queue_get", false, &gets_from_empty_queue},
      {"queue_put", false, &puts_into_full_queue},
      {"event", false, &waits_for_event},
      {"semaphore", false, &acquires_semaphore},
      {"condition", false, &waits_on_condition},
      {"plain_future", false, &awaits_plain_future},
      {"gather", false, &gathers_blocked_children},
      {"task_group", false, &runs_task_group},
      {"timeout", true, &waits_inside_timeout},
      {"wait_for", true, &waits_for_with_timeout},
      {"wait", false, &waits_on_set},
      {"as_completed", false, &iterates_as_completed},
  };
  return all;
}

/// Starts every scenario (or those without timers) as a task on `loop`, after a task
/// that takes the lock and a put that fills the queue.
void spawn(EventLoop& loop, Primitives& p, bool only_without_timers) {
  p.never_done = loop.create_future<int>();
  p.full_queue.put_nowait(1);
  auto holder = loop.create_task(watched(holds_lock(p)), "holder");
  holder.add_done_callback([](asim::Future<void>) { ++user_code_runs; });
  for (const Scenario& s : scenarios()) {
    if (only_without_timers && s.arms_a_timer) continue;
    auto task = loop.create_task(watched(s.make(p)), s.name);
    task.add_done_callback([](asim::Future<void>) { ++user_code_runs; });
  }
}

/// Collects the teardown reports.
struct Reports {
  std::vector<std::string> messages;
  std::vector<std::string> tasks;
  void attach(EventLoop& loop) {
    loop.set_exception_handler([this](EventLoop&, const asim::ExceptionContext& context) {
      messages.push_back(context.message);
      tasks.push_back(context.future != nullptr ? context.future->describe() : "-");
    });
  }
};

Coro<void> yields(int n) {
  for (int i = 0; i < n; ++i) co_await asim::sleep(0);
}

void expect_clean_teardown(const Reports& reports, std::size_t pending_before) {
  EXPECT_EQ(live_counted, 0) << "coroutine frames were not destroyed";
  EXPECT_EQ(user_code_runs, 0) << "user code ran during teardown";
  ASSERT_EQ(reports.messages.size(), pending_before);
  for (const std::string& m : reports.messages) EXPECT_EQ(m, "Task was destroyed but it is pending!");
}

class Teardown : public ::testing::Test {
 protected:
  void SetUp() override {
    live_counted = 0;
    user_code_runs = 0;
  }
};

TEST_F(Teardown, AManualLoopDestroysEveryPendingFrameReportsEachTaskAndRunsNoUserCode) {
  Primitives p;
  Reports reports;
  std::size_t pending = 0;
  {
    asim::testing::ManualLoop loop;
    reports.attach(loop);
    spawn(loop, p, false);
    loop.run_until_complete(asim::Future<void>(loop.create_task(yields(5))));  // a Future: leftovers stay pending
    pending = loop.all_tasks().size();
    EXPECT_GT(pending, scenarios().size());  // gather and TaskGroup children too
    EXPECT_GT(live_counted, 0);
    EXPECT_EQ(user_code_runs, 0);
  }
  expect_clean_teardown(reports, pending);
  EXPECT_NE(std::find(reports.tasks.begin(), reports.tasks.end(), "Task 'lock'"), reports.tasks.end());
}

TEST_F(Teardown, ARealLoopDestroysEveryPendingFrameReportsEachTaskAndRunsNoUserCode) {
  Primitives p;
  Reports reports;
  std::size_t pending = 0;
  {
    asim::RealLoop loop;
    reports.attach(loop);
    spawn(loop, p, false);
    loop.run_until_complete(asim::Future<void>(loop.create_task(yields(5))));  // bare yields: no wall-clock wait
    pending = loop.all_tasks().size();
    EXPECT_GT(pending, scenarios().size());
  }
  expect_clean_teardown(reports, pending);
}

TEST_F(Teardown, ASimLoopAfterADeadlockDestroysEveryPendingFrameAndReportsEachTask) {
  Primitives p;
  Reports reports;
  std::size_t pending = 0;
  {
    asim::sim::SimLoop loop(7);
    reports.attach(loop);
    spawn(loop, p, true);
    EXPECT_THROW(loop.run_until_complete(*p.never_done), asim::sim::DeadlockError);
    pending = loop.all_tasks().size();
    EXPECT_GT(pending, 5U);
    EXPECT_EQ(user_code_runs, 0);
  }
  expect_clean_teardown(reports, pending);
}

TEST_F(Teardown, AClosedLoopStillDestroysItsPendingFramesWhenDestroyed) {
  Primitives p;
  Reports reports;
  std::size_t pending = 0;
  {
    asim::testing::ManualLoop loop;
    reports.attach(loop);
    spawn(loop, p, false);
    loop.run_until_complete(asim::Future<void>(loop.create_task(yields(3))));
    loop.close();
    pending = loop.all_tasks().size();
  }
  expect_clean_teardown(reports, pending);
}

TEST_F(Teardown, ATaskThatNeverStartedIsDestroyedWithoutRunningAndReported) {
  Reports reports;
  {
    asim::testing::ManualLoop loop;
    reports.attach(loop);
    auto t = loop.create_task(watched(sleeps()), "unstarted");
    t.add_done_callback([](asim::Future<void>) { ++user_code_runs; });
    EXPECT_EQ(live_counted, 0);  // lazy: the frame exists, its body has not run
  }
  expect_clean_teardown(reports, 1);
  EXPECT_EQ(reports.tasks.front(), "Task 'unstarted'");
}

// asyncio leaves the shield's inner/outer cycle to its garbage collector; asim's
// inner callback holds the outer future weakly, so the pair is freed.
TEST_F(Teardown, AShieldOfAPlainFutureNobodyCompletesIsFreedWhenNoOneHoldsIt) {
  {
    asim::testing::ManualLoop loop;
    loop.set_exception_handler([](EventLoop&, const asim::ExceptionContext&) {});
    {
      auto inner = loop.create_future<Counted>();
      auto outer = asim::shield(inner);
      EXPECT_FALSE(outer.done());
    }
    EXPECT_EQ(loop.callbacks_in_use(), 0U);
  }
}

TEST_F(Teardown, AsCompletedOfAPlainFutureNobodyCompletesIsFreedWhenNoOneHoldsIt) {
  {
    asim::testing::ManualLoop loop;
    {
      auto f = loop.create_future<int>();
      auto coros = asim::as_completed(std::vector<asim::Future<int>>{f});
      EXPECT_EQ(coros.size(), 1U);
    }
    EXPECT_EQ(loop.callbacks_in_use(), 0U);
  }
}

}  // namespace
