// SPDX-License-Identifier: MIT
// The simulated network: asyncio streams between named hosts of a SimLoop, with
// chosen latency, partitions, crashes and restarts, explored by sweeps.
#include <gtest/gtest.h>

#include "support/line_protocol.hpp"
#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using asim::Coro;
using asim::StreamReader;
using asim::StreamWriter;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

using Log = std::shared_ptr<std::vector<std::string>>;


// Cancels a server task and waits until it is done.
Coro<void> stop(asim::Task<void> task) {
  task.cancel();
  try {
    co_await task;
  } catch (const asim::CancelledError&) {
  }
}

// Echoes lines until EOF, then closes.
Coro<void> echo_lines(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    writer->write(line);
    co_await writer->drain();
  }
  writer->close();
  co_await writer->wait_closed();
}

// Serves echo on port 7000 until cancelled.
Coro<void> echo_server() {
  auto server = co_await asim::start_server(&echo_lines, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

Coro<void> echo_client(Log log) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  log->push_back("peer " + writer->get_extra_info("peername").value().host + ":" +
                 std::to_string(writer->get_extra_info("peername").value().port));
  log->push_back("me " + writer->get_extra_info("sockname").value().host);
  for (const char* word : {"hello", "world"}) {
    writer->write(std::string(word) + "\n");
    co_await writer->drain();
    std::string answer = co_await reader->readline();
    log->push_back("echo " + answer.substr(0, answer.size() - 1));
  }
  writer->close();
  co_await writer->wait_closed();
}

// Two hosts, a server task on one, a client on the other; the main coroutine is on
// no host and only waits for the client.
Coro<void> two_host_echo(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server(), "db1.server");
  co_await asim::sleep(0);
  co_await network.host("web1").spawn(echo_client(log), "web1.client");
  co_await stop(server);
}

TEST(SimNetwork, EchoBetweenTwoHostsResolvesNamesPerHost) {
  SimLoop loop(1);
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(two_host_echo(loop, log));
  const std::vector<std::string> expected = {"peer 10.0.0.2:7000", "me 10.0.0.1", "echo hello", "echo world"};
  EXPECT_EQ(*log, expected);
  EXPECT_GT(loop.network().segments_delivered(), 0U);
  EXPECT_EQ(loop.network().connections_made(), 1U);
}

TEST(SimNetwork, BaseLatencyDelaysEachHopAndKeepsTheExchange) {
  SimLoop loop(2, SimOptions::cpython());
  loop.network().set_link_options({.base_latency = 0.010, .max_extra_latency = 0});
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(two_host_echo(loop, log));
  EXPECT_EQ(log->back(), "echo world");
  // Six hops of 10 ms: SYN, SYN-ACK, then two request/reply round trips (the client's
  // FIN is still in flight when the main coroutine returns).
  EXPECT_DOUBLE_EQ(loop.time(), 0.060);
}

using asim::testing::line_protocol::exchange;

Coro<void> exchange_on_a_host(SimLoop& loop, Log log) {
  co_await loop.network().add_host("local").spawn(exchange(log));
}

TEST(SimNetwork, AnExchangeWithZeroLatencyLogsTheSameEventsAsRealLoopAndCPython) {
  const std::vector<std::string>& cpython = asim::testing::line_protocol::cpython_events();
  auto on_sockets = std::make_shared<std::vector<std::string>>();
  asim::run(exchange(on_sockets));
  EXPECT_EQ(*on_sockets, cpython);
  auto simulated = std::make_shared<std::vector<std::string>>();
  SimLoop loop(0, SimOptions::cpython());
  loop.run_until_complete(exchange_on_a_host(loop, simulated));
  EXPECT_EQ(*simulated, cpython);
}

// Half-close over a link with latency: the server reads to EOF, then answers.
Coro<void> count_until_eof(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  int lines = 0;
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    ++lines;
  }
  writer->write("got " + std::to_string(lines) + " lines\n");
  writer->close();
  co_await writer->wait_closed();
}

