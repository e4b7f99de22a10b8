// SPDX-License-Identifier: MIT
// Tests of Future<T>, Future<void> and AnyFuture: states, results, done-callbacks.
#include <asim/future.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/recording.hpp"

namespace {

using asim::testing::ManualLoop;
using asim::testing::Recorder;

struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  Counted(const Counted&) { ++live; }
  ~Counted() { --live; }
};

asim::Coro<int> await_and_note_iteration(asim::Future<int> future, std::uint64_t* before, std::uint64_t* after) {
  *before = asim::get_running_loop().iteration();
  int value = co_await future;
  *after = asim::get_running_loop().iteration();
  co_return value;
}

asim::Coro<void> await_void(asim::Future<void> future, bool* resumed) {
  co_await future;
  *resumed = true;
}

asim::Coro<std::string> await_any(asim::AnyFuture future) {
  try {
    co_await future;
    co_return "ok";
  } catch (const std::out_of_range& e) {
    co_return std::string("out_of_range: ") + e.what();
  }
}

}  // namespace

TEST(Future, NewFutureIsPending) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_FALSE(future.done());
  EXPECT_FALSE(future.cancelled());
  EXPECT_EQ(future.base().state(), asim::FutureBase::State::pending);
  EXPECT_EQ(&future.get_loop(), &loop);
  EXPECT_TRUE(future);
  EXPECT_FALSE(asim::Future<int>());
}

TEST(Future, ResultOfAPendingFutureThrowsInvalidStateError) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_THROW((void)future.result(), asim::InvalidStateError);
}

TEST(Future, ExceptionOfAPendingFutureThrowsInvalidStateError) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_THROW((void)future.exception(), asim::InvalidStateError);
}

TEST(Future, SetResultMakesItFinishedWithThatValue) {
  ManualLoop loop;
  asim::Future<std::string> future = loop.create_future<std::string>();
  future.set_result("value");
  EXPECT_TRUE(future.done());
  EXPECT_FALSE(future.cancelled());
  EXPECT_EQ(future.base().state(), asim::FutureBase::State::finished);
  EXPECT_EQ(future.result(), "value");
  EXPECT_EQ(future.exception(), nullptr);
}

TEST(Future, SetResultTwiceThrowsInvalidStateError) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_result(1);
  EXPECT_THROW(future.set_result(2), asim::InvalidStateError);
  EXPECT_THROW(future.set_exception(std::runtime_error("late")), asim::InvalidStateError);
  EXPECT_EQ(future.result(), 1);
}

TEST(Future, SetExceptionMakesResultThrowIt) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_exception(std::out_of_range("nope"));
  EXPECT_TRUE(future.done());
  EXPECT_FALSE(future.cancelled());
  EXPECT_THROW((void)future.result(), std::out_of_range);
  ASSERT_NE(future.exception(), nullptr);
  EXPECT_THROW(std::rethrow_exception(future.exception()), std::out_of_range);
  EXPECT_THROW(future.set_result(3), asim::InvalidStateError);
}

TEST(Future, SetExceptionWithAnExceptionPtr) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_exception(std::make_exception_ptr(asim::ValueError("v")));
  EXPECT_THROW((void)future.result(), asim::ValueError);
  EXPECT_EQ(asim::exception_class_name(future.exception()), "ValueError");
}

TEST(Future, SetExceptionWithANullExceptionPtrIsRefused) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_THROW(future.set_exception(std::exception_ptr()), std::invalid_argument);
  EXPECT_FALSE(future.done());
}

TEST(Future, CancelOfAPendingFutureReturnsTrueAndCarriesTheMessage) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_TRUE(future.cancel("why"));
  EXPECT_TRUE(future.done());
  EXPECT_TRUE(future.cancelled());
  EXPECT_EQ(future.base().state(), asim::FutureBase::State::cancelled);
  EXPECT_FALSE(future.cancel("again"));
  try {
    (void)future.result();
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "why");
  }
  try {
    (void)future.exception();
    FAIL() << "expected CancelledError";
  } catch (const asim::CancelledError& e) {
    EXPECT_EQ(e.message(), "why");
  }
}

TEST(Future, CancelOfADoneFutureReturnsFalse) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_result(1);
  EXPECT_FALSE(future.cancel());
  EXPECT_FALSE(future.cancelled());
  EXPECT_EQ(future.result(), 1);
}

TEST(Future, SetResultOnACancelledFutureThrowsInvalidStateError) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.cancel();
  EXPECT_THROW(future.set_result(1), asim::InvalidStateError);
}

TEST(Future, CancelledErrorIsNotAStdException) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.cancel();
  bool swallowed_as_std = false;
  bool caught_by_name = false;
  try {
    try {
      (void)future.result();
    } catch (const std::exception&) {
      swallowed_as_std = true;
    }
  } catch (const asim::CancelledError&) {
    caught_by_name = true;
  }
  EXPECT_FALSE(swallowed_as_std);
  EXPECT_TRUE(caught_by_name);
}

