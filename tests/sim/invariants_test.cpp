// SPDX-License-Identifier: MIT
// Invariants: user invariants and the built-in ones, checked after every callback.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using asim::sim::InvariantViolation;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

asim::Coro<void> count_up(int& counter, int times) {
  for (int i = 0; i < times; ++i) {
    co_await asim::sleep(1.0);
    ++counter;
  }
}

TEST(Invariants, AUserInvariantViolationNamesItTheTimeTheStepAndTheSeed) {
  SimLoop loop(42);
  int counter = 0;
  loop.add_invariant("counter_below_3", [&counter](SimLoop&) { return counter < 3; });
  try {
    loop.run_until_complete(count_up(counter, 10));
    FAIL() << "no violation";
  } catch (const InvariantViolation& violation) {
    const std::string message = violation.what();
    EXPECT_EQ(violation.name(), "counter_below_3");
    EXPECT_EQ(violation.seed(), 42U);
    EXPECT_EQ(violation.virtual_time_ns(), 3000000000);
    EXPECT_EQ(violation.step(), loop.step());
    EXPECT_NE(message.find("invariant 'counter_below_3' violated"), std::string::npos) << message;
    EXPECT_NE(message.find("seed 42"), std::string::npos) << message;
    EXPECT_NE(message.find("virtual time 3.000000000 s"), std::string::npos) << message;
    EXPECT_NE(message.find("step " + std::to_string(loop.step())), std::string::npos) << message;
  }
  EXPECT_EQ(counter, 3);
}

TEST(Invariants, AnInvariantWithoutArgumentsAndOneThatHoldsDoNotStopTheRun) {
  SimLoop loop(1);
  int counter = 0;
  int checks = 0;
  loop.add_invariant("never_negative", [&] {
    ++checks;
    return counter >= 0;
  });
  loop.run_until_complete(count_up(counter, 5));
  EXPECT_EQ(counter, 5);
  EXPECT_EQ(static_cast<std::uint64_t>(checks), loop.step());
}

TEST(Invariants, AnInvariantThatThrowsIsAViolation) {
  SimLoop loop(1);
  int counter = 0;
  loop.add_invariant("throws", [](SimLoop&) -> bool { throw asim::ValueError("bad state"); });
  try {
    loop.run_until_complete(count_up(counter, 1));
    FAIL() << "no violation";
  } catch (const InvariantViolation& violation) {
    EXPECT_EQ(violation.name(), "throws");
    EXPECT_NE(std::string(violation.what()).find("ValueError: bad state"), std::string::npos) << violation.what();
  }
}

// A future whose completion logic is broken: it finishes twice.
class TwiceFuture final : public asim::FutureBase {
 public:
  using FutureBase::FutureBase;
  void complete() noexcept { finish(); }
};

void complete_twice(SimOptions options, bool expect_violation) {
  SimLoop loop(5, options);
  auto* future = new TwiceFuture(loop);
  future->add_ref();
  loop.call_soon([future] {
    future->complete();
    future->complete();
  });
  loop.call_soon([&loop] { loop.stop(); });
  if (expect_violation) {
    try {
      loop.run_forever();
      ADD_FAILURE() << "no violation";
    } catch (const InvariantViolation& violation) {
      EXPECT_EQ(violation.name(), "future_completes_at_most_once");
      EXPECT_NE(std::string(violation.what()).find("Future completed a second time"), std::string::npos);
    }
  } else {
    EXPECT_NO_THROW(loop.run_forever());
  }
  future->release();
}

TEST(Invariants, AFutureCompletingTwiceIsAViolationUnlessSwitchedOff) {
  complete_twice({}, true);
  SimOptions off;
  off.invariants.future_completes_at_most_once = false;
  complete_twice(off, false);
}

TEST(Invariants, ATimerFiringBeforeItsDeadlineIsAViolation) {
  SimLoop loop(6);
  loop.call_soon([&loop] {
    // What the core reports when it fires a timer early.
    asim::detail::CallbackNode* node = loop.make_node([] {});
    node->when_ = loop.time_ns() + 5;
    node->is_timer_ = true;
    loop.instrument()->on_timer_fired(*node);
    node->release();
  });
  try {
    loop.run_until_complete(loop.create_future<void>());
    FAIL() << "no violation";
  } catch (const InvariantViolation& violation) {
    EXPECT_EQ(violation.name(), "no_callback_before_deadline");
    EXPECT_NE(std::string(violation.what()).find("due at 0.000000005 s fired at 0.000000000 s"), std::string::npos)
        << violation.what();
  }
}