Coro<void> half_close(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn([]() -> Coro<void> {
    auto listening = co_await asim::start_server(&count_until_eof, "0.0.0.0", 7000);
    co_await listening->serve_forever();
  }());
  co_await asim::sleep(0);
  auto client = [](Log out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    writer->write("a\nb\n");
    writer->write("c\n");
    writer->write_eof();
    std::string answer = co_await reader->read();
    out->push_back(answer.substr(0, answer.size() - 1));
    out->push_back(std::string("at_eof ") + (reader->at_eof() ? "yes" : "no"));
    writer->close();
    co_await writer->wait_closed();
  };
  co_await network.host("web1").spawn(client(log));
  co_await stop(server);
}

TEST(SimNetwork, WriteEofHalfClosesAcrossALinkWithLatency) {
  SimLoop loop(13);
  loop.network().set_link_options({.base_latency = 0.005, .max_extra_latency = 0.005, .extra_latency_probability = 0.5});
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(half_close(loop, log));
  const std::vector<std::string> expected = {"got 3 lines", "at_eof yes"};
  EXPECT_EQ(*log, expected);
}

// A peer that aborts with nothing unread: a FIN reaches us, later writes vanish.
Coro<void> abort_after_a_line(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  (void)co_await reader->readline();
  writer->transport().abort();
}

Coro<void> drain_after_reset(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn([]() -> Coro<void> {
    auto listening = co_await asim::start_server(&abort_after_a_line, "0.0.0.0", 7000);
    co_await listening->serve_forever();
  }());
  co_await asim::sleep(0);
  auto client = [](Log out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    writer->write("bye\n");
    co_await asim::sleep(0.1);  // the reset has arrived
    writer->write("ignored\n");
    try {
      co_await writer->drain();
      out->push_back("drained");
    } catch (const asim::ConnectionResetError& e) {
      out->push_back(std::string("drain: ") + e.what());
    }
    try {
      (void)co_await reader->read();
      out->push_back("read");
    } catch (const asim::ConnectionResetError& e) {
      out->push_back(std::string("read: ") + e.what());
    }
  };
  co_await network.host("web1").spawn(client(log));
  co_await stop(server);
}

TEST(SimNetwork, AfterThePeerAbortsDrainReturnsAndReadSeesEofAsOnLinux) {
  // python3 3.11 over loopback prints "drained" and b'': the aborted socket had nothing
  // unread, so Linux sent a FIN.
  SimLoop loop(14);
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(drain_after_reset(loop, log));
  const std::vector<std::string> expected = {"drained", "read"};
  EXPECT_EQ(*log, expected);
}

// -- errors ----------------------------------------------------------------------

Coro<std::string> connect_error(std::string host, std::uint16_t port) {
  try {
    (void)co_await asim::open_connection(host, port);
  } catch (const asim::OSError& e) {
    co_return std::string(e.class_name()) + ": " + e.what();
  }
  co_return "connected";
}

Coro<void> refusals(SimLoop& loop) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server());
  co_await asim::sleep(0);
  const std::string refused = co_await network.host("web1").spawn(connect_error("db1", 7001));
  EXPECT_EQ(refused, "ConnectionRefusedError: [Errno 111] Connect call failed ('10.0.0.2', 7001)");
  const std::string unknown = co_await network.host("web1").spawn(connect_error("nosuchhost", 7000));
  EXPECT_EQ(unknown, "gaierror: [Errno -2] Name or service not known");
  // Port 7000 of web1 itself: nobody listens there.
  const std::string self = co_await network.host("web1").spawn(connect_error("localhost", 7000));
  EXPECT_EQ(self, "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 7000)");
  co_await stop(server);
  // Once the server is gone, its port refuses.
  const std::string closed = co_await network.host("web1").spawn(connect_error("db1", 7000));
  EXPECT_EQ(closed, "ConnectionRefusedError: [Errno 111] Connect call failed ('10.0.0.2', 7000)");
}

