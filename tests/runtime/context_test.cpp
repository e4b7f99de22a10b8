// SPDX-License-Identifier: MIT
// Context variables: ContextVar / Token / Context as Python's contextvars
// (CPython's test_context), and asyncio's rules for tasks and callbacks
// (test_asyncio.test_context, test_tasks' context tests). Expected traces come from
// python/context_reference.py.
#include <asim/context.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/recording.hpp"
#include "sync_trace.hpp"

namespace {

using asim::Context;
using asim::ContextVar;
using asim::Coro;
using asim::testing::Events;
using asim::testing::run_traced;
using asim::testing::Trace;

// -- contextvars (test_context) -------------------------------------------------

TEST(ContextVar, GetReturnsTheDefaultOrRaisesLookupError) {
  ContextVar<int> with_default("a", 7);
  ContextVar<int> without("b");
  EXPECT_EQ(with_default.name(), "a");
  EXPECT_EQ(with_default.get(), 7);
  EXPECT_EQ(without.get(3), 3);
  try {
    (void)without.get();
    FAIL() << "no LookupError";
  } catch (const asim::LookupError& error) {
    EXPECT_STREQ(error.what(), "<ContextVar name='b'>");
  }
}

TEST(ContextVar, SetReturnsATokenWithTheOldValueAndResetRestoresIt) {
  Context ctx;
  ctx.run([] {
    ContextVar<std::string> var("v");
    auto first = var.set("one");
    EXPECT_FALSE(first.old_value().has_value());  // Token.MISSING
    EXPECT_EQ(&first.var(), &var);
    auto second = var.set("two");
    EXPECT_EQ(second.old_value(), std::optional<std::string>("one"));
    EXPECT_EQ(var.get(), "two");
    var.reset(second);
    EXPECT_EQ(var.get(), "one");
    var.reset(first);
    EXPECT_EQ(var.get("gone"), "gone");
  });
  EXPECT_EQ(ctx.size(), 0U);
}

TEST(ContextVar, ATokenUsedTwiceRaisesRuntimeError) {
  Context().run([] {
    ContextVar<int> var("v");
    auto token = var.set(1);
    var.reset(token);
    try {
      var.reset(token);
      FAIL() << "no RuntimeError";
    } catch (const asim::RuntimeError& error) {
      EXPECT_STREQ(error.what(), "<Token var=<ContextVar name='v'>> has already been used once");
    }
  });
}

TEST(ContextVar, ATokenOfAnotherVariableRaisesValueError) {
  Context().run([] {
    ContextVar<int> a("a");
    ContextVar<int> b("b");
    auto token = a.set(1);
    try {
      b.reset(token);
      FAIL() << "no ValueError";
    } catch (const asim::ValueError& error) {
      EXPECT_STREQ(error.what(), "<Token var=<ContextVar name='a'>> was created by a different ContextVar");
    }
    EXPECT_EQ(a.get(), 1);
  });
}

TEST(ContextVar, ATokenMadeInAnotherContextRaisesValueError) {
  ContextVar<int> var("v");
  Context ctx;
  std::optional<asim::Token<int>> token;
  ctx.run([&] { token.emplace(var.set(1)); });
  Context().run([&] {
    try {
      var.reset(*token);
      FAIL() << "no ValueError";
    } catch (const asim::ValueError& error) {
      EXPECT_STREQ(error.what(), "<Token var=<ContextVar name='v'>> was created in a different Context");
    }
  });
  ctx.run([&] {
    var.reset(*token);  // its own context accepts it
    EXPECT_FALSE(ctx.contains(var));
  });
}

TEST(Context, RunKeepsWhatTheFunctionSetsInThatContextOnly) {
  ContextVar<int> var("v", 0);
  Context ctx;
  const int inside = ctx.run(
      [&var](int n) {
        var.set(n);
        return var.get();
      },
      5);
  EXPECT_EQ(inside, 5);
  EXPECT_EQ(var.get(), 0);
  EXPECT_EQ(ctx.get(var), std::optional<int>(5));
  EXPECT_TRUE(ctx.contains(var));
  EXPECT_EQ(ctx.size(), 1U);
  EXPECT_EQ(ctx.run([&var] { return var.get(); }), 5);
}

TEST(Context, CopiesAreIndependentAndCopyContextSnapshotsTheCurrentOne) {
  ContextVar<int> var("v", 0);
  Context ctx;
  ctx.run([&] {
    var.set(1);
    Context snapshot = asim::copy_context();
    var.set(2);
    EXPECT_EQ(snapshot.get(var), std::optional<int>(1));
    Context copy = snapshot.copy();
    copy.run([&] { var.set(3); });
    EXPECT_EQ(snapshot.get(var), std::optional<int>(1));
    EXPECT_EQ(copy.get(var), std::optional<int>(3));
    EXPECT_FALSE(copy == snapshot);
    Context same = snapshot;
    EXPECT_TRUE(same == snapshot);
  });
  EXPECT_EQ(ctx.get(var), std::optional<int>(2));
}

TEST(Context, EnteringAContextTwiceRaisesRuntimeError) {
  Context ctx;
  ctx.run([&ctx] {
    try {
      ctx.run([] {});
      FAIL() << "no RuntimeError";
    } catch (const asim::RuntimeError& error) {
      EXPECT_STREQ(error.what(), "cannot enter context: <Context> is already entered");
    }
  });
  ctx.run([] {});  // entered again once left
}

TEST(Context, EachThreadStartsWithItsOwnEmptyContext) {
  ContextVar<int> var("v", 0);
  Context ctx;
  ctx.run([&] {
    var.set(1);
    int other = -1;
    std::thread thread([&var, &other] { other = var.get(); });
    thread.join();
    EXPECT_EQ(other, 0);
  });
}

// -- asyncio's rules ------------------------------------------------------------------

ContextVar<std::string> var("var", "default");

Coro<void> child(Trace& rec, std::string name) {
  rec(name + " starts with " + var.get());
  var.set(name);
  co_await asim::sleep(0);
  rec(name + " still sees " + var.get());
}

void callback(Trace* rec, std::string label) {
  (*rec)("callback " + label + " sees " + var.get());
  var.set("set by callback " + label);
}

Coro<void> tasks_and_callbacks(Trace& rec) {
  asim::EventLoop& loop = asim::get_running_loop();
  rec("main starts with " + var.get());
  auto a = asim::create_task(child(rec, "A"));
  var.set("main-1");
  auto b = asim::create_task(child(rec, "B"));
  loop.call_soon(callback, &rec, std::string("1"));
  loop.call_later(0, callback, &rec, std::string("2"));
  var.set("main-2");
  loop.call_soon(callback, &rec, std::string("3"));
  asim::Future<void> fut = loop.create_future();
  fut.add_done_callback([&rec](const asim::Future<void>&) { rec("done-callback sees " + var.get()); });
  var.set("main-3");
  fut.set_result();
  co_await a;
  co_await b;
  rec("main ends with " + var.get());
}

Coro<void> bump(Trace& rec, std::string name) {
  const std::string value = var.get();
  rec(name + " sees " + value);
  var.set(value + "+" + name);
  co_await asim::sleep(0);
  rec(name + " after sleep sees " + var.get());
}

Coro<void> shared_context(Trace& rec) {
  Context ctx;
  auto a = asim::create_task(bump(rec, "A"), {}, ctx);
  auto b = asim::create_task(bump(rec, "B"), {}, ctx);
  auto c = asim::create_task(bump(rec, "C"));
  co_await asim::gather(a, b, c);
  rec("ctx holds " + *ctx.get(var) + "; main sees " + var.get());
}

Coro<void> shared_context_in_a_task_group(Trace& rec) {
  Context ctx;
  std::vector<std::string> names;
  co_await asim::task_group(
      [](asim::TaskGroup& tg, Trace* rec, Context* ctx, std::vector<std::string>* names) -> Coro<void> {
        names->push_back(tg.create_task(bump(*rec, "A"), {}, *ctx).get_name());
        names->push_back(tg.create_task(bump(*rec, "B"), "b", *ctx).get_name());
        names->push_back(tg.create_task(bump(*rec, "C")).get_name());
        co_return;
      },
      &rec, &ctx, &names);
  rec("ctx holds " + *ctx.get(var) + "; main sees " + var.get() + "; names " + names[0] + " " + names[1] + " " +
      names[2]);
}

void numbered_callback(Trace* rec, int n) {
  (*rec)("cb " + std::to_string(n) + " sees " + var.get());
  var.set("cb " + std::to_string(n));
}

Coro<void> callback_context_kept_per_handle(Trace& rec) {
  asim::EventLoop& loop = asim::get_running_loop();
  var.set("outer");
  for (int n = 0; n < 3; ++n) loop.call_soon(numbered_callback, &rec, n);
  co_await asim::sleep(0);
  co_await asim::sleep(0);
  rec("main sees " + var.get());
}

}  // namespace

