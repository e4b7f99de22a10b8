// SPDX-License-Identifier: MIT
// Sim-vs-real for stream programs: each program of tests/support/stream_programs.hpp
// and the line protocol logs CPython's events (their asyncio twins) in the same order on
// RealLoop over loopback and on SimLoop's network with zero latency.
#include <gtest/gtest.h>

#include "support/line_protocol.hpp"
#include "support/stream_programs.hpp"
#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <memory>
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

void PrintTo(const Program& program, std::ostream* out) { *out << program.name; }

INSTANTIATE_TEST_SUITE_P(EachShape, StreamProgram, ::testing::ValuesIn(asim::testing::stream_programs::programs()),
                         [](const ::testing::TestParamInfo<Program>& info) { return std::string(info.param.name); });

TEST(StreamProgramLineProtocol, LogsCPythonsEventsOnBothLoops) {
  const auto& cpython = asim::testing::line_protocol::cpython_events();
  EXPECT_EQ(*run_real(&asim::testing::line_protocol::exchange), cpython);
  EXPECT_EQ(*run_simulated(&asim::testing::line_protocol::exchange), cpython);
}

}  // namespace