TEST(SimNetwork, APortNobodyListensOnRefusesAndAnUnknownNameIsNotKnown) {
  SimLoop loop(3);
  loop.run_until_complete(refusals(loop));
}

Coro<void> connect_off_host() { (void)co_await asim::open_connection("db1", 7000); }

TEST(SimNetwork, CodeOnNoHostAndUnknownHostsInAPartitionAreClearErrors) {
  SimLoop loop(4);
  loop.network().add_host("db1");
  try {
    loop.run_until_complete(connect_off_host());
    ADD_FAILURE() << "no error";
  } catch (const asim::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("outside any host"), std::string::npos) << e.what();
  }
  try {
    loop.network().partition({"db1"}, {"db2"});
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "no host named 'db2' in the simulated network (hosts: db1)");
  }
  EXPECT_THROW(loop.network().add_host("db1"), std::invalid_argument);
}

// -- partitions --------------------------------------------------------------------

Coro<void> partitioned_read(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server());
  co_await asim::sleep(0);
  auto client = [](asim::sim::Network& net, Log out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    net.partition({"web1"}, {"db1"});
    writer->write("ping\n");
    try {
      (void)co_await asim::wait_for(reader->readline(), 1.0);
      out->push_back("answered during the partition");
    } catch (const asim::TimeoutError&) {
      out->push_back("timed out at " + std::to_string(asim::get_running_loop().time()));
    }
    net.heal();
    std::string line = co_await reader->readline();
    out->push_back("after heal: " + line.substr(0, line.size() - 1));
    writer->close();
    co_await writer->wait_closed();
  };
  co_await network.host("web1").spawn(client(network, log));
  co_await stop(server);
}

TEST(SimNetwork, APartitionMakesAReadTimeOutAndHealingDeliversWhatWasHeld) {
  SimLoop loop(5, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(partitioned_read(loop, log));
  const std::vector<std::string> expected = {"timed out at 1.000000", "after heal: ping"};
  EXPECT_EQ(*log, expected);
}

Coro<void> one_way(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server());
  co_await asim::sleep(0);
  auto client = [](asim::sim::Network& net, Log out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    // Replies from db1 are cut, requests still arrive.
    net.partition({"db1"}, {"web1"}, /*one_way=*/true);
    out->push_back(std::string("web1->db1 ") + (net.reachable(net.host("web1"), net.host("db1")) ? "up" : "cut"));
    out->push_back(std::string("db1->web1 ") + (net.reachable(net.host("db1"), net.host("web1")) ? "up" : "cut"));
    writer->write("x\n");
    try {
      (void)co_await asim::wait_for(reader->readline(), 0.5);
    } catch (const asim::TimeoutError&) {
      out->push_back("no reply");
    }
    net.heal();
    std::string line = co_await reader->readline();
    out->push_back("reply " + line.substr(0, line.size() - 1));
    writer->close();
    co_await writer->wait_closed();
  };
  co_await network.host("web1").spawn(client(network, log));
  co_await stop(server);
}

TEST(SimNetwork, AOneWayPartitionCutsOneDirectionOnly) {
  SimLoop loop(6);
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(one_way(loop, log));
  const std::vector<std::string> expected = {"web1->db1 up", "db1->web1 cut", "no reply", "reply x"};
  EXPECT_EQ(*log, expected);
}

Coro<void> connect_across_partition(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server());
  co_await asim::sleep(0);
  network.partition({"web1"}, {"db1"});
  const std::string error = co_await network.host("web1").spawn(connect_error("db1", 7000));
  log->push_back(error + " at " + std::to_string(loop.time()));
  co_await stop(server);
}

