// SPDX-License-Identifier: MIT
// Tests of <asim/format.hpp>: futures, tasks and handles print as asyncio's reprs do.
#include <asim/format.hpp>
#include <asim/sleep.hpp>
#include <asim/virtual_time_loop.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

asim::Coro<int> wait_then_add(asim::Future<int> future, int extra) {
  const int value = co_await future;
  co_return value + extra;
}

asim::Coro<void> pause(double delay) { co_await asim::sleep(delay); }

asim::Coro<void> fail_after(double delay) {
  co_await asim::sleep(delay);
  throw std::invalid_argument("bad input");
}

TEST(Format, FuturesPrintTheirStateAndResultAsAsyncioReprsDo) {
  asim::VirtualTimeLoop loop;
  asim::Future<int> number = loop.create_future<int>();
  EXPECT_EQ(fmt::format("{}", number), "<Future pending>");
  number.set_result(42);
  EXPECT_EQ(fmt::format("{}", number), "<Future finished result=42>");

  asim::Future<std::string> text = loop.create_future<std::string>();
  text.set_result("hi");
  EXPECT_EQ(fmt::format("{}", text), "<Future finished result='hi'>");

  asim::Future<void> nothing = loop.create_future<void>();
  nothing.set_result();
  EXPECT_EQ(fmt::format("{}", nothing), "<Future finished>");

  asim::Future<int> failed = loop.create_future<int>();
  failed.set_exception(asim::ValueError("no"));
  EXPECT_EQ(fmt::format("{}", failed), "<Future finished exception=ValueError: no>");

  asim::Future<int> cancelled = loop.create_future<int>();
  cancelled.cancel();
  EXPECT_EQ(fmt::format("{}", cancelled), "<Future cancelled>");
  EXPECT_EQ(fmt::format("{}", asim::AnyFuture(cancelled)), "<Future cancelled>");
  EXPECT_EQ(fmt::format("{}", cancelled.base()), "<Future cancelled>");

  EXPECT_EQ(fmt::format("{}", asim::Future<int>()), "<Future empty>");
  // The width and alignment of a string apply to the whole repr.
  EXPECT_EQ(fmt::format("[{:>20}]", number.base()), "[   <Future finished>]");
}

TEST(Format, TasksPrintTheirNameStateResultAndWhatTheyWaitFor) {
  asim::VirtualTimeLoop loop;
  asim::Future<int> input = loop.create_future<int>();
  asim::Task<int> task = loop.create_task(wait_then_add(input, 1), "adder");
  EXPECT_EQ(fmt::format("{}", task), "<Task pending name='adder'>");
  loop.call_later(1.0, [input]() mutable { input.set_result(2); });
  loop.run_until_complete(loop.create_task(pause(0.5)));
  EXPECT_EQ(fmt::format("{}", task), "<Task pending name='adder' wait_for=<Future pending>>");
  EXPECT_EQ(loop.run_until_complete(task), 3);
  EXPECT_EQ(fmt::format("{}", task), "<Task finished name='adder' result=3>");
  EXPECT_EQ(fmt::format("{}", asim::AnyTask(task)), "<Task finished name='adder'>");

  asim::Task<void> failing = loop.create_task(fail_after(0.1), "failing");
  EXPECT_THROW(loop.run_until_complete(failing), std::invalid_argument);
  EXPECT_EQ(fmt::format("{}", failing), "<Task finished name='failing' exception=std::invalid_argument: bad input>");
}

TEST(Format, HandlesSayWhetherTheyAreCancelledAndTimersWhenTheyFire) {
  asim::VirtualTimeLoop loop;
  asim::Handle soon = loop.call_soon([] {});
  EXPECT_EQ(fmt::format("{}", soon), "<Handle>");
  soon.cancel();
  EXPECT_EQ(fmt::format("{}", soon), "<Handle cancelled>");
  asim::TimerHandle later = loop.call_later(1.5, [] {});
  EXPECT_EQ(fmt::format("{}", later), fmt::format("<TimerHandle when={}>", later.when()));
  later.cancel();
  EXPECT_EQ(fmt::format("{}", later), fmt::format("<TimerHandle cancelled when={}>", later.when()));
  EXPECT_EQ(fmt::format("{}", asim::Handle()), "<Handle empty>");
}

}  // namespace