TEST(Future, DoneCallbacksAreScheduledWithCallSoonInRegistrationOrderNeverInline) {
  ManualLoop loop;
  Recorder rec;
  asim::Future<int> future = loop.create_future<int>();
  loop.call_soon([&] { rec("before"); });
  future.add_done_callback([&](asim::Future<int> done) { rec("cb1:" + std::to_string(done.result())); });
  future.add_done_callback([&](asim::Future<int> done) { rec("cb2:" + std::to_string(done.result())); });
  future.set_result(4);
  loop.call_soon([&] { rec("after"); });
  rec("inline?");
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"inline?", "before", "cb1:4", "cb2:4", "after"}));
}

TEST(Future, DoneCallbacksRunOnCancellationToo) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  bool saw_cancelled = false;
  future.add_done_callback([&](asim::Future<int> done) { saw_cancelled = done.cancelled(); });
  future.cancel();
  EXPECT_FALSE(saw_cancelled);
  loop.run_once();
  EXPECT_TRUE(saw_cancelled);
}

TEST(Future, CallbackAddedAfterDoneIsScheduledAtOnce) {
  ManualLoop loop;
  Recorder rec;
  asim::Future<int> future = loop.create_future<int>();
  future.set_result(1);
  loop.call_soon([&] { rec("first"); });
  future.add_done_callback([&](asim::Future<int>) { rec("late"); });
  loop.call_soon([&] { rec("last"); });
  EXPECT_TRUE(rec.events().empty());
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"first", "late", "last"}));
}

TEST(Future, RemoveDoneCallbackStopsItFromRunning) {
  ManualLoop loop;
  Recorder rec;
  asim::Future<int> future = loop.create_future<int>();
  asim::Handle first = future.add_done_callback([&](asim::Future<int>) { rec("first"); });
  future.add_done_callback([&](asim::Future<int>) { rec("second"); });
  EXPECT_EQ(future.remove_done_callback(first), 1u);
  EXPECT_EQ(future.remove_done_callback(first), 0u);
  future.set_result(1);
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"second"}));
  first = asim::Handle();
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(Future, RemoveDoneCallbackAfterDoneRemovesNothing) {
  ManualLoop loop;
  int runs = 0;
  asim::Future<int> future = loop.create_future<int>();
  asim::Handle handle = future.add_done_callback([&runs](asim::Future<int>) { ++runs; });
  future.set_result(1);
  EXPECT_EQ(future.remove_done_callback(handle), 0u);  // already moved to the ready queue
  loop.run_once();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(future.remove_done_callback(asim::Handle()), 0u);
}

TEST(Future, ExceptionInADoneCallbackGoesToTheHandler) {
  ManualLoop loop;
  int reports = 0;
  loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext&) { ++reports; });
  asim::Future<int> future = loop.create_future<int>();
  future.add_done_callback([](asim::Future<int>) { throw std::runtime_error("cb"); });
  bool second_ran = false;
  future.add_done_callback([&second_ran](asim::Future<int>) { second_ran = true; });
  future.set_result(1);
  loop.run_once();
  EXPECT_EQ(reports, 1);
  EXPECT_TRUE(second_ran);
}

TEST(Future, AForgottenPendingFutureFreesItsCallbacks) {
  Counted::live = 0;
  ManualLoop loop;
  {
    asim::Future<int> future = loop.create_future<int>();
    future.add_done_callback([held = Counted{}](asim::Future<int>) { (void)held; });
    EXPECT_EQ(Counted::live, 1);
  }
  EXPECT_EQ(Counted::live, 0);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(Future, ADoneFutureLivesUntilItsScheduledCallbacksRan) {
  ManualLoop loop;
  int seen = 0;
  {
    asim::Future<int> future = loop.create_future<int>();
    future.add_done_callback([&seen](asim::Future<int> done) { seen = done.result(); });
    future.set_result(9);
  }
  loop.run_once();
  EXPECT_EQ(seen, 9);
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(Future, CopiesShareOneState) {
  ManualLoop loop;
  asim::Future<int> a = loop.create_future<int>();
  asim::Future<int> b = a;
  EXPECT_TRUE(a == b);
  b.set_result(3);
  EXPECT_TRUE(a.done());
  EXPECT_EQ(a.result(), 3);
  EXPECT_FALSE(a == loop.create_future<int>());
}

TEST(Future, AwaitingADoneFutureDoesNotYield) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_result(8);
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  EXPECT_EQ(loop.run_until_complete(await_and_note_iteration(future, &before, &after)), 8);
  EXPECT_EQ(before, 1u);
  EXPECT_EQ(after, 1u);
}

TEST(Future, AwaitingAPendingFutureResumesTheIterationAfterItCompletes) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  asim::Task<int> task = loop.create_task(await_and_note_iteration(future, &before, &after));
  loop.call_soon([future]() mutable { future.set_result(5); });  // iteration 1, after the step
  EXPECT_EQ(loop.run_until_complete(task), 5);
  EXPECT_EQ(before, 1u);
  EXPECT_EQ(after, 2u);
}