TEST(SimNetwork, AConnectAcrossAPartitionTimesOutAfterLinuxsSynRetries) {
  SimLoop loop(7, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(connect_across_partition(loop, log));
  const std::vector<std::string> expected = {
      "OSError: [Errno 110] Connect call failed ('10.0.0.2', 7000) at 63.000000"};
  EXPECT_EQ(*log, expected);
}

Coro<void> read_forever_across_a_partition(SimLoop& loop) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server(), "db1.server");
  co_await asim::sleep(0);
  auto client = [](asim::sim::Network& net) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    net.partition({"web1"}, {"db1"});
    writer->write("lost\n");
    (void)co_await reader->readline();
  };
  co_await network.host("web1").spawn(client(network), "web1.client");
  co_await stop(server);
}

TEST(SimNetwork, ADeadlockReportNamesEachNetworkWaitByItsConnection) {
  SimLoop loop(10, SimOptions::cpython());
  try {
    loop.run_until_complete(read_forever_across_a_partition(loop));
    ADD_FAILURE() << "no deadlock";
  } catch (const asim::sim::DeadlockError& e) {
    // Task-3 is the server's handler of the connection (client_connected_cb's task).
    const std::string expected =
        "deadlock: nothing is ready and no timer is armed (seed 10, virtual time 0.000000000 s, step 19)\n"
        "pending tasks (4):\n"
        "  Task 'Task-1' awaits Task 'web1.client' since 0.000000000 s\n"
        "  Task 'db1.server' awaits accept on db1:7000 since 0.000000000 s\n"
        "  Task 'web1.client' awaits read on db1:7000 \u2190 web1 (client end) since 0.000000000 s\n"
        "  Task 'Task-3' awaits read on db1:7000 \u2190 web1 (server end) since 0.000000000 s\n"
        "simulated network:\n"
        "  held by a partition: data (5 B) web1 -> db1 on connection 0";
    EXPECT_EQ(std::string(e.what()), expected);
    ASSERT_EQ(e.pending_tasks().size(), 4U);
    EXPECT_EQ(e.pending_tasks()[2].awaiting, "read on db1:7000 \u2190 web1 (client end)");
  }
}

TEST(SimNetwork, ALimitReportNamesAConnectWaitingForItsSynAck) {
  SimOptions options = SimOptions::cpython();
  options.max_virtual_time = 1.0;
  SimLoop loop(11, options);
  auto body = [](SimLoop& sim) -> Coro<void> {
    auto& network = sim.network();
    network.set_link_options(asim::sim::LinkOptions{.base_latency = 5.0});
    network.add_host("web1");
    auto server = network.add_host("db1").spawn(echo_server(), "db1.server");
    co_await asim::sleep(0);
    co_await network.host("web1").spawn(echo_client(std::make_shared<std::vector<std::string>>()), "web1.client");
    co_await stop(server);
  };
  try {
    loop.run_until_complete(body(loop));
    ADD_FAILURE() << "no time limit";
  } catch (const asim::sim::TimeLimitError& e) {
    const std::string report = e.what();
    EXPECT_NE(report.find("  Task 'web1.client' awaits connect to db1:7000 \u2190 web1 since 0.000000000 s"),
              std::string::npos)
        << report;
    EXPECT_NE(report.find("  Task 'db1.server' awaits accept on db1:7000 since 0.000000000 s"), std::string::npos)
        << report;
  }
}

// A drain waits while the protocol's writing is paused (as when the transport's buffer
// is over its high-water mark); the report names it by its connection.
Coro<void> drain_while_paused(asim::EventLoop& loop) {
  auto protocol = std::make_shared<asim::StreamReaderProtocol>(loop, std::make_shared<StreamReader>());
  // The factory is built outside the co_await operand: g++ 12 destroys a lambda
  // temporary of that operand twice (README "Compilers").
  asim::ProtocolFactory factory = [protocol]() -> std::shared_ptr<asim::Protocol> { return protocol; };
  auto connection = co_await asim::create_connection(factory, "db1", 7000);
  protocol->pause_writing();
  co_await protocol->drain_helper();
  connection.first->close();
}

