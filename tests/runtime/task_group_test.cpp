// SPDX-License-Identifier: MIT
// TaskGroup / task_group(): fail fast, ExceptionGroup, outer cancellation, misuse.
#include <asim/task_group.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(TaskGroup, FirstFailureCancelsSiblingsAndParentThenRaisesExceptionGroup) {
  // asyncio: body sleeping@1 inner cancelled@5 inner cleanup@6
  //          group (ValueError('x'),) unhandled errors in a TaskGroup (1 sub-exception)@8 cancelling=0@8
  expect_trace(run([]() -> asim::Coro<void> {
                 try {
                   co_await asim::task_group([](asim::TaskGroup& tg) -> asim::Coro<void> {
                     tg.create_task(yields(2, 'a'));
                     tg.create_task(fails(1, "x"));
                     tg.create_task(slow_catch());
                     ev("body sleeping");
                     co_await asim::sleep(10);
                   });
                 } catch (const asim::ExceptionGroup& eg) {
                   EXPECT_EQ(eg.exceptions().size(), 1U);
                   ev("group " + asim::describe_exception(eg.exceptions()[0]) + " " + eg.what());
                 }
                 ev("cancelling=" + std::to_string(asim::current_task().cancelling()));
               }),
               "body sleeping@1 inner cancelled@5 inner cleanup@6 group ValueError: x unhandled errors in a TaskGroup "
               "(1 sub-exception)@8 cancelling=0@8");
}

TEST(TaskGroup, WaitsForAllChildrenAndReturnsTheBodyValue) {
  // CPython: r=7@6
  expect_trace(run([]() -> asim::Coro<void> {
                 int sum = 0;
                 int r = co_await asim::task_group(
                     [](asim::TaskGroup& tg, int* sum) -> asim::Coro<int> {
                       tg.create_task([](int* s) -> asim::Coro<void> {
                         co_await asim::sleep(0);
                         *s += 1;
                       }(sum));
                       tg.create_task([](int* s) -> asim::Coro<void> {
                         co_await asim::sleep(0);
                         co_await asim::sleep(0);
                         *s += 2;
                       }(sum));
                       co_return 7;
                     },
                     &sum);
                 EXPECT_EQ(sum, 3);
                 ev("r=" + std::to_string(r));
               }),
               "r=7@6");
}

TEST(TaskGroup, AChildFailingFirstCancelsTheBodyBeforeItsOwnError) {
  // The child fails first, so the body is cancelled before it can raise its own error.
  // CPython: inner cancelled@4 inner cleanup@5 ValueError: c;@7
  expect_trace(run([]() -> asim::Coro<void> {
                 try {
                   co_await asim::task_group([](asim::TaskGroup& tg) -> asim::Coro<void> {
                     tg.create_task(slow_catch());
                     tg.create_task(fails(0, "c"));
                     co_await asim::sleep(0);
                     co_await asim::sleep(0);
                     throw asim::RuntimeError("body");
                   });
                 } catch (const asim::ExceptionGroup& eg) {
                   std::string s;
                   for (const auto& e : eg.exceptions()) s += asim::describe_exception(e) + ";";
                   ev(s);
                 }
               }),
               "inner cancelled@4 inner cleanup@5 ValueError: c;@7");
}

TEST(TaskGroup, OuterCancellationCancelsChildrenAndPropagates) {
  // CPython: inner cancelled@4 inner cleanup@5 t cancelled@8
  expect_trace(run([]() -> asim::Coro<void> {
                 auto t = asim::create_task(asim::task_group([](asim::TaskGroup& tg) -> asim::Coro<void> {
                   tg.create_task(slow_catch());
                   co_await asim::sleep(10);
                 }));
                 co_await asim::sleep(0);
                 t.cancel();
                 try {
                   co_await t;
                 } catch (const asim::CancelledError&) {
                   ev("t cancelled");
                 }
               }),
               "inner cancelled@4 inner cleanup@5 t cancelled@8");
}

TEST(TaskGroup, MisuseRaisesRuntimeError) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::TaskGroup tg;
                 EXPECT_THROW(tg.create_task(yields(0, 1)), asim::RuntimeError);
                 tg.enter();
                 EXPECT_THROW(tg.enter(), asim::RuntimeError);
                 co_await tg.exit(nullptr);
                 EXPECT_THROW(tg.create_task(yields(0, 1)), asim::RuntimeError);
                 ev("ok");
               }),
               "ok@1");
}

TEST(TaskGroup, NamedChildrenUseUpATaskNumberAsAsyncioNamesThemAfterCreating) {
  // CPython 3.11, main being Task-1:
  //   tg.create_task(z(), name="a") -> 'a';  tg.create_task(z()) -> Task-3
  //   tg.create_task(z(), name="")  -> '';   tg.create_task(z()) -> Task-5
  //   asyncio.create_task(z(), name="") -> '';   asyncio.create_task(z()) -> Task-7
  //   loop.create_task(z(), name="")    -> '';   loop.create_task(z())    -> Task-8
  // and the same script, with _run_once counted, logs the names at iteration 5.
  expect_trace(run([]() -> asim::Coro<void> {
                 std::vector<std::string> names;
                 co_await asim::task_group(
                     [](asim::TaskGroup& tg, std::vector<std::string>* out) -> asim::Coro<void> {
                       out->push_back(tg.create_task(yields(0, 1), "a").get_name());
                       out->push_back(tg.create_task(yields(0, 1)).get_name());
                       out->push_back(tg.create_task(yields(0, 1), asim::GivenName{""}).get_name());
                       out->push_back(tg.create_task(yields(0, 1)).get_name());
                       co_return;
                     },
                     &names);
                 asim::Task<int> e = asim::create_task(yields(0, 1), asim::GivenName{""});
                 asim::Task<int> f = asim::create_task(yields(0, 1));
                 asim::EventLoop& loop = asim::get_running_loop();
                 asim::Task<int> g = loop.create_task(yields(0, 1), asim::GivenName{""});
                 asim::Task<int> h = loop.create_task(yields(0, 1));
                 for (const asim::Task<int>& t : {e, f, g, h}) names.push_back(t.get_name());
                 co_await asim::sleep(0);
                 std::string joined;
                 for (const std::string& name : names) joined += "[" + name + "]";
                 ev(joined);
               }),
               "[a][Task-3][][Task-5][][Task-7][][Task-8]@5");
}
