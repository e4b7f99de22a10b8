// SPDX-License-Identifier: MIT
// No task, transport or buffer outlives a crash, a reset or a cancellation on the
// simulated network: sweeps put those faults at many points of an exchange (crash
// points chosen by the loop, a client host crashed at a drawn time, a server that aborts
// with unread data, a client cancelled at each suspension), with and without flow
// control, and then count the hosts' tasks and the network's live transports and pipes.
// Under the ASan build, LeakSanitizer checks the memory itself.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using asim::Coro;
using asim::StreamReader;
using asim::StreamWriter;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

constexpr double fast_link = 1024.0 * 1024.0;  // with flow control: 1 MiB/s

// Throws unless both hosts are idle and nothing of the network is left.
void expect_nothing_left(asim::sim::Network& network) {
  std::string left;
  for (const char* name : {"web1", "db1"}) {
    if (const std::size_t tasks = network.host(name).task_count(); tasks != 0) {
      left += std::string(" ") + name + " tasks " + std::to_string(tasks);
    }
  }
  if (network.live_transports() != 0) left += " transports " + std::to_string(network.live_transports());
  if (network.live_pipes() != 0) left += " pipes " + std::to_string(network.live_pipes());
  if (!left.empty()) throw std::logic_error("left behind:" + left);
}

// Echoes lines; with `abort_chance`, aborts instead of answering (reading paused first,
// so what the client sends next stays unread and the abort is a reset).
// A reset by the client's host ends the handler quietly (no "Unhandled exception" report).
Coro<void> echo_or_abort(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  try {
    while (true) {
      std::string line = co_await reader->readline();
      if (line.empty()) break;
      if (asim::random::bernoulli(0.2, "abort")) {
        writer->transport().pause_reading();
        co_await asim::sleep(0.01);
        writer->transport().abort();
        co_return;
      }
      writer->write(line + std::string(2000, '.') + "\n");
      co_await writer->drain();
    }
    writer->close();
    co_await writer->wait_closed();
  } catch (const asim::OSError&) {
  }
}

Coro<void> serve() {
  auto server = co_await asim::start_server(&echo_or_abort, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

// Three sessions of five requests; every error of the network ends a session.
Coro<void> sessions() {
  for (int session = 0; session < 3; ++session) {
    bool failed = false;
    try {
      auto [reader, writer] = co_await asim::open_connection("db1", 7000);
      for (int i = 0; i < 5; ++i) {
        writer->write("request " + std::to_string(i) + std::string(1000, '-') + "\n");
        co_await writer->drain();
        std::string reply = co_await reader->readline();
        if (reply.empty()) break;
      }
      writer->close();
      co_await writer->wait_closed();
    } catch (const asim::OSError&) {
      failed = true;  // refused, reset or timed out
    }
    if (failed) co_await asim::sleep(0.5);  // try the next session later
  }
}

struct World {
  bool flow = false;
  bool crash_server = false;  // crash points chosen before each arrival at db1
  bool crash_client = false;  // web1 crashes at a drawn time
};

Coro<void> faulty_world(SimLoop& loop, World world, std::shared_ptr<std::uint32_t> crashes) {
  auto& network = loop.network();
  if (world.flow) network.set_link_options({.base_latency = 0.001, .bandwidth = fast_link});
  auto& web = network.add_host("web1");
  auto& db = network.add_host("db1");
  db.set_entry([] { return serve(); });
  if (world.crash_server) network.enable_crashes("db1", 0.05, 0.2);
  db.start();
  co_await asim::sleep(0);
  auto client = web.spawn(sessions(), "web1.client");
  if (world.crash_client) {
    const double when = asim::random::uniform_real(0.0, 0.05, "crash web1");
    loop.call_later(when, [&network] { network.crash("web1"); });
  }
  try {
    co_await client;
  } catch (const asim::CancelledError&) {
  }
  co_await asim::sleep(1.0);  // a restart after a chosen crash is due within 0.2 s
  network.crash("db1");       // stops the server
  co_await asim::sleep(100.0);
  *crashes += web.crashes() + db.crashes();
  expect_nothing_left(network);
}

void sweep(World world, std::uint64_t seeds) {
  auto crashes = std::make_shared<std::uint32_t>(0);
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    SimLoop loop(seed);
    try {
      loop.run_until_complete(faulty_world(loop, world, crashes));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what();
      return;
    }
  }
  EXPECT_GT(*crashes, seeds);  // beyond the final crash of db1, the faults did happen
}

TEST(SimNetworkLeaks, CrashPointsChosenByTheLoopLeaveNothingBehind) { sweep({.crash_server = true}, 60); }

TEST(SimNetworkLeaks, CrashPointsWithFlowControlLeaveNothingBehind) { sweep({.flow = true, .crash_server = true}, 60); }

TEST(SimNetworkLeaks, AClientHostCrashedAtADrawnTimeLeavesNothingBehind) { sweep({.crash_client = true}, 60); }

TEST(SimNetworkLeaks, AClientHostCrashedWithFlowControlLeavesNothingBehind) {
  sweep({.flow = true, .crash_client = true}, 60);
}

// A client cancelled at each of its suspensions, with resets drawn by the server.
Coro<void> cancelled_sessions(SimLoop& loop, bool flow) {
  auto& network = loop.network();
  if (flow) network.set_link_options({.base_latency = 0.001, .bandwidth = fast_link});
  auto& web = network.add_host("web1");
  auto server = network.add_host("db1").spawn(serve(), "db1.server");
  co_await asim::sleep(0);
  auto client = web.spawn(sessions(), "web1.client");
  try {
    co_await client;
  } catch (const asim::CancelledError&) {
  }
  co_await asim::sleep(10.0);
  server.cancel();
  co_await asim::sleep(10.0);
  expect_nothing_left(network);
}

Coro<void> cancelled_without_flow(SimLoop& loop) { co_await cancelled_sessions(loop, false); }
Coro<void> cancelled_with_flow(SimLoop& loop) { co_await cancelled_sessions(loop, true); }

asim::sim::SweepOptions cancellation_sweep() {
  asim::sim::SweepOptions options;
  options.seeds = 10;
  options.use_environment = false;
  options.quiet = true;
  options.cancel_points = {.task = "web1.client", .max_suspensions = 40};
  return options;
}

TEST(SimNetworkLeaks, ACancelledClientLeavesNothingBehind) {
  const auto options = cancellation_sweep();
  const auto result = asim::sim::run_sweep(options, &cancelled_without_flow);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_GT(result.seeds_run, options.seeds);
}

TEST(SimNetworkLeaks, ACancelledClientWithFlowControlLeavesNothingBehind) {
  const auto options = cancellation_sweep();
  const auto result = asim::sim::run_sweep(options, &cancelled_with_flow);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_GT(result.seeds_run, options.seeds);
}

}  // namespace
