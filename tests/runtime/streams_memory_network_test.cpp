// SPDX-License-Identifier: MIT
// The transport seam: the same stream code on a world with no descriptors (an
// in-memory network on VirtualTimeLoop) behaves as over real loopback sockets,
// and a request/response exchange records the same events on both.
#include <gtest/gtest.h>

#include "support/line_protocol.hpp"
#include <asim/asim.hpp>

#include <memory>
#include <string>
#include <vector>

#include "runtime/memory_network.hpp"
#include "runtime/stream_test_support.hpp"

namespace {

using asim::Coro;
using asim::StreamReader;
using asim::StreamWriter;
using asim::testing::MemoryLoop;
using asim::testing::port_of;

using Log = std::shared_ptr<std::vector<std::string>>;

using asim::testing::line_protocol::exchange;

// The expected trace is what CPython 3.11.7 prints for the same program (asyncio
// streams over loopback): the socket world must match it, and the in-memory world,
// which models one poll per hop, must too.
TEST(TransportSeam, ARequestResponseExchangeLogsCPythonsEventsOnSocketsAndInMemory) {
  const std::vector<std::string>& cpython = asim::testing::line_protocol::cpython_events();
  auto on_sockets = std::make_shared<std::vector<std::string>>();
  asim::run(exchange(on_sockets));
  EXPECT_EQ(*on_sockets, cpython);
  auto in_memory = std::make_shared<std::vector<std::string>>();
  MemoryLoop loop;
  loop.run_until_complete(exchange(in_memory));
  EXPECT_EQ(*in_memory, cpython);
}

Coro<void> echo_and_refuse() {
  auto server = co_await asim::start_server(&asim::testing::echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("hello\n");
  EXPECT_EQ(co_await reader->readline(), "hello\n");
  const std::uint16_t port = port_of(server);
  server->close();
  std::string refused;
  try {
    (void)co_await asim::open_connection("127.0.0.1", port);
  } catch (const asim::ConnectionRefusedError& e) {
    refused = e.what();
  }
  EXPECT_EQ(refused, "[Errno 111] Connect call failed ('127.0.0.1', " + std::to_string(port) + ")");
  writer->close();
  co_await writer->wait_closed();
  // The server's handler sees EOF one hop later and closes its side.
  for (int hop = 0; hop < 3; ++hop) co_await asim::sleep(0);
}

TEST(TransportSeam, EchoAndRefusalRunUnchangedOnALoopWithoutDescriptors) {
  MemoryLoop loop;
  loop.run_until_complete(echo_and_refuse());
}

Coro<void> abort_resets_the_peer(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  (void)co_await reader->readline();
  writer->transport().abort();
}

Coro<std::string> reset_in_memory() {
  auto server = co_await asim::start_server(&abort_resets_the_peer, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("bye\n");
  std::string error_class;
  try {
    (void)co_await reader->read();
  } catch (const asim::OSError& e) {
    error_class = e.class_name();
  }
  bool drain_reset = false;
  try {
    co_await writer->drain();
  } catch (const asim::ConnectionResetError&) {
    drain_reset = true;
  }
  EXPECT_TRUE(drain_reset);
  server->close();
  co_return error_class;
}

TEST(TransportSeam, AnAbortedPeerRaisesConnectionResetErrorInMemoryToo) {
  MemoryLoop loop;
  EXPECT_EQ(loop.run_until_complete(reset_in_memory()), "ConnectionResetError");
}

Coro<bool> wait_closed_in_memory() {
  auto server = co_await asim::start_server(&asim::testing::echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("x\n");
  (void)co_await reader->readline();
  auto waiting = asim::create_task(server->wait_closed());
  co_await asim::sleep(0);
  server->close();
  co_await asim::sleep(0);
  const bool done_while_connected = waiting.done();
  writer->close();
  co_await waiting;
  co_return done_while_connected;
}

TEST(TransportSeam, ServerCountsInMemoryConnectionsThroughAttachAndDetach) {
  MemoryLoop loop;
  EXPECT_FALSE(loop.run_until_complete(wait_closed_in_memory()));
}

}  // namespace