TEST(ContextInAsyncio, TasksCopyTheContextAtCreationAndCallbacksRunInTheContextTheyWereScheduledIn) {
  EXPECT_EQ(run_traced(tasks_and_callbacks),
            (Events{"1:main starts with default", "2:A starts with default", "2:B starts with main-1",
                    "2:callback 1 sees main-1", "2:callback 3 sees main-2", "2:done-callback sees main-2",
                    "2:callback 2 sees main-1", "3:A still sees A", "3:B still sees B", "4:main ends with main-3"}));
  EXPECT_EQ(var.get(), "default");  // nothing leaked into the thread's context
}

TEST(ContextInAsyncio, TasksCreatedWithOneContextShareIt) {
  EXPECT_EQ(run_traced(shared_context),
            (Events{"2:A sees default", "2:B sees default+A", "2:C sees default", "3:A after sleep sees default+A+B",
                    "3:B after sleep sees default+A+B", "3:C after sleep sees default+C",
                    "5:ctx holds default+A+B; main sees default"}));
}

TEST(ContextInAsyncio, TaskGroupChildrenCreatedWithOneContextShareIt) {
  // CPython 3.11: the same with `async with TaskGroup() as tg` and
  // tg.create_task(bump("A"), context=ctx), (bump("B"), name="b", context=ctx), (bump("C")).
  EXPECT_EQ(run_traced(shared_context_in_a_task_group),
            (Events{"2:A sees default", "2:B sees default+A", "2:C sees default", "3:A after sleep sees default+A+B",
                    "3:B after sleep sees default+A+B", "3:C after sleep sees default+C",
                    "5:ctx holds default+A+B; main sees default; names Task-2 b Task-4"}));
}

