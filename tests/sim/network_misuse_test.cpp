// SPDX-License-Identifier: MIT
// The stream misuse matrix on the simulated network: the rows RealLoop runs over
// loopback (tests/support/stream_misuse.hpp) run unchanged inside a simulated host, in
// CPython's order and under a few seeds of chosen schedules, and raise the same classes;
// then the rows only the simulated world has (unknown hosts, code on no host, another
// host's address, a crashed peer), each with the class CPython raises for the same
// situation on a real network, or the simulator's own error for its own API.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>
#include "support/stream_misuse.hpp"

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace {

using asim::Coro;
using asim::sim::SimLoop;
using asim::sim::SimOptions;
using asim::testing::stream_misuse::StreamMisuse;

asim::sim::Network& sim_network() { return static_cast<SimLoop&>(asim::get_running_loop()).network(); }

// Two hosts: the body runs on "local" (10.0.0.1), "db1" (10.0.0.2) serves port 7000.
Coro<void> read_to_eof_and_close(std::shared_ptr<asim::StreamReader> reader,
                                 std::shared_ptr<asim::StreamWriter> writer) {
  (void)co_await reader->read();
  writer->close();
}

Coro<void> serve_7000() {
  auto server = co_await asim::start_server(&read_to_eof_and_close, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

Coro<void> in_a_world(SimLoop& loop, Coro<void> (*body)(), bool on_a_host) {
  auto& network = loop.network();
  network.add_host("local");
  auto server = network.add_host("db1").spawn(serve_7000(), "db1.server");
  co_await asim::sleep(0);
  struct StopServer {
    asim::Task<void>& task;
    ~StopServer() { task.cancel(); }
  } stop{server};
  if (on_a_host) {
    co_await network.host("local").spawn(body(), "local.body");
  } else {
    co_await body();
  }
}

std::exception_ptr run_on(SimLoop& loop, Coro<void> (*body)(), bool on_a_host = true) {
  try {
    loop.run_until_complete(in_a_world(loop, body, on_a_host));
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

class SharedStreamMisuseRows : public ::testing::TestWithParam<StreamMisuse> {};

TEST_P(SharedStreamMisuseRows, RaiseWhatCPythonRaisesInCPythonsOrderAndUnderChosenSchedules) {
  const StreamMisuse& row = GetParam();
  {
    SimLoop loop(0, SimOptions::cpython());
    asim::testing::stream_misuse::expect_raises_as_cpython(row, run_on(loop, row.body));
  }
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimLoop loop(seed);
    asim::testing::stream_misuse::expect_raises_as_cpython(row, run_on(loop, row.body));
  }
  // With flow control (loopback: buffer accounting without a link).
  for (std::uint64_t seed = 6; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " with a bandwidth");
    SimLoop loop(seed);
    loop.network().set_link_options({.bandwidth = 1e6});
    asim::testing::stream_misuse::expect_raises_as_cpython(row, run_on(loop, row.body));
  }
}

INSTANTIATE_TEST_SUITE_P(OnTheSimulatedNetwork, SharedStreamMisuseRows,
                         ::testing::ValuesIn(asim::testing::stream_misuse::matrix()),
                         [](const ::testing::TestParamInfo<StreamMisuse>& info) {
                           return std::string(info.param.name);
                         });

struct SimMisuse {
  const char* name;
  const char* error_class;
  const char* message;
  Coro<void> (*body)();
  bool on_a_host = true;
};

void PrintTo(const SimMisuse& misuse, std::ostream* out) { *out << misuse.name; }

const std::vector<SimMisuse>& simulated_world_rows() {
  static const std::vector<SimMisuse> rows = {
      // CPython: socket.gaierror from getaddrinfo.
      {"ConnectingToAnUnknownHost", "gaierror", "[Errno -2] Name or service not known",
       []() -> Coro<void> { (void)co_await asim::open_connection("nosuchhost", 7000); }},
      {"ADatagramToAnUnknownHost", "gaierror", "[Errno -2] Name or service not known",
       []() -> Coro<void> {
         asim::DatagramOptions options;
         options.remote_addr = asim::SocketAddress{"nosuchhost", 9000};
         (void)co_await asim::DatagramSocket::create(options);
       }},
      {"ConnectingToAPortNobodyListensOnOfAnotherHost", "ConnectionRefusedError",
       "[Errno 111] Connect call failed ('10.0.0.2', 7001)",
       []() -> Coro<void> { (void)co_await asim::open_connection("db1", 7001); }},
      // CPython: bind() to an address this machine does not have.
      {"ServingOnAnotherHostsAddress", "OSError",
       "[Errno 99] error while attempting to bind on address ('10.0.0.2', 7000): cannot assign requested address",
       []() -> Coro<void> { (void)co_await asim::start_server(&read_to_eof_and_close, "10.0.0.2", 7000); }},
      {"ServingOnAPortAnotherServerHas", "OSError", "[Errno 98] error while attempting to bind on address",
       []() -> Coro<void> {
         auto first = co_await asim::start_server(&read_to_eof_and_close, "0.0.0.0", 7000);
         (void)co_await asim::start_server(&read_to_eof_and_close, "0.0.0.0", 7000);
       }},
      {"ReadingFromACrashedPeer", "ConnectionResetError", "[Errno 104] Connection reset by peer",
       []() -> Coro<void> {
         auto [reader, writer] = co_await asim::open_connection("db1", 7000);
         sim_network().crash("db1");
         (void)co_await reader->read();
       }},
      {"DrainingToACrashedPeer", "ConnectionResetError", "[Errno 104] Connection reset by peer",
       []() -> Coro<void> {
         auto [reader, writer] = co_await asim::open_connection("db1", 7000);
         sim_network().crash("db1");
         co_await asim::sleep(0.1);
         writer->write("x");
         co_await writer->drain();
       }},
      // The simulator's own API: its errors name what is wrong.
      {"ConnectingFromCodeOnNoHost", "RuntimeError",
       "outside any host: run the code with Host::spawn or in a HostScope",
       []() -> Coro<void> { (void)co_await asim::open_connection("db1", 7000); }, false},
      {"ServingFromCodeOnNoHost", "RuntimeError", "outside any host",
       []() -> Coro<void> { (void)co_await asim::start_server(&read_to_eof_and_close, "0.0.0.0", 7001); }, false},
      {"APartitionNamingAnUnknownHost", "std::invalid_argument",
       "no host named 'db2' in the simulated network (hosts: local, db1)",
       []() -> Coro<void> {
         sim_network().partition({"local"}, {"db2"});
         co_return;
       }},
      {"CrashingAnUnknownHost", "std::invalid_argument", "no host named 'db2'",
       []() -> Coro<void> {
         sim_network().crash("db2");
         co_return;
       }},
      {"AddingAHostTwice", "std::invalid_argument", "a host named 'db1' exists already",
       []() -> Coro<void> {
         sim_network().add_host("db1");
         co_return;
       }},
      {"AHostNamedLikeAnotherHostsAddress", "std::invalid_argument", "address 10.0.0.2 is taken by host 'db1'",
       []() -> Coro<void> {
         sim_network().add_host("db3", "10.0.0.2");
         co_return;
       }},
      {"StartingAHostWithoutAnEntry", "std::invalid_argument", "host 'local' has no entry coroutine",
       []() -> Coro<void> {
         sim_network().host("local").start();
         co_return;
       }},
  };
  return rows;
}

class SimulatedWorldMisuseRows : public ::testing::TestWithParam<SimMisuse> {};

TEST_P(SimulatedWorldMisuseRows, RaiseTheClassCPythonRaisesOnARealNetwork) {
  const SimMisuse& row = GetParam();
  for (std::uint64_t seed = 0; seed <= 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimLoop loop(seed, seed == 0 ? SimOptions::cpython() : SimOptions{});
    const std::exception_ptr error = run_on(loop, row.body, row.on_a_host);
    EXPECT_EQ(asim::stream_error_class_name(error), row.error_class) << asim::describe_exception(error);
    EXPECT_NE(asim::describe_exception(error).find(row.message), std::string::npos) << asim::describe_exception(error);
  }
}

INSTANTIATE_TEST_SUITE_P(OnTheSimulatedNetwork, SimulatedWorldMisuseRows, ::testing::ValuesIn(simulated_world_rows()),
                         [](const ::testing::TestParamInfo<SimMisuse>& info) { return std::string(info.param.name); });

}  // namespace