TEST(SimNetwork, ADeadlockReportNamesADrainWaitByItsConnection) {
  SimLoop loop(13, SimOptions::cpython());
  auto body = [](SimLoop& sim) -> Coro<void> {
    auto& network = sim.network();
    network.add_host("web1");
    auto server = network.add_host("db1").spawn(echo_server(), "db1.server");
    co_await asim::sleep(0);
    co_await network.host("web1").spawn(drain_while_paused(sim), "web1.client");
    co_await stop(server);
  };
  try {
    loop.run_until_complete(body(loop));
    ADD_FAILURE() << "no deadlock";
  } catch (const asim::sim::DeadlockError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "  Task 'web1.client' awaits drain on db1:7000 \u2190 web1 (client end) since 0.000000000 s"),
              std::string::npos)
        << e.what();
  }
}

TEST(SimNetwork, AWaitOnAPlainFutureStillNamesTheHostItIsOn) {
  SimLoop loop(12, SimOptions::cpython());
  auto body = [](SimLoop& sim) -> Coro<void> {
    auto never = sim.create_future<void>("never");
    co_await sim.network().add_host("web1").spawn(
        [](asim::Future<void> f) -> Coro<void> { co_await f; }(never), "web1.waiter");
  };
  try {
    loop.run_until_complete(body(loop));
    ADD_FAILURE() << "no deadlock";
  } catch (const asim::sim::DeadlockError& e) {
    EXPECT_NE(std::string(e.what()).find("  Task 'web1.waiter' awaits Future 'never' on host web1 since"),
              std::string::npos)
        << e.what();
  }
}

// -- crash and restart ---------------------------------------------------------------

Coro<void> crash_and_restart(SimLoop& loop, Log log) {
  auto& network = loop.network();
  network.add_host("web1");
  auto& db = network.add_host("db1");
  db.set_entry([] { return echo_server(); });
  db.start();
  co_await asim::sleep(0);
  auto client = [](asim::sim::Network& net, Log out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    writer->write("one\n");
    std::string line = co_await reader->readline();
    out->push_back("before crash: " + line.substr(0, line.size() - 1));
    out->push_back("db1 tasks " + std::to_string(net.host("db1").task_count()));
    net.crash("db1");
    try {
      (void)co_await reader->readline();
      out->push_back("read after crash returned");
    } catch (const asim::ConnectionResetError& e) {
      out->push_back(std::string("read after crash: ") + e.what());
    }
    writer->close();
    const std::string down = co_await connect_error("db1", 7000);
    out->push_back("while down: " + down.substr(0, down.find(" ('")));
    net.restart("db1");
    co_await asim::sleep(0);
    auto [reader2, writer2] = co_await asim::open_connection("db1", 7000);
    writer2->write("two\n");
    std::string again = co_await reader2->readline();
    out->push_back("after restart: " + again.substr(0, again.size() - 1));
    writer2->close();
    co_await writer2->wait_closed();
  };
  co_await network.host("web1").spawn(client(network, log));
  log->push_back("db1 crashes " + std::to_string(db.crashes()));
  network.crash("db1");
  co_await asim::sleep(0);
  log->push_back("db1 tasks after crash " + std::to_string(db.task_count()));
}

TEST(SimNetwork, ACrashResetsThePeersConnectionAndARestartRunsTheEntryAgain) {
  SimLoop loop(8, SimOptions::cpython());
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(crash_and_restart(loop, log));
  const std::vector<std::string> expected = {
      "before crash: one",
      "db1 tasks 2",  // serve_forever and the connection's handler
      "read after crash: [Errno 104] Connection reset by peer",
      "while down: OSError: [Errno 110] Connect call failed",
      "after restart: two",
      "db1 crashes 1",
      "db1 tasks after crash 0",
  };
  EXPECT_EQ(*log, expected);
}

// -- exploration ---------------------------------------------------------------------