TEST(Future, AwaitingAFailedFutureThrowsItsException) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  future.set_exception(std::out_of_range("x"));
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  EXPECT_THROW(loop.run_until_complete(await_and_note_iteration(future, &before, &after)), std::out_of_range);
  EXPECT_EQ(after, 0u);
}

TEST(FutureVoid, SetResultResultAndAwait) {
  ManualLoop loop;
  asim::Future<void> future = loop.create_future<void>();
  EXPECT_THROW(future.result(), asim::InvalidStateError);
  bool resumed = false;
  asim::Task<void> task = loop.create_task(await_void(future, &resumed));
  loop.run_once();
  EXPECT_FALSE(resumed);
  future.set_result();
  EXPECT_THROW(future.set_result(), asim::InvalidStateError);
  EXPECT_NO_THROW(future.result());
  loop.run_until_complete(task);
  EXPECT_TRUE(resumed);
}

TEST(FutureVoid, DoneCallbackAndCancel) {
  ManualLoop loop;
  asim::Future<void> future = loop.create_future();
  bool cancelled = false;
  future.add_done_callback([&cancelled](asim::Future<void> done) { cancelled = done.cancelled(); });
  EXPECT_TRUE(future.cancel("stop"));
  loop.run_once();
  EXPECT_TRUE(cancelled);
  EXPECT_THROW(future.result(), asim::CancelledError);
}

TEST(AnyFuture, SeesTheStateOfAnyFuture) {
  ManualLoop loop;
  asim::Future<int> typed = loop.create_future<int>();
  asim::AnyFuture any = typed;
  EXPECT_FALSE(any.done());
  EXPECT_TRUE(any == asim::AnyFuture(typed));
  typed.set_exception(std::out_of_range("r"));
  EXPECT_TRUE(any.done());
  EXPECT_FALSE(any.cancelled());
  EXPECT_NE(any.exception(), nullptr);
  EXPECT_FALSE(any.cancel());
}

TEST(AnyFuture, AwaitingRethrowsTheException) {
  ManualLoop loop;
  asim::Future<int> typed = loop.create_future<int>();
  typed.set_exception(std::out_of_range("r"));
  EXPECT_EQ(loop.run_until_complete(await_any(typed)), "out_of_range: r");
  asim::Future<int> ok = loop.create_future<int>();
  loop.call_soon([ok]() mutable { ok.set_result(1); });
  EXPECT_EQ(loop.run_until_complete(await_any(ok)), "ok");
}

TEST(AnyFuture, DoneCallbacksAndRemoval) {
  ManualLoop loop;
  Recorder rec;
  asim::Future<int> typed = loop.create_future<int>();
  asim::AnyFuture any = typed;
  asim::Handle removed = any.add_done_callback([&](asim::AnyFuture) { rec("removed"); });
  any.add_done_callback([&](asim::AnyFuture done) { rec(done.done() ? "done" : "pending"); });
  EXPECT_EQ(any.remove_done_callback(removed), 1u);
  EXPECT_TRUE(any.cancel());
  loop.run_once();
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"done"}));
}

TEST(FutureBase, APlainFutureDescribesItselfAsFutureAndAnEmbeddedOneByItsLabel) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_EQ(future.base().describe(), "Future");
  asim::detail::EmbeddedFuture<void> waiter(loop);
  EXPECT_EQ(waiter.describe(), "Future");
  waiter.set_label("Lock.acquire");
  EXPECT_EQ(static_cast<asim::FutureBase&>(waiter).describe(), "Lock.acquire");
}

TEST(FutureBase, CheckResultThrowsWhatResultWouldThrow) {
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_THROW(future.base().check_result(), asim::InvalidStateError);
  future.set_result(1);
  EXPECT_NO_THROW(future.base().check_result());
}

TEST(Future, SettableErrorIsWhatSetResultWouldRaiseGivenBack) {
  const auto what = [](const std::exception_ptr& error) -> std::string {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  ManualLoop loop;
  asim::Future<int> future = loop.create_future<int>();
  EXPECT_EQ(future.base().settable_error("set_result"), nullptr);
  future.set_result(1);
  const std::exception_ptr done = future.base().settable_error("set_result");
  ASSERT_NE(done, nullptr);
  EXPECT_THROW(std::rethrow_exception(done), asim::InvalidStateError);
  EXPECT_EQ(what(done), "set_result() on a done future: FINISHED");
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  asim::Task<int> task = loop.create_task(await_and_note_iteration(future, &before, &after));
  const std::exception_ptr refused = task.base().settable_error("set_exception");
  ASSERT_NE(refused, nullptr);
  EXPECT_THROW(std::rethrow_exception(refused), asim::RuntimeError);
  EXPECT_EQ(what(refused), "Task does not support set_exception() operation");
  EXPECT_EQ(loop.run_until_complete(task), 1);
}
