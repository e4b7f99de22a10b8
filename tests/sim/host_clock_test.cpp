// SPDX-License-Identifier: MIT
// Host clocks of the simulated network: skew and drift per host, set or chosen by a
// sweep. loop.time() and the timers of a host's code follow its clock; the loop's
// own (virtual) time, traces and reports do not.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>
#include <asim/sim/sweep.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asim::Coro;
using asim::sim::ClockOptions;
using asim::sim::ClockRange;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

using Log = std::shared_ptr<std::vector<std::string>>;

std::string seconds(double value) { return std::to_string(value); }

// Records what loop.time() reads on the host, and the loop's own time, at the start
// and after a sleep of `delay` seconds on the host's clock.
Coro<void> read_clock_around_sleep(Log log, double delay) {
  asim::EventLoop& loop = asim::get_running_loop();
  log->push_back("host time " + seconds(loop.time()) + " at virtual " + std::to_string(loop.time_ns()));
  co_await asim::sleep(delay);
  log->push_back("host time " + seconds(loop.time()) + " at virtual " + std::to_string(loop.time_ns()));
}

TEST(HostClock, ASkewedHostReadsShiftedTimeAndOthersDoNot) {
  SimLoop loop(1, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    auto& web = network.add_host("web1");
    network.add_host("db1");
    web.set_clock(ClockOptions{.skew = 5.0});
    co_await web.spawn(read_clock_around_sleep(out, 1.0), "web1.clock");
    co_await network.host("db1").spawn(read_clock_around_sleep(out, 1.0), "db1.clock");
    out->push_back("outside any host " + seconds(sim.time()));
    {
      asim::sim::HostScope scope(web);
      out->push_back("in a scope of web1 " + seconds(sim.time()));
    }
    out->push_back("web1 from outside " + seconds(web.time()));
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "host time 5.000000 at virtual 0",          "host time 6.000000 at virtual 1000000000",
      "host time 1.000000 at virtual 1000000000", "host time 2.000000 at virtual 2000000000",
      "outside any host 2.000000",                "in a scope of web1 7.000000",
      "web1 from outside 7.000000",
  };
  EXPECT_EQ(*log, expected);
}

TEST(HostClock, DriftMakesAHostSleepShorterOrLongerInVirtualTime) {
  SimLoop loop(2, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    network.add_host("fast").set_clock(ClockOptions{.drift = 0.25});  // 1.25 s per virtual second
    network.add_host("slow").set_clock(ClockOptions{.drift = -0.2});  // 0.8 s per virtual second
    auto fast = network.host("fast").spawn(read_clock_around_sleep(out, 10.0), "fast");
    co_await network.host("slow").spawn(read_clock_around_sleep(out, 10.0), "slow");
    co_await fast;
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "host time 0.000000 at virtual 0",
      "host time 0.000000 at virtual 0",
      "host time 10.000000 at virtual 8000000000",   // fast: 10 of its seconds are 8 virtual ones
      "host time 10.000000 at virtual 12500000000",  // slow: 12.5
  };
  EXPECT_EQ(*log, expected);
}

// Every way of arming a timer on a host measures on its clock: call_later, call_at
// against loop.time(), wait_for, timeout.
Coro<void> timers_on_a_fast_host(Log log) {
  asim::EventLoop& loop = asim::get_running_loop();
  auto at = [](asim::EventLoop& l, Log out, std::string what) {
    out->push_back(what + " at virtual " + std::to_string(l.time_ns()));
  };
  (void)loop.call_later(2.0, at, std::ref(loop), log, std::string("call_later(2)"));
  (void)loop.call_at(loop.time() + 4.0, at, std::ref(loop), log, std::string("call_at(time() + 4)"));
  try {
    co_await asim::wait_for(asim::sleep(100), 6.0);
  } catch (const asim::TimeoutError&) {
    at(loop, log, "wait_for(6) timed out");
  }
  try {
    co_await asim::timeout(2.0, asim::sleep(100).as_coro());
  } catch (const asim::TimeoutError&) {
    at(loop, log, "timeout(2) expired");
  }
}

TEST(HostClock, EveryTimerArmedOnAHostFollowsItsClock) {
  SimLoop loop(3, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& fast = sim.network().add_host("fast");
    fast.set_clock(ClockOptions{.skew = 100.0, .drift = 1.0});  // twice as fast, 100 s ahead
    co_await fast.spawn(timers_on_a_fast_host(out), "fast.timers");
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "call_later(2) at virtual 1000000000",
      "call_at(time() + 4) at virtual 2000000000",
      "wait_for(6) timed out at virtual 3000000000",
      "timeout(2) expired at virtual 4000000000",
  };
  EXPECT_EQ(*log, expected);
}