std::string traced_run(std::uint64_t seed) {
  SimOptions options;
  options.trace = true;
  SimLoop loop(seed, options);
  loop.network().set_link_options({.base_latency = 0.0001, .max_extra_latency = 0.002, .extra_latency_probability = 0.5});
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(two_host_echo(loop, log));
  return loop.trace().text();
}

TEST(SimNetwork, TheSameSeedGivesTheSameTraceAndLatencyChoicesAreRecorded) {
  const std::string first = traced_run(11);
  EXPECT_EQ(traced_run(11), first);
  bool some_latency_chosen = false;
  for (std::uint64_t seed = 0; seed < 20 && !some_latency_chosen; ++seed) {
    some_latency_chosen = traced_run(seed).find("latency of data web1 -> db1") != std::string::npos;
  }
  EXPECT_TRUE(some_latency_chosen);
  EXPECT_NE(first.find("connect web1 -> db1:7000 as connection 0"), std::string::npos) << first;
  EXPECT_NE(first.find("data (6 B) web1 -> db1 on connection 0 delivered"), std::string::npos) << first;
}

TEST(SimNetwork, TheChromeTraceShowsOneProcessPerHost) {
  SimOptions options;
  options.trace = true;
  SimLoop loop(12, options);
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(two_host_echo(loop, log));
  const std::string json = loop.trace().chrome_json();
  // db1's server task is created first: db1 is pid 2, web1 pid 3; the main task stays in the loop's.
  EXPECT_NE(json.find(R"("ph":"M","pid":2,"tid":0,"name":"process_name","args":{"name":"host db1"})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("ph":"M","pid":3,"tid":0,"name":"process_name","args":{"name":"host web1"})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("pid":3,"tid":3,"name":"thread_name","args":{"name":"task#3 web1.client"})"),
            std::string::npos)
      << json.substr(0, 2000);
  EXPECT_NE(json.find(R"("pid":1,"tid":1,"name":"thread_name")"), std::string::npos);
}

// Two requests on two connections; each reply is recorded when it arrives. The buggy
// client assumes the replies come back in request order.
Coro<void> handle_request(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  std::string request = co_await reader->readline();
  writer->write("reply " + request);
  co_await writer->drain();
  writer->close();
  co_await writer->wait_closed();
}

Coro<void> request_server() {
  auto server = co_await asim::start_server(&handle_request, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

Coro<void> ask(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer, std::string request,
               std::shared_ptr<std::vector<std::string>> replies) {
  writer->write(request + "\n");
  co_await writer->drain();
  std::string reply = co_await reader->readline();
  replies->push_back(reply.substr(0, reply.size() - 1));
  writer->close();
  co_await writer->wait_closed();
}

Coro<void> two_requests(bool assume_order) {
  auto [reader1, writer1] = co_await asim::open_connection("db1", 7000);
  auto [reader2, writer2] = co_await asim::open_connection("db1", 7000);
  auto replies = std::make_shared<std::vector<std::string>>();
  auto first = asim::get_running_loop().create_task(ask(reader1, writer1, "1", replies));
  auto second = asim::get_running_loop().create_task(ask(reader2, writer2, "2", replies));
  co_await asim::gather(first, second);
  if (replies->size() != 2) throw std::logic_error("lost a reply");
  if (assume_order && (*replies)[0] != "reply 1") {
    throw std::logic_error("replies out of order: " + (*replies)[0] + " came first");
  }
}

Coro<void> requests_on_two_hosts(SimLoop& loop, bool assume_order) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(request_server());
  co_await asim::sleep(0);
  co_await network.host("web1").spawn(two_requests(assume_order));
  co_await stop(server);
}

Coro<void> ordered_client(SimLoop& loop) { co_await requests_on_two_hosts(loop, false); }
Coro<void> order_assuming_client(SimLoop& loop) { co_await requests_on_two_hosts(loop, true); }

TEST(SimNetwork, ASweepExploresDistinctNetworkSchedulesOfACorrectProgram) {
  const auto result = asim::sim::run_sweep({.seeds = 200, .use_environment = false, .quiet = true}, &ordered_client);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_GT(result.distinct_schedules, 1U);
}

// `body` passes in CPython's order; a 500-seed sweep fails with `failure`, shrunk to at
// most 3 choices among which `choice` is named.
void expect_sweep_finds_and_shrinks(Coro<void> (*body)(SimLoop&), std::string_view failure, std::string_view choice) {
  SimLoop idle(0, SimOptions::cpython());
  idle.run_until_complete(body(idle));

  const auto result = asim::sim::run_sweep({.seeds = 500, .use_environment = false, .quiet = true}, body);
  ASSERT_FALSE(result.passed);
  EXPECT_NE(result.failure.find(failure), std::string::npos) << result.failure;
  EXPECT_LE(result.shrunk.size(), 3U) << result.message();
  EXPECT_NE(result.message().find(choice), std::string::npos) << result.message();
}

TEST(SimNetwork, ASweepFindsAClientAssumingReplyOrderAcrossConnectionsAndShrinksIt) {
  // CPython's order (every answer 0) answers in request order: the bug hides there.
  expect_sweep_finds_and_shrinks(&order_assuming_client, "replies out of order: reply 2 came first", "net_latency");
}

// A client that assumes db1 never crashes: the sweep finds the crash point.
Coro<void> request_reply(SimLoop& loop) {
  auto& network = loop.network();
  network.add_host("web1");
  auto& db = network.add_host("db1");
  db.set_entry([] { return echo_server(); });
  network.enable_crashes("db1", 0.05, 1.0);
  db.start();
  co_await asim::sleep(0);
  auto client = []() -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    for (int i = 0; i < 5; ++i) {
      writer->write("ping\n");
      co_await writer->drain();
      std::string reply = co_await reader->readline();
      if (reply != "ping\n") throw std::logic_error("bad reply");
    }
    writer->close();
    co_await writer->wait_closed();
  };
  co_await network.host("web1").spawn(client());
  network.crash("db1");
}

TEST(SimNetwork, ASweepFindsAndShrinksACrashPointChosenByTheLoop) {
  // In CPython's order db1 never crashes.
  expect_sweep_finds_and_shrinks(&request_reply, "Connection reset by peer", "crash = 1: crash db1 before");
}

// The client cancelled at each of its suspensions: no task is left on either host once
// the server stops (and, under ASan, nothing leaks).
Coro<void> cancelled_client(SimLoop& loop) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(echo_server(), "db1.server");
  co_await asim::sleep(0);
  auto log = std::make_shared<std::vector<std::string>>();
  auto client = network.host("web1").spawn(echo_client(log), "web1.client");
  try {
    co_await client;
  } catch (const asim::CancelledError&) {
  }
  co_await asim::sleep(1.0);  // the dropped writer's FIN reaches the handler, which closes
  co_await stop(server);
  co_await asim::sleep(1.0);
  if (network.host("db1").task_count() != 0 || network.host("web1").task_count() != 0) {
    throw std::logic_error("tasks left: db1 " + std::to_string(network.host("db1").task_count()) + ", web1 " +
                           std::to_string(network.host("web1").task_count()));
  }
}

