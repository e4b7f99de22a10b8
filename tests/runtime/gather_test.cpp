// SPDX-License-Identifier: MIT
// gather(): results in argument order, return_exceptions, cancellation of the outer
// future and of a child, the variadic form. Expected traces come from CPython 3.11.
#include <asim/gather.hpp>

#include "composition_support.hpp"

using namespace composition_test;

TEST(Gather, ResultsComeInArgumentOrderAndFailuresAsAsyncio) {
  // asyncio: r=['a', 'b', 'c']@6 r=['int', 'ValueError', 'int']@12 ValueError@16 after@19
  expect_trace(run([]() -> asim::Coro<void> {
                 std::tuple<char, char, char> r = co_await asim::gather(yields(2, 'a'), yields(1, 'b'), yields(0, 'c'));
                 EXPECT_EQ(r, std::make_tuple('a', 'b', 'c'));
                 ev("r=abc");
                 auto r2 = co_await asim::gather(asim::return_exceptions, yields(1, 1), fails(2, "e"), yields(3, 3));
                 EXPECT_EQ(std::get<0>(r2).value(), 1);
                 EXPECT_FALSE(std::get<1>(r2).has_value());
                 EXPECT_EQ(asim::describe_exception(std::get<1>(r2).error()), "ValueError: e");
                 EXPECT_EQ(std::get<2>(r2).value(), 3);
                 ev("r=outcomes");
                 try {
                   co_await asim::gather(yields(1, 1), fails(1, "e"), yields(3, 3));
                 } catch (const asim::ValueError&) {
                   ev("ValueError");
                 }
                 co_await asim::sleep(0);
                 co_await asim::sleep(0);
                 co_await asim::sleep(0);
                 ev("after");
               }),
               "r=abc@6 r=outcomes@12 ValueError@16 after@19");
}

TEST(Gather, CancellingTheOuterFutureCancelsTheChildrenAndEndsWithCancelledError) {
  // asyncio: cancel=True@2 gather cancelled cancelled()=False@5
  expect_trace(run([]() -> asim::Coro<void> {
                 auto g = asim::gather(yields(2, 'a'), []() -> asim::Coro<void> { co_await asim::sleep(5); }());
                 co_await asim::sleep(0);
                 ev(std::string("cancel=") + (g.cancel() ? "True" : "False"));
                 try {
                   co_await g;
                 } catch (const asim::CancelledError&) {
                   // Finished with a CancelledError *exception*, not cancelled (asyncio too).
                   ev(std::string("gather cancelled cancelled()=") + (g.cancelled() ? "True" : "False"));
                 }
                 EXPECT_FALSE(g.cancel());
               }),
               "cancel=True@2 gather cancelled cancelled()=False@5");
}

TEST(Gather, AChildCancelledOnItsOwnRaisesCancelledErrorOrIsReported) {
  // asyncio: child cancelled g.cancelled()=False@5 r=["'a'", "CancelledError('')"]@10
  expect_trace(run([]() -> asim::Coro<void> {
                 auto b = asim::create_task([]() -> asim::Coro<void> { co_await asim::sleep(5); }());
                 auto g = asim::gather(yields(2, 'a'), b);
                 co_await asim::sleep(0);
                 b.cancel();
                 try {
                   co_await g;
                 } catch (const asim::CancelledError&) {
                   ev(std::string("child cancelled g.cancelled()=") + (g.cancelled() ? "True" : "False"));
                 }
                 auto b2 = asim::create_task([]() -> asim::Coro<void> { co_await asim::sleep(5); }());
                 auto g2 = asim::gather(asim::return_exceptions, yields(2, 'a'), b2);
                 co_await asim::sleep(0);
                 b2.cancel("m");
                 auto r = co_await g2;
                 EXPECT_EQ(std::get<0>(r).value(), 'a');
                 // A task loses the cancel message when its coroutine raises (3.11).
                 EXPECT_EQ(asim::describe_exception(std::get<1>(r).error()), "CancelledError");
                 ev("r=reported");
               }),
               "child cancelled g.cancelled()=False@5 r=reported@10");
}

TEST(Gather, RangeFormKeepsOrderAndDuplicatesAndVoidBecomesVoid) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 asim::Future<int> f = loop.create_future<int>();
                 asim::Future<int> g = loop.create_future<int>();
                 loop.call_soon([g]() mutable { g.set_result(2); });
                 loop.call_soon([f]() mutable { f.set_result(1); });
                 std::vector<int> r = co_await asim::gather(vec<asim::Future<int>>(f, g, f));
                 EXPECT_EQ(r, (std::vector<int>{1, 2, 1}));
                 ev("r");
                 auto v = co_await asim::gather(vec<asim::Task<void>>(asim::create_task(yields_void(1))));
                 EXPECT_EQ(v.size(), 1U);
                 auto t = co_await asim::gather(yields_void(0), yields(0, 5));
                 EXPECT_EQ(std::get<0>(t), asim::Void{});
                 EXPECT_EQ(std::get<1>(t), 5);
                 ev("void");
               }),
               "r@4 void@11");
}