TEST(ContextInAsyncio, WhatACallbackSetsStaysInItsOwnCopy) {
  EXPECT_EQ(run_traced(callback_context_kept_per_handle),
            (Events{"2:cb 0 sees outer", "2:cb 1 sees outer", "2:cb 2 sees outer", "3:main sees outer"}));
}

namespace {
void set_in_callback(int* seen) {
  *seen = var.get() == "default" ? 1 : 0;
  var.set("leak?");
}

Coro<std::string> callbacks_without_context() {
  asim::EventLoop& loop = asim::get_running_loop();
  int first = -1;
  int second = -1;
  loop.call_soon(set_in_callback, &first);
  loop.call_soon(set_in_callback, &second);
  co_await asim::sleep(0);
  co_return std::to_string(first) + std::to_string(second) + " " + var.get();
}

Coro<std::string> read_var() {
  co_await asim::sleep(0);
  co_return var.get();
}
}  // namespace

TEST(ContextInAsyncio, CallbacksScheduledWithNoVariableSetEachStartEmpty) {
  asim::testing::ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(callbacks_without_context()), "11 default");
}

TEST(ContextInAsyncio, TheMainTaskCopiesTheThreadsContextAndTheThreadKeepsItsOwn) {
  asim::testing::ManualLoop loop;
  Context outer;
  outer.run([&] {
    var.set("outside the loop");
    EXPECT_EQ(loop.run_until_complete(read_var()), "outside the loop");
    EXPECT_EQ(var.get(), "outside the loop");
  });
}

TEST(ContextInAsyncio, CreateTaskWithAContextRunsTheTaskInIt) {
  asim::testing::ManualLoop loop;
  Context ctx;
  ctx.run([] { var.set("given"); });
  EXPECT_EQ(loop.run_until_complete(loop.create_task(read_var(), "t", ctx)), "given");
}

namespace {
Coro<std::string> to_thread_sees_the_callers_context() {
  var.set("caller");
  co_return co_await asim::to_thread([] {
    const std::string seen = var.get();
    var.set("worker");  // stays in the worker's copy
    return seen;
  });
}
}  // namespace

TEST(ContextInAsyncio, ToThreadRunsTheFunctionInACopyOfTheCallersContext) {
  EXPECT_EQ(asim::run(to_thread_sees_the_callers_context()), "caller");
}

namespace {
Coro<std::string> threadsafe_callback_context(asim::EventLoop& loop) {
  asim::Future<std::string> seen = loop.create_future<std::string>();
  // The future crosses threads by move only: its reference count is the loop's.
  std::thread poster([&loop, done = seen]() mutable {
    Context mine;
    mine.run([&] {
      var.set("poster");
      loop.call_soon_threadsafe([done = std::move(done)]() mutable { done.set_result(var.get()); });
    });
  });
  const std::string value = co_await seen;
  poster.join();
  co_return value;
}
}  // namespace

TEST(ContextInAsyncio, CallSoonThreadsafeRunsTheCallbackInTheCallingThreadsContext) {
  asim::RealLoop loop;
  EXPECT_EQ(loop.run_until_complete(threadsafe_callback_context(loop)), "poster");
}

namespace {
std::optional<asim::Token<std::string>> callback_token;

void make_token_in_callback() { callback_token.emplace(var.set("callback")); }

void reset_in_callback(std::string* error) {
  try {
    var.reset(*callback_token);
  } catch (const asim::ValueError& e) {
    *error = e.what();
  }
}
}  // namespace

