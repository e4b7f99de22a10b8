// SPDX-License-Identifier: MIT
// TaskBase::vanish (the simulated power cut's primitive) and the loop's clock frame,
// on the plain loop core: a vanished task runs no handler, whatever it was doing.
#include <asim/asim.hpp>
#include <asim/virtual_time_loop.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using Log = std::shared_ptr<std::vector<std::string>>;

struct Marker {
  Log log;
  ~Marker() { log->push_back("local destroyed"); }
};

asim::Coro<void> handler_that_must_not_run(Log log, asim::Future<void> awaited) {
  Marker marker{log};
  try {
    co_await awaited;
    log->push_back("resumed");
  } catch (const asim::CancelledError&) {
    log->push_back("handler ran");
    throw;
  }
}

TEST(TaskVanish, AWaitingTaskEndsCancelledWithoutResumingAndItsAwaiterSeesCancelledError) {
  asim::VirtualTimeLoop loop;
  auto log = std::make_shared<std::vector<std::string>>();
  auto body = [](asim::EventLoop& l, Log out) -> asim::Coro<void> {
    auto awaited = l.create_future<void>();
    auto task = l.create_task(handler_that_must_not_run(out, awaited));
    co_await asim::sleep(0);  // it now waits on `awaited`
    EXPECT_TRUE(static_cast<asim::TaskBase&>(task.base()).vanish("gone"));
    EXPECT_FALSE(static_cast<asim::TaskBase&>(task.base()).vanish("twice"));
    awaited.set_result();  // nothing is woken
    try {
      co_await task;
    } catch (const asim::CancelledError& e) {
      out->push_back(std::string("awaiter: CancelledError ") + e.what());
    }
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {"local destroyed", "awaiter: CancelledError gone"};
  EXPECT_EQ(*log, expected);
  EXPECT_EQ(loop.ready_count(), 0U);
}

TEST(TaskVanish, ATaskWhoseWakeUpOrFirstStepIsQueuedNeverRuns) {
  asim::VirtualTimeLoop loop;
  auto log = std::make_shared<std::vector<std::string>>();
  auto body = [](asim::EventLoop& l, Log out) -> asim::Coro<void> {
    auto awaited = l.create_future<void>();
    auto woken = l.create_task(handler_that_must_not_run(out, awaited));
    co_await asim::sleep(0);
    awaited.set_result();                                                         // its wake-up is queued
    auto unstarted = l.create_task(handler_that_must_not_run(out, awaited));  // its first step is queued
    static_cast<asim::TaskBase&>(woken.base()).vanish("cut");
    static_cast<asim::TaskBase&>(unstarted.base()).vanish("cut");
    co_await asim::sleep(1);
    out->push_back("cancelled " + std::to_string(woken.cancelled()) + std::to_string(unstarted.cancelled()));
  };
  loop.run_until_complete(body(loop, log));
  // The started task's local is destroyed; the unstarted one never built its local.
  const std::vector<std::string> expected = {"local destroyed", "cancelled 11"};
  EXPECT_EQ(*log, expected);
}

TEST(ClockFrame, ConvertsBothWaysExactlyAndNeverFiresBeforeTheLocalDeadline) {
  asim::detail::ClockFrame frame{.skew_ns = -3, .drift_ppb = 333'333'333};  // a third fast
  for (std::int64_t t : {0LL, 1LL, 2LL, 3LL, 1'000'000'000LL, 7'777'777'777LL}) {
    const std::int64_t local = frame.to_local(t);
    EXPECT_LE(frame.to_loop(local), t);                      // the loop reaches `local` by t
    EXPECT_LT(frame.to_local(frame.to_loop(local) - 1), local);  // and not a nanosecond before
    EXPECT_GE(frame.to_local(frame.to_loop(local + 1)), local + 1);
  }
  EXPECT_EQ(frame.to_local(INT64_MAX), INT64_MAX);  // saturates instead of overflowing
}

TEST(ClockFrame, ALoopWithAFrameReadsAndArmsTimersOnIt) {
  asim::VirtualTimeLoop loop;
  const asim::detail::ClockFrame slow{.skew_ns = 10'000'000'000, .drift_ppb = -500'000'000};  // half speed
  loop.set_clock_frame(&slow);
  EXPECT_EQ(loop.time(), 10.0);
  std::int64_t fired_at = -1;
  (void)loop.call_later(1.0, [&loop, &fired_at] { fired_at = loop.time_ns(); });
  loop.set_clock_frame(nullptr);
  while (fired_at < 0) loop.run_once();
  EXPECT_EQ(fired_at, 2'000'000'000);  // one second of a half-speed clock
  EXPECT_EQ(loop.time(), 2.0);
}

}  // namespace