TEST(Gather, EmptyGatherIsAlreadyDone) {
  expect_trace(run([]() -> asim::Coro<void> {
                 auto g = asim::gather(std::vector<asim::Future<int>>());
                 EXPECT_TRUE(g.done());
                 EXPECT_TRUE((co_await g).empty());
                 auto e = asim::gather();
                 EXPECT_TRUE(e.done());
                 ev("empty");
               }),
               "empty@1");
}

TEST(Gather, ReturnExceptionsRangeReportsEachChild) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 asim::Future<int> a = loop.create_future<int>();
                 asim::Future<int> b = loop.create_future<int>();
                 asim::Future<int> c = loop.create_future<int>();
                 a.set_result(1);
                 b.set_exception(asim::RuntimeError("boom"));
                 c.cancel("bye");
                 std::vector<asim::Outcome<int>> r = co_await asim::gather(vec<asim::Future<int>>(a, b, c), asim::return_exceptions);
                 EXPECT_EQ(r[0].value(), 1);
                 EXPECT_EQ(asim::describe_exception(r[1].error()), "RuntimeError: boom");
                 EXPECT_EQ(asim::describe_exception(r[2].error()), "CancelledError: bye");
                 ev("r");
               }),
               "r@3");
}

TEST(Gather, DroppingAnUnawaitedGatherLeavesNothingBehind) {
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::Future<int> f = asim::get_running_loop().create_future<int>();
                 { auto g = asim::gather(vec<asim::Future<int>>(f)); }
                 f.set_result(1);
                 co_await asim::sleep(0);
                 ev("ok");
               }),
               "ok@2");
}

TEST(Gather, CancellingTheAwaitingTaskCancelsTheChildren) {
  expect_trace(run([]() -> asim::Coro<void> {
                 auto child = asim::create_task(slow_catch());
                 auto t = asim::create_task(
                     [](asim::Task<void> c) -> asim::Coro<void> { co_await asim::gather(c); }(child));
                 co_await asim::sleep(0);
                 t.cancel();
                 try {
                   co_await t;
                 } catch (const asim::CancelledError&) {
                   ev("t cancelled");
                 }
                 EXPECT_TRUE(child.cancelled());
               }),
               "inner cancelled@3 inner cleanup@4 t cancelled@7");
}

TEST(Gather, ManyChildrenWithDuplicatesAreEachHookedOnce) {
  // A gather over a vector finds repeated futures by marking each child while it is
  // built, not by a search; a repeated future must still be listed again and hooked
  // only once.
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 std::vector<asim::Future<int>> distinct;
                 for (int i = 0; i < 40; ++i) distinct.push_back(loop.create_future<int>());
                 std::vector<asim::Future<int>> args;
                 std::vector<int> expected;
                 for (int i = 0; i < 40; ++i) {
                   args.push_back(distinct[static_cast<std::size_t>(i)]);
                   expected.push_back(i);
                   if (i % 3 == 0) {
                     args.push_back(distinct[static_cast<std::size_t>(i / 2)]);
                     expected.push_back(i / 2);
                   }
                 }
                 for (int i = 0; i < 40; ++i) distinct[static_cast<std::size_t>(i)].set_result(i);
                 std::vector<int> r = co_await asim::gather(std::move(args));
                 EXPECT_EQ(r, expected);
                 EXPECT_EQ(loop.ready_count(), 0U);  // one done-callback per distinct child
                 ev("r");
               }),
               "r@3");
}

TEST(Gather, TheSameChildrenGatheredAgainAreNotTakenForDuplicates) {
  // The marks that find duplicates are cleared once a gather is built: a second
  // gather over the same futures hooks each of them again.
  expect_trace(run([]() -> asim::Coro<void> {
                 asim::EventLoop& loop = asim::get_running_loop();
                 std::vector<asim::Future<int>> children;
                 for (int i = 0; i < 30; ++i) children.push_back(loop.create_future<int>());
                 asim::Future<std::vector<int>> first = asim::gather(children);
                 asim::Future<std::vector<int>> second = asim::gather(children);
                 for (int i = 0; i < 30; ++i) children[static_cast<std::size_t>(i)].set_result(i);
                 std::vector<int> a = co_await first;
                 std::vector<int> b = co_await second;
                 EXPECT_EQ(a.size(), 30U);
                 EXPECT_EQ(a, b);
                 EXPECT_EQ(b.back(), 29);
                 ev("both");
               }),
               "both@3");
}