asim::Coro<void> nested_step(asim::EventLoop& loop, asim::Task<void>* other) {
  // Reports a step of `other` starting while this task's step runs.
  loop.instrument()->on_task_step_start(other->task());
  co_return;
}

asim::Coro<void> idle() { co_await asim::sleep(10.0); }

TEST(Invariants, ATaskSteppedWhileAnotherRunsIsAViolation) {
  SimLoop loop(7);
  asim::Task<void> other = loop.create_task(idle(), "other");
  try {
    loop.run_until_complete(loop.create_task(nested_step(loop, &other), "first"));
    FAIL() << "no violation";
  } catch (const InvariantViolation& violation) {
    EXPECT_EQ(violation.name(), "one_task_at_a_time");
    EXPECT_NE(std::string(violation.what()).find("task 'other' stepped while task 'first' was running"),
              std::string::npos)
        << violation.what();
  }
}

asim::Coro<void> busy(asim::EventLoop& loop, int workers) {
  std::vector<asim::Task<void>> tasks;
  int counter = 0;
  for (int i = 0; i < workers; ++i) tasks.push_back(loop.create_task(count_up(counter, 20)));
  for (auto& task : tasks) {
    task.cancel();
    co_await asim::sleep(0.5);
  }
}

TEST(Invariants, BuiltInInvariantsHoldForOrdinaryProgramsOnManySeeds) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    SimLoop loop(seed, {.max_lateness = 0.3});
    EXPECT_NO_THROW(loop.run_until_complete(busy(loop, 10))) << seed;
  }
}

// An invariant over a body's locals: README's pattern, added inside the body.
asim::Coro<void> body_with_local_invariant(SimLoop& loop, bool* checked_after_return) {
  int balance = 10;
  loop.add_invariant("balance_never_negative", [&balance] { return balance >= 0; });
  co_await asim::sleep(0.1);
  balance -= 5;
  co_await asim::sleep(0.1);
  *checked_after_return = false;
}

TEST(Invariants, AnInvariantAddedByATaskEndsWithThatTaskSoItNeverSeesItsFreedLocals) {
  SimLoop loop(3);
  bool unused = true;
  auto body = loop.create_task(body_with_local_invariant(loop, &unused), "body");
  // Something else keeps the loop busy after the body is done; under ASan a check of
  // the body's freed `balance` would be a use after free.
  auto other = loop.create_task(
      []() -> asim::Coro<void> {
        for (int i = 0; i < 10; ++i) co_await asim::sleep(0.1);
      }(),
      "other");
  EXPECT_EQ(loop.invariant_count(), 0U);
  loop.run_until_complete(asim::Future<void>(other));
  EXPECT_TRUE(body.done());
  EXPECT_EQ(loop.invariant_count(), 0U);
}

TEST(Invariants, AnInvariantAddedDuringARunEndsWithTheRunAndOneAddedOutsideStays) {
  SimLoop loop(0);
  int value = 0;
  loop.add_invariant("outside", [&value] { return value >= 0; });
  loop.call_soon([&] { loop.add_invariant("inside_a_callback", [&value] { return value < 100; }); });
  loop.run_until_complete([]() -> asim::Coro<void> { co_await asim::sleep(0.5); }());
  EXPECT_EQ(loop.invariant_count(), 1U);
  value = 500;  // would break the removed one
  loop.run_until_complete([]() -> asim::Coro<void> { co_await asim::sleep(0.5); }());
}

TEST(Invariants, TheHandleRemovesAnInvariantEarly) {
  SimLoop loop(0);
  int counter = 0;
  asim::sim::InvariantHandle handle = loop.add_invariant("below_three", [&counter] { return counter < 3; });
  loop.call_later(1.5, [&handle] { handle.remove(); });
  loop.run_until_complete(count_up(counter, 5));
  EXPECT_EQ(counter, 5);
  EXPECT_EQ(loop.invariant_count(), 0U);
  handle.remove();  // twice: nothing
}

TEST(Invariants, AnInvariantStillCatchesAViolationWhileItsTaskRuns) {
  SimLoop loop(0);
  auto body = [](SimLoop& l) -> asim::Coro<void> {
    int stock = 2;
    l.add_invariant("stock_never_negative", [&stock] { return stock >= 0; });
    for (int i = 0; i < 4; ++i) {
      co_await asim::sleep(0.1);
      --stock;
    }
  };
  EXPECT_THROW(loop.run_until_complete(body(loop)), InvariantViolation);
}

}  // namespace