TEST(ContextInAsyncio, ATokenMadeInOneCallbackIsRejectedInAnotherAndOutsideTheLoop) {
  asim::testing::ManualLoop loop;
  std::string error;
  loop.call_soon(make_token_in_callback);
  loop.call_soon(reset_in_callback, &error);
  loop.run_once();
  EXPECT_EQ(error, "<Token var=<ContextVar name='var'>> was created in a different Context");
  EXPECT_THROW(var.reset(*callback_token), asim::ValueError);
  EXPECT_EQ(var.get(), "default");
  callback_token.reset();
}

// -- test_tasks' context tests -------------------------------------------------------

namespace {
ContextVar<std::string> cvar("cvar", "nope");

void fut_on_done(const asim::Future<void>&) {
  cvar.set("something else");  // must not pollute the context of the main task
}

void set_done(asim::Future<void> fut) { fut.set_result(); }

Coro<std::vector<std::string>> test_context_2_main() {
  asim::EventLoop& loop = asim::get_running_loop();
  std::vector<std::string> seen{cvar.get()};
  for (int j = 0; j < 2; ++j) {
    asim::Future<void> fut = loop.create_future();
    fut.add_done_callback(fut_on_done);
    cvar.set("yes" + std::to_string(j));
    loop.call_soon(set_done, fut);
    co_await fut;
    seen.push_back(cvar.get());
    for (int i = 0; i < 3; ++i) {
      cvar.set("yes" + std::to_string(i) + "-" + std::to_string(j));
      co_await asim::sleep(0.001);
      seen.push_back(cvar.get());
    }
  }
  co_return seen;
}

ContextVar<int> ivar("cvar");

Coro<void> set_after_yield(int value) {
  co_await asim::sleep(0);
  ivar.set(value);
}

Coro<std::vector<std::optional<int>>> test_context_4_main() {
  std::vector<std::optional<int>> seen;
  Context ctx = asim::copy_context();
  seen.push_back(ctx.get(ivar));
  co_await asim::create_task(set_after_yield(1), {}, ctx);
  seen.push_back(ctx.get(ivar));
  co_await asim::create_task(set_after_yield(2), {}, ctx);
  seen.push_back(ctx.get(ivar));
  co_return seen;
}

Coro<int> hundred_tasks() {
  struct Sub {
    static Coro<void> run(int num) {
      for (int i = 0; i < 10; ++i) {
        ivar.set(num + i);
        co_await asim::sleep(0.001 * (num % 3));
        if (ivar.get() != num + i) throw std::logic_error("a task saw another task's value");
      }
    }
  };
  std::vector<asim::Task<void>> tasks;
  for (int num = 0; num < 100; ++num) tasks.push_back(asim::create_task(Sub::run(num)));
  for (auto& task : tasks) co_await task;
  co_return ivar.get(-1);
}
}  // namespace

TEST(ContextInAsyncio, DoneCallbacksDoNotPolluteTheTasksContext) {  // test_tasks: test_context_2
  asim::testing::ManualLoop loop;
  EXPECT_EQ(
      loop.run_until_complete(test_context_2_main()),
      (std::vector<std::string>{"nope", "yes0", "yes0-0", "yes1-0", "yes2-0", "yes1", "yes0-1", "yes1-1", "yes2-1"}));
}

TEST(ContextInAsyncio, TasksGivenACopiedContextWriteIntoIt) {  // test_tasks: test_context_4
  asim::testing::ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(test_context_4_main()), (std::vector<std::optional<int>>{std::nullopt, 1, 2}));
}

TEST(ContextInAsyncio, AHundredTasksEachKeepTheirOwnValueAcrossSleeps) {  // test_tasks: test_context_3
  asim::testing::ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(hundred_tasks()), -1);
}

namespace {
Coro<std::string> token_across_steps() {
  // Created with no variable set anywhere: its first step runs without entering its
  // context until the set, which must still land in the task's own context.
  auto token = var.set("step 1");
  co_await asim::sleep(0);
  std::string seen = var.get();
  var.reset(token);
  co_await asim::sleep(0);
  co_return seen + ", then " + var.get();
}

Coro<std::string> parent_of_token_task() {
  std::string child = co_await asim::create_task(token_across_steps());
  co_return child + "; parent sees " + var.get();
}
}  // namespace

TEST(ContextInAsyncio, ATasksTokenWorksAcrossItsStepsAndItsSetsStayInTheTask) {
  asim::testing::ManualLoop loop;
  EXPECT_EQ(loop.run_until_complete(parent_of_token_task()), "step 1, then default; parent sees default");
  EXPECT_EQ(var.get(), "default");
}
