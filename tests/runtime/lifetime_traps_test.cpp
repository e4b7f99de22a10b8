// SPDX-License-Identifier: MIT
// asim::run follows asyncio.run: when the main coroutine ends (value, exception or
// cancellation), the tasks it left are cancelled and run to completion before its
// frame is destroyed, so their cleanup finds its locals' storage. One test per trap of
// issue 14 (tests/support/lifetime_traps.hpp), each on asim::run (the real loop) and
// on loop.run_until_complete of a VirtualTimeLoop. Under AddressSanitizer a use of a
// freed frame fails the run; without it, `freed_reads` catches a reused frame.
#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/lifetime_traps.hpp"

namespace {

using lifetime_traps::Record;

TEST(LifetimeTraps, GatherFailureEndsWithTheChildErrorAfterTheSiblingsCleanedUp) {
  Record rec;
  EXPECT_THROW(asim::run(lifetime_traps::gather_failure(&rec)), asim::ValueError);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);

  rec.reset();
  asim::VirtualTimeLoop loop;
  EXPECT_THROW(loop.run_until_complete(lifetime_traps::gather_failure(&rec)), asim::ValueError);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(LifetimeTraps, WaitFirstExceptionThenReturnPassesAndCancelsTheRest) {
  Record rec;
  asim::run(lifetime_traps::wait_first_exception_then_return(&rec));
  EXPECT_EQ(rec.pending_at_return, 2U);
  EXPECT_EQ(rec.cleanups, 2);
  EXPECT_EQ(rec.freed_reads, 0);

  rec.reset();
  asim::VirtualTimeLoop loop;
  loop.run_until_complete(lifetime_traps::wait_first_exception_then_return(&rec));
  EXPECT_EQ(rec.cleanups, 2);
  EXPECT_EQ(rec.freed_reads, 0);
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(LifetimeTraps, TimeoutAroundChildrenPassesAndTheUnawaitedTaskCleansUpAtTheEnd) {
  Record rec;
  asim::run(lifetime_traps::timeout_around_children(&rec));
  EXPECT_TRUE(rec.timed_out);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);

  rec.reset();
  asim::VirtualTimeLoop loop;
  loop.run_until_complete(lifetime_traps::timeout_around_children(&rec));
  EXPECT_TRUE(rec.timed_out);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);
}

TEST(LifetimeTraps, TaskGroupAbortEndsWithExceptionGroupAndTheOutsideTaskCleansUp) {
  Record rec;
  EXPECT_THROW(asim::run(lifetime_traps::task_group_abort(&rec)), asim::ExceptionGroup);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);

  rec.reset();
  asim::VirtualTimeLoop loop;
  EXPECT_THROW(loop.run_until_complete(lifetime_traps::task_group_abort(&rec)), asim::ExceptionGroup);
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);
}

TEST(LifetimeTraps, LeftoverTasksRunTheirDestructorsBeforeTheMainFrameGoes) {
  Record rec;
  asim::run(lifetime_traps::leftover_tasks_with_destructors(&rec));
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);

  rec.reset();
  asim::VirtualTimeLoop loop;
  loop.run_until_complete(lifetime_traps::leftover_tasks_with_destructors(&rec));
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);
}

TEST(LifetimeTraps, CancelledMainEndsWithCancelledErrorAfterTheOthersCleanedUp) {
  Record rec;
  EXPECT_THROW(asim::run(lifetime_traps::main_cancelled(&rec)), asim::CancelledError);
  EXPECT_EQ(rec.cleanups, 2);
  EXPECT_EQ(rec.freed_reads, 0);
}

TEST(LifetimeTraps, TeardownDestroysPendingFramesNewestFirstSoDestructorsFindTheirCreatorsFrame) {
  Record rec;
  std::vector<std::string> reports;
  {
    asim::VirtualTimeLoop loop;
    loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext& context) {
      reports.push_back(context.message);
    });
    asim::Task<void> parent = loop.create_task(lifetime_traps::deadlock_with_leftovers(&rec), "parent");
    loop.run_once();  // the parent creates three tasks and waits forever
    loop.run_once();  // so do they
    EXPECT_EQ(loop.all_tasks().size(), 4U);
    EXPECT_EQ(rec.cleanups, 0);
  }
  EXPECT_EQ(rec.cleanups, 3);
  EXPECT_EQ(rec.freed_reads, 0);
  EXPECT_EQ(reports.size(), 4U);
}

// asyncio.run: the leftover tasks are cancelled in creation order, and an exception
// a cancelled task raises instead of CancelledError goes to the exception handler.
asim::Coro<void> raises_when_cancelled(std::vector<std::string>* log) {
  try {
    co_await asim::sleep(10);
  } catch (const asim::CancelledError&) {
    log->push_back("cleanup raises");
    throw asim::ValueError("cleanup failed");
  }
}
asim::Coro<void> logs_when_cancelled(std::vector<std::string>* log) {
  try {
    co_await asim::sleep(10);
  } catch (const asim::CancelledError&) {
    log->push_back("cleanup logs");
    throw;
  }
}
asim::Coro<int> returns_with_leftovers(std::vector<std::string>* log) {
  asim::create_task(raises_when_cancelled(log));
  asim::create_task(logs_when_cancelled(log));
  co_await asim::sleep(0);
  log->push_back("main returns");
  co_return 7;
}

TEST(LifetimeTraps, RunUntilCompleteReportsAnErrorRaisedByACancelledLeftover) {
  std::vector<std::string> log;
  asim::VirtualTimeLoop loop;
  std::vector<std::string> reports;
  loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext& context) {
    reports.push_back(context.message);
  });
  EXPECT_EQ(loop.run_until_complete(returns_with_leftovers(&log)), 7);
  EXPECT_EQ(log, (std::vector<std::string>{"main returns", "cleanup raises", "cleanup logs"}));
  EXPECT_EQ(reports, (std::vector<std::string>{"unhandled exception during asyncio.run() shutdown"}));
  EXPECT_TRUE(loop.all_tasks().empty());
}

}  // namespace