TEST(HostClock, TracesStayInVirtualTime) {
  SimOptions options = SimOptions::cpython();
  options.trace = true;
  SimLoop loop(4, options);
  auto body = [](SimLoop& sim) -> Coro<void> {
    auto& fast = sim.network().add_host("fast");
    fast.set_clock(ClockOptions{.skew = 50.0, .drift = 0.25});
    co_await fast.spawn(asim::sleep(10).as_coro(), "fast.sleep");
  };
  loop.run_until_complete(body(loop));
  bool armed = false;
  for (const asim::sim::TraceEvent& event : loop.trace().events()) {
    if (event.kind == asim::sim::TraceEventKind::timer_armed) {
      EXPECT_EQ(event.when_ns, 8'000'000'000);  // not 50 + 10 s: the trace keeps virtual time
      armed = true;
    }
  }
  EXPECT_TRUE(armed);
  EXPECT_EQ(loop.time_ns(), 8'000'000'000);
}

// A lease of 10 s: the holder keeps acting as leader for 10 s of its own clock, the
// granting host re-grants after 10 s of its own. Returns the overlap in virtual ns.
Coro<std::int64_t> lease_overlap(SimLoop& sim) {
  auto& network = sim.network();
  auto holder = [](asim::EventLoop& loop) -> Coro<std::int64_t> {
    co_await asim::sleep(10.0);  // "my lease still holds"
    co_return loop.time_ns();
  };
  auto grantor = [](asim::EventLoop& loop) -> Coro<std::int64_t> {
    co_await asim::sleep(10.0);  // "the lease has expired: grant it to someone else"
    co_return loop.time_ns();
  };
  auto held_until = network.host("holder").spawn(holder(sim), "holder.lease");
  auto regranted_at = network.host("lock").spawn(grantor(sim), "lock.lease");
  const std::int64_t end = co_await held_until;
  const std::int64_t regrant = co_await regranted_at;
  co_return end - regrant;
}

TEST(HostClock, TwoHostsWithDifferentDriftDisagreeOnALease) {
  SimLoop loop(5, SimOptions::cpython());
  auto body = [](SimLoop& sim) -> Coro<std::int64_t> {
    sim.network().add_host("holder").set_clock(ClockOptions{.drift = -0.001});  // 1000 ppm slow
    sim.network().add_host("lock").set_clock(ClockOptions{.drift = 0.001});     // 1000 ppm fast
    co_return co_await lease_overlap(sim);
  };
  const std::int64_t overlap = loop.run_until_complete(body(loop));
  // holder: 10 / 0.999 s = 10.010010011 s; lock: 10 / 1.001 s = 9.990009991 s (rounded up to the ns).
  EXPECT_EQ(overlap, 10'010'010'011 - 9'990'009'991);
}

TEST(HostClock, SetClockRejectsAClockThatRunsBackwardsOrIsNotFinite) {
  SimLoop loop(6);
  auto& host = loop.network().add_host("web1");
  EXPECT_THROW(host.set_clock(ClockOptions{.drift = -1.0}), std::invalid_argument);
  EXPECT_THROW(host.set_clock(ClockOptions{.drift = 2.0}), std::invalid_argument);
  EXPECT_THROW(host.set_clock(ClockOptions{.skew = std::numeric_limits<double>::infinity()}), std::invalid_argument);
  EXPECT_THROW(loop.network().choose_clock("web1", ClockRange{.max_drift = 1.0}), std::invalid_argument);
  EXPECT_FALSE(loop.network().clocks_in_use());
}

// The sweep's body: two leaders overlap when the chosen clock of "lock" runs fast.
Coro<void> lease_under_chosen_clocks(SimLoop& sim) {
  sim.network().add_host("holder");
  sim.network().add_host("lock");
  sim.network().choose_clock("lock", ClockRange{.max_skew = 0.0, .max_drift = 0.01, .probability = 0.5});
  const std::int64_t overlap = co_await lease_overlap(sim);
  if (overlap > 0) throw asim::RuntimeError("two leaders for " + std::to_string(overlap) + " ns");
}

TEST(HostClock, ASweepExploresClockChoicesAndReplaysThemDeterministically) {
  asim::sim::SweepOptions options;
  options.seeds = 200;
  options.use_environment = false;
  options.quiet = true;
  auto body = [](SimLoop& sim) { return lease_under_chosen_clocks(sim); };
  const asim::sim::SweepResult first = asim::sim::run_sweep(options, body);
  const asim::sim::SweepResult second = asim::sim::run_sweep(options, body);
  ASSERT_FALSE(first.passed);
  EXPECT_EQ(first.failing_seed, second.failing_seed);
  EXPECT_EQ(first.shrunk.to_string(), second.shrunk.to_string());
  EXPECT_EQ(first.failure, second.failure);
  // Shrunk to the smallest fast drift: 0.01 / 500 = 20 ppm.
  EXPECT_NE(first.message().find(" clock = 1 (+ rung 1 of the ladder): clock drift of lock"), std::string::npos)
      << first.message();
  EXPECT_NE(first.failure.find("two leaders for 199996 ns"), std::string::npos) << first.failure;

  // CPython's order chooses no clock: the loop's own everywhere, no overlap.
  asim::sim::SweepOptions cpython = options;
  cpython.sim = SimOptions::cpython();
  cpython.seeds = 20;
  EXPECT_TRUE(asim::sim::run_sweep(cpython, body).passed);
}

TEST(HostClock, ChosenSkewsVaryAcrossSeedsAndRepeatForASeed) {
  auto skews_of = [](std::uint64_t seed) {
    SimLoop loop(seed);
    auto& network = loop.network();
    std::string out;
    for (const char* name : {"a", "b", "c"}) {
      network.add_host(name);
      network.choose_clock(name, ClockRange{.max_skew = 1.0, .max_drift = 0.0, .probability = 1.0});
      out += std::to_string(network.host(name).clock().skew) + " ";
    }
    return out;
  };
  std::vector<std::string> runs;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    runs.push_back(skews_of(seed));
    EXPECT_EQ(runs.back(), skews_of(seed));
  }
  std::sort(runs.begin(), runs.end());
  EXPECT_GT(std::unique(runs.begin(), runs.end()) - runs.begin(), 10);
}

}  // namespace