namespace {
// The text of a done child, as the scenario's collect functions read it.
std::string outcome_text(const asim::AnyFuture& child) {
  if (child.cancelled()) return "CancelledError";
  if (std::exception_ptr error = child.exception()) return asim::exception_class_name(error);
  return "ok";
}
}  // namespace

TEST(Gather, TypeErasedGatherNestsAndCancelsAsAsyncioGather) {
  // asyncio (a gather of a gather, duplicates, return_exceptions, cancel through two
  // levels, set_result on a pending gather):
  // r=[[1, 'x'], 1, [1, 'x']]@7 r2=ValueError,CancelledError,1@11 cancel=True@12
  // inner cancelled@13 inner cleanup@14 h2 cancelled@17 h=False@17 set=7@17
  expect_trace(
      run([]() -> asim::Coro<void> {
        asim::EventLoop& loop = asim::get_running_loop();
        asim::Task<int> a = asim::create_task(yields(2, 1));
        asim::Task<std::string> b = asim::create_task(yields(1, std::string("x")));
        auto pair = [a, b](const std::vector<asim::AnyFuture>& children, bool) {
          EXPECT_EQ(children.size(), 2U);
          std::string text = "[";
          text += std::to_string(a.result());
          text += ", '";
          text += b.result();
          text += "']";
          return text;
        };
        asim::Future<std::string> inner =
            asim::gather_any<std::string>(vec<asim::AnyFuture>(asim::Future<int>(a), asim::Future<std::string>(b)),
                                          false, pair);
        auto triple = [inner, a](const std::vector<asim::AnyFuture>& children, bool) {
          EXPECT_EQ(children.size(), 3U);  // duplicates are listed again
          return "[" + inner.result() + ", " + std::to_string(a.result()) + ", " + inner.result() + "]";
        };
        asim::Future<std::string> outer = asim::gather_any<std::string>(
            vec<asim::AnyFuture>(inner, asim::Future<int>(a), inner), false, triple);
        ev("r=" + co_await outer);

        asim::Task<int> c = asim::create_task(fails(1, "e"));
        asim::Future<void> d = loop.create_future<void>();
        d.cancel();
        auto outcomes = [](const std::vector<asim::AnyFuture>& children, bool return_exceptions) {
          EXPECT_TRUE(return_exceptions);
          std::string text;
          for (const asim::AnyFuture& child : children) {
            if (!text.empty()) text += ',';
            text += outcome_text(child);
          }
          return text;
        };
        asim::Future<std::string> g = asim::gather_any<std::string>(
            vec<asim::AnyFuture>(asim::Future<int>(c), d, asim::Future<int>(a)), true, outcomes);
        ev("r2=" + co_await g);

        asim::Task<void> e = asim::create_task(slow_catch());
        auto none = [](const std::vector<asim::AnyFuture>&, bool) { return 0; };
        asim::Future<int> h = asim::gather_any<int>(vec<asim::AnyFuture>(asim::Future<void>(e)), false, none);
        asim::Future<int> h2 = asim::gather_any<int>(vec<asim::AnyFuture>(h), false, none);
        co_await asim::sleep(0);
        ev(std::string("cancel=") + (h2.cancel() ? "True" : "False"));
        try {
          co_await h2;
        } catch (const asim::CancelledError&) {
          ev("h2 cancelled");
        }
        ev(std::string("h=") + (h.cancelled() ? "True" : "False"));

        asim::Future<int> pending = loop.create_future<int>();
        asim::Future<int> s = asim::gather_any<int>(vec<asim::AnyFuture>(pending), false, none);
        s.set_result(7);
        ev("set=" + std::to_string(co_await s));
      }),
      "r=[[1, 'x'], 1, [1, 'x']]@7 r2=ValueError,CancelledError,ok@11 cancel=True@12 inner cancelled@13 "
      "inner cleanup@14 h2 cancelled@17 h=False@17 set=7@17");
}

TEST(Gather, TypeErasedGatherOfNothingIsDoneWithTheCollectedValue) {
  expect_trace(run([]() -> asim::Coro<void> {
                 auto count = [](const std::vector<asim::AnyFuture>& children, bool) { return children.size(); };
                 asim::Future<std::size_t> g = asim::gather_any<std::size_t>(std::vector<asim::AnyFuture>(), false, count);
                 EXPECT_TRUE(g.done());
                 ev("n=" + std::to_string(co_await g));
               }),
               "n=0@1");
}