TEST(SimNetwork, ACancelledClientLeavesNoTaskOnEitherHost) {
  asim::sim::SweepOptions options;
  options.seeds = 20;
  options.use_environment = false;
  options.quiet = true;
  options.cancel_points = {.task = "web1.client", .max_suspensions = 12};
  const auto result = asim::sim::run_sweep(options, &cancelled_client);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_GT(result.seeds_run, options.seeds);  // one run per seed and cancellation point
}

// -- datagrams -----------------------------------------------------------------------

// db1 collects what arrives on port 9000 until nothing came for a second.
Coro<void> collect(std::shared_ptr<std::vector<std::string>> arrived) {
  asim::DatagramOptions options;
  options.local_addr = asim::SocketAddress{"0.0.0.0", 9000, asim::SocketAddress::Family::ipv4};
  auto socket = co_await asim::DatagramSocket::create(options);
  while (true) {
    try {
      auto [data, from] = co_await asim::wait_for(socket->recvfrom(), 1.0);
      arrived->push_back(data + " from " + from.host);
      socket->sendto("ack " + data, from);
    } catch (const asim::TimeoutError&) {
      break;
    }
  }
  socket->close();
}

Coro<void> send_numbered(int count, std::shared_ptr<std::vector<std::string>> acks) {
  asim::DatagramOptions options;
  options.remote_addr = asim::SocketAddress{"db1", 9000, asim::SocketAddress::Family::ipv4};
  auto socket = co_await asim::DatagramSocket::create(options);
  for (int i = 0; i < count; ++i) socket->sendto(std::to_string(i));
  while (true) {
    try {
      auto [data, from] = co_await asim::wait_for(socket->recvfrom(), 1.0);
      acks->push_back(data + " from " + from.host + ":" + std::to_string(from.port));
    } catch (const asim::TimeoutError&) {
      break;
    }
  }
  socket->close();
}

