// SPDX-License-Identifier: MIT
// Sim-vs-real for stream programs: each program of tests/support/stream_programs.hpp
// and the line protocol logs CPython's events (their asyncio twins) in the same order on
// RealLoop over loopback and on SimLoop's network with zero latency.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>
#include "runtime/stream_test_support.hpp"
#include "support/line_protocol.hpp"
#include "support/stream_program_generator.hpp"
#include "support/stream_programs.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asim::Coro;
using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::testing::stream_programs::Log;
using asim::testing::stream_programs::Program;

Coro<void> on_a_host(SimLoop& loop, Coro<void> (*program)(Log), Log log) {
  co_await loop.network().add_host("local").spawn(program(log), "local.main");
}

Log run_real(Coro<void> (*program)(Log)) {
  auto log = std::make_shared<std::vector<std::string>>();
  asim::run(program(log));
  return log;
}

Log run_simulated(Coro<void> (*program)(Log)) {
  auto log = std::make_shared<std::vector<std::string>>();
  SimLoop loop(0, SimOptions::cpython());
  loop.run_until_complete(on_a_host(loop, program, log));
  return log;
}

class StreamProgram : public ::testing::TestWithParam<Program> {};

TEST_P(StreamProgram, LogsCPythonsEventsOnRealLoopbackAndOnTheSimulatedNetwork) {
  const Program& program = GetParam();
  const auto& cpython = asim::testing::stream_programs::cpython_events(program.name);
  EXPECT_EQ(*run_real(program.run), cpython);
  EXPECT_EQ(*run_simulated(program.run), cpython);
}

INSTANTIATE_TEST_SUITE_P(EachShape, StreamProgram, ::testing::ValuesIn(asim::testing::stream_programs::programs()),
                         [](const ::testing::TestParamInfo<Program>& info) { return std::string(info.param.name); });

TEST(StreamProgramLineProtocol, LogsCPythonsEventsOnBothLoops) {
  const auto& cpython = asim::testing::line_protocol::cpython_events();
  EXPECT_EQ(*run_real(&asim::testing::line_protocol::exchange), cpython);
  EXPECT_EQ(*run_simulated(&asim::testing::line_protocol::exchange), cpython);
}

// Counts loop iterations while a connect is under way (as tests/support/python would:
// a task that increments and yields with sleep(0)), for a refused and an accepted one.
Coro<void> count_iterations(std::shared_ptr<int> count) {
  while (true) {
    ++*count;
    co_await asim::sleep(0);
  }
}

Coro<void> connect_iterations(Log log) {
  asim::testing::RefusingPort nobody;
  auto server = co_await asim::start_server(&asim::testing::echo_lines, "127.0.0.1", 0);
  for (const std::uint16_t port : {nobody.port(), asim::testing::port_of(server)}) {
    auto count = std::make_shared<int>(0);
    auto counter = asim::create_task(count_iterations(count));
    co_await asim::sleep(0);
    *count = 0;
    try {
      auto streams = co_await asim::open_connection("127.0.0.1", port);
      log->push_back("connected after " + std::to_string(*count));
      streams.second->close();
      co_await streams.second->wait_closed();
    } catch (const asim::ConnectionRefusedError&) {
      log->push_back("refused after " + std::to_string(*count));
    }
    counter.cancel();
  }
  server->close();
  co_await server->wait_closed();
}

TEST(StreamProgramConnect, TakesCPythonsNumberOfLoopIterationsOnBothLoops) {
  // python3: 2 iterations for a refused connect over loopback, 4 for an accepted one.
  const std::vector<std::string> cpython = {"refused after 2", "connected after 4"};
  EXPECT_EQ(*run_real(&connect_iterations), cpython);
  EXPECT_EQ(*run_simulated(&connect_iterations), cpython);
}

namespace generated = asim::testing::stream_program_generator;

Coro<void> generated_on_a_host(SimLoop& loop, std::vector<generated::Step> steps, Log log) {
  co_await loop.network().add_host("local").spawn(generated::run(std::move(steps), log), "local.main");
}

TEST(GeneratedStreamPrograms, LogTheSameEventsOnRealLoopbackAndOnTheSimulatedNetwork) {
  for (std::uint64_t seed = 0; seed < 150; ++seed) {
    const std::vector<generated::Step> steps = generated::generate(seed);
    auto real = std::make_shared<std::vector<std::string>>();
    asim::run(generated::run(steps, real));
    auto simulated = std::make_shared<std::vector<std::string>>();
    SimLoop loop(seed, SimOptions::cpython());
    loop.run_until_complete(generated_on_a_host(loop, steps, simulated));
    EXPECT_EQ(*simulated, *real) << "seed " << seed << ", program:\n" << generated::describe(steps);
    if (::testing::Test::HasFailure()) break;
  }
}

// Between two hosts, under chosen schedules, latency and (every other seed) a bandwidth,
// the same programs finish without an error and leave no task, transport or pipe behind.
Coro<void> generated_and_counted(SimLoop& loop, std::vector<generated::Step> steps, bool flow) {
  auto& network = loop.network();
  network.set_link_options({.base_latency = 0.0005,
                            .max_extra_latency = 0.002,
                            .extra_latency_probability = 0.3,
                            .bandwidth = flow ? 1e5 : 0.0});
  auto log = std::make_shared<std::vector<std::string>>();
  auto& web = network.add_host("web1");
  auto& db = network.add_host("db1");
  auto server = co_await db.spawn(generated::start(log, "0.0.0.0"), "db1.start");
  co_await web.spawn(generated::run(std::move(steps), log, server, "db1"), "web1.main");
  server.reset();
  co_await asim::sleep(10.0);
  const std::size_t tasks = web.task_count() + db.task_count();
  if (tasks != 0 || network.live_transports() != 0 || network.live_pipes() != 0) {
    throw std::logic_error("left behind: tasks " + std::to_string(tasks) + ", transports " +
                           std::to_string(network.live_transports()) + ", pipes " +
                           std::to_string(network.live_pipes()));
  }
}

TEST(GeneratedStreamPrograms, FinishUnderChosenSchedulesAndLeaveNothingBehind) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const std::vector<generated::Step> steps = generated::generate(seed);
    SimLoop loop(seed);
    try {
      loop.run_until_complete(generated_and_counted(loop, steps, seed % 2 == 1));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\nprogram:\n" << generated::describe(steps);
      break;
    }
  }
}

}  // namespace