Coro<void> datagrams(SimLoop& loop, int count, std::shared_ptr<std::vector<std::string>> arrived,
                     std::shared_ptr<std::vector<std::string>> acks) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(collect(arrived));
  co_await asim::sleep(0);
  co_await network.host("web1").spawn(send_numbered(count, acks));
  co_await server;
}

TEST(SimNetwork, DatagramsTravelBetweenHostsWithTheirSourceAddress) {
  SimLoop loop(9, SimOptions::cpython());
  auto arrived = std::make_shared<std::vector<std::string>>();
  auto acks = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(datagrams(loop, 2, arrived, acks));
  const std::vector<std::string> expected_arrived = {"0 from 10.0.0.1", "1 from 10.0.0.1"};
  const std::vector<std::string> expected_acks = {"ack 0 from 10.0.0.2:9000", "ack 1 from 10.0.0.2:9000"};
  EXPECT_EQ(*arrived, expected_arrived);
  EXPECT_EQ(*acks, expected_acks);
  EXPECT_EQ(loop.network().datagrams_lost(), 0U);
}

TEST(SimNetwork, SeedsExploreDatagramLossDuplicationAndReordering) {
  bool lost = false;
  bool duplicated = false;
  bool reordered = false;
  // Only the network's choices: a stall of the whole machine could outlast the
  // receivers' one-second silence and close them early (a legal schedule, not this test's).
  SimOptions network_only = SimOptions::cpython();
  network_only.choose_network = true;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SimLoop loop(seed, network_only);
    auto arrived = std::make_shared<std::vector<std::string>>();
    auto acks = std::make_shared<std::vector<std::string>>();
    loop.run_until_complete(datagrams(loop, 8, arrived, acks));
    std::vector<int> numbers;
    for (const std::string& line : *arrived) numbers.push_back(std::stoi(line));
    lost = lost || loop.network().datagrams_lost() > 0;
    duplicated = duplicated || loop.network().datagrams_duplicated() > 0;
    reordered = reordered || !std::is_sorted(numbers.begin(), numbers.end());
    // Every datagram sent (8, and an ack per arrival) arrived, less the lost, plus the copies.
    const auto& network = loop.network();
    EXPECT_EQ(network.datagrams_sent(), 8 + arrived->size()) << "seed " << seed;
    EXPECT_EQ(arrived->size() + acks->size(),
              network.datagrams_sent() - network.datagrams_lost() + network.datagrams_duplicated())
        << "seed " << seed;
  }
  EXPECT_TRUE(lost);
  EXPECT_TRUE(duplicated);
  EXPECT_TRUE(reordered);
}

}  // namespace
