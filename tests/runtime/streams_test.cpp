// SPDX-License-Identifier: MIT
// Streams on RealLoop over loopback: open_connection / start_server, the readers'
// edge cases, flow control, EOF, refused and reset connections, closing servers,
// IPv6, and no descriptor left open after a cancellation at any await.
#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/stream_test_support.hpp"

namespace {

using asim::Coro;
using asim::RealLoop;
using asim::StreamReader;
using asim::StreamWriter;
using asim::testing::echo_lines;
using asim::testing::open_fd_count;
using asim::testing::port_of;

// -- echo and addresses ---------------------------------------------------------

Coro<std::vector<std::string>> echo_two_lines(std::string host) {
  auto server = co_await asim::start_server(&echo_lines, host, 0);
  auto [reader, writer] = co_await asim::open_connection(host, port_of(server));
  writer->write("hello\n");
  std::vector<std::string> got;
  got.push_back(co_await reader->readline());
  const std::vector<std::string> lines = {"a", "b\n", "c\n"};
  writer->writelines(lines);
  got.push_back(co_await reader->readline());
  got.push_back(co_await reader->readline());
  writer->write_eof();
  got.push_back(co_await reader->read());  // the server closes after EOF: empty
  writer->close();
  co_await writer->wait_closed();
  server->close();
  co_await server->wait_closed();
  co_return got;
}

TEST(Streams, EchoServerReturnsEachLineOverIpv4Loopback) {
  std::vector<std::string> got = asim::run(echo_two_lines("127.0.0.1"));
  EXPECT_EQ(got, (std::vector<std::string>{"hello\n", "ab\n", "c\n", ""}));
}

TEST(Streams, EchoServerWorksOverIpv6Loopback) {
  if (!asim::testing::has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this machine";
  std::vector<std::string> got = asim::run(echo_two_lines("::1"));
  EXPECT_EQ(got, (std::vector<std::string>{"hello\n", "ab\n", "c\n", ""}));
}

Coro<std::string> connect_to_localhost() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("localhost", port_of(server));
  writer->write("via localhost\n");
  std::string line = co_await reader->readline();
  writer->close();
  server->close();
  co_return line;
}

TEST(Streams, LocalhostResolvesAndFallsBackToTheAddressThatListens) {
  EXPECT_EQ(asim::run(connect_to_localhost()), "via localhost\n");
}

struct Names {
  asim::SocketAddress client_sockname, client_peername, server_sockname, server_peername, listening;
};

Coro<void> remember_names(std::shared_ptr<Names> names, std::shared_ptr<StreamReader> reader,
                          std::shared_ptr<StreamWriter> writer) {
  names->server_sockname = writer->get_extra_info("sockname").value();
  names->server_peername = writer->get_extra_info("peername").value();
  (void)co_await reader->read();
  writer->close();
}

Coro<std::shared_ptr<Names>> exchange_names() {
  auto names = std::make_shared<Names>();
  // Named, not a temporary in the co_await operand (g++ 12 would destroy it twice).
  asim::ClientConnectedCallback handler = [names](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return remember_names(names, std::move(r), std::move(w));
  };
  auto server = co_await asim::start_server(std::move(handler), "127.0.0.1", 0);
  names->listening = server->sockets().at(0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  names->client_sockname = writer->get_extra_info("sockname").value();
  names->client_peername = writer->get_extra_info("peername").value();
  EXPECT_FALSE(writer->get_extra_info("cipher").has_value());
  writer->write_eof();
  (void)co_await reader->read();
  writer->close();
  server->close();
  co_return names;
}

TEST(Streams, ExtraInfoGivesBothEndsAddresses) {
  auto names = asim::run(exchange_names());
  EXPECT_NE(names->listening.port, 0);
  EXPECT_EQ(names->listening.host, "127.0.0.1");
  EXPECT_EQ(names->client_peername, names->listening);
  EXPECT_EQ(names->server_sockname, names->listening);
  EXPECT_EQ(names->server_peername, names->client_sockname);
  EXPECT_EQ(names->client_sockname.family, asim::SocketAddress::Family::ipv4);
}

// -- StreamReader edge cases (fed directly, as CPython's test_streams does) -------

Coro<void> reader_edge_cases() {
  {
    StreamReader reader;
    reader.feed_data("line1\nline2\npartial");
    reader.feed_eof();
    EXPECT_EQ(co_await reader.readline(), "line1\n");
    EXPECT_EQ(co_await reader.readline(), "line2\n");
    EXPECT_EQ(co_await reader.readline(), "partial");
    EXPECT_EQ(co_await reader.readline(), "");
    EXPECT_TRUE(reader.at_eof());
  }
  {
    // A separator split across two feeds is still found.
    StreamReader reader;
    reader.feed_data("abc\r");
    reader.feed_data("\ndef");
    EXPECT_EQ(co_await reader.readuntil("\r\n"), "abc\r\n");
    EXPECT_EQ(reader.buffered(), 3U);
  }
  {
    StreamReader reader;
    reader.feed_data("abc");
    reader.feed_eof();
    std::string partial;
    std::optional<std::size_t> expected;
    try {
      (void)co_await reader.readexactly(10);
    } catch (const asim::IncompleteReadError& e) {
      partial = e.partial();
      expected = e.expected();
      EXPECT_STREQ(e.what(), "3 bytes read on a total of 10 expected bytes");
    }
    EXPECT_EQ(partial, "abc");
    EXPECT_EQ(expected, 10U);
    EXPECT_TRUE(reader.at_eof());
  }
  {
    StreamReader reader;
    reader.feed_data("no separator");
    reader.feed_eof();
    std::string partial = "unset";
    try {
      (void)co_await reader.readuntil("|");
    } catch (const asim::IncompleteReadError& e) {
      partial = e.partial();
      EXPECT_FALSE(e.expected().has_value());
    }
    EXPECT_EQ(partial, "no separator");
  }
  {
    // Over the limit: readuntil leaves the data, readline drops the whole line.
    StreamReader reader(4);
    reader.feed_data("abcdefgh\nxy");
    std::size_t consumed = 0;
    try {
      (void)co_await reader.readuntil("\n");
    } catch (const asim::LimitOverrunError& e) {
      consumed = e.consumed();
      EXPECT_STREQ(e.what(), "Separator is found, but chunk is longer than limit");
    }
    EXPECT_EQ(consumed, 8U);
    EXPECT_EQ(reader.buffered(), 11U);
    bool value_error = false;
    try {
      (void)co_await reader.readline();
    } catch (const asim::ValueError& e) {
      value_error = std::string(e.what()) == "Separator is found, but chunk is longer than limit";
    }
    EXPECT_TRUE(value_error);
    EXPECT_EQ(reader.buffered(), 2U);
    EXPECT_EQ(co_await reader.read(10), "xy");
  }
  {
    // No separator within the limit: the error says how much is to be consumed.
    StreamReader reader(4);
    reader.feed_data("abcdefgh");
    std::size_t consumed = 0;
    try {
      (void)co_await reader.readuntil("\n");
    } catch (const asim::LimitOverrunError& e) {
      consumed = e.consumed();
      EXPECT_STREQ(e.what(), "Separator is not found, and chunk exceed the limit");
    }
    EXPECT_EQ(consumed, 8U);
  }
  {
    StreamReader reader;
    reader.feed_data("0123456789");
    EXPECT_EQ(co_await reader.read(0), "");
    EXPECT_EQ(co_await reader.read(4), "0123");
    EXPECT_EQ(co_await reader.readexactly(6), "456789");
    EXPECT_EQ(co_await reader.readexactly(0), "");
    reader.feed_data("rest");
    reader.feed_eof();
    EXPECT_EQ(co_await reader.read(), "rest");
    EXPECT_EQ(co_await reader.read(), "");
  }
}

TEST(StreamReader, ReadlineReaduntilReadexactlyFollowAsyncioAtTheEdges) { asim::run(reader_edge_cases()); }

Coro<void> feed_later(std::shared_ptr<StreamReader> reader) {
  co_await asim::sleep(0);
  reader->feed_data("par");
  co_await asim::sleep(0);
  reader->feed_data("tial\nmore");
  co_await asim::sleep(0);
  reader->feed_eof();
}

Coro<std::vector<std::string>> read_while_fed() {
  auto reader = std::make_shared<StreamReader>();
  auto feeder = asim::create_task(feed_later(reader));
  std::vector<std::string> got;
  got.push_back(co_await reader->readline());
  got.push_back(co_await reader->read());
  co_await feeder;
  co_return got;
}

TEST(StreamReader, ReadersWaitForDataFedInLaterIterations) {
  EXPECT_EQ(asim::run(read_while_fed()), (std::vector<std::string>{"partial\n", "more"}));
}

Coro<std::string> error_after_data() {
  StreamReader reader;
  reader.feed_data("kept");
  reader.set_exception(std::make_exception_ptr(asim::ConnectionResetError(104, "Connection reset by peer")));
  std::string what;
  try {
    (void)co_await reader.read(4);
  } catch (const asim::ConnectionResetError& e) {
    what = e.what();
  }
  co_return what;
}

TEST(StreamReader, AnErrorIsRaisedEvenWithBufferedData) {
  EXPECT_EQ(asim::run(error_after_data()), "[Errno 104] Connection reset by peer");
}

// -- EOF ----------------------------------------------------------------------------

Coro<void> reply_after_eof(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  std::string all = co_await reader->read();  // until the client's EOF
  EXPECT_TRUE(reader->at_eof());
  writer->write("got " + std::to_string(all.size()) + " bytes");
  writer->close();
  co_await writer->wait_closed();
}

Coro<std::string> half_close() {
  auto server = co_await asim::start_server(&reply_after_eof, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  EXPECT_TRUE(writer->can_write_eof());
  writer->write(std::string(100000, 'x'));
  writer->write_eof();
  std::string reply = co_await reader->read();
  EXPECT_TRUE(reader->at_eof());
  writer->close();
  co_await writer->wait_closed();
  server->close();
  co_return reply;
}

TEST(Streams, WriteEofLetsThePeerReadToTheEndAndStillReply) { EXPECT_EQ(asim::run(half_close()), "got 100000 bytes"); }

// -- flow control -----------------------------------------------------------------

struct FlowState {
  asim::Event start_reading;
  std::size_t received = 0;
};

Coro<void> read_when_told(std::shared_ptr<FlowState> state, std::shared_ptr<StreamReader> reader,
                          std::shared_ptr<StreamWriter> writer) {
  co_await state->start_reading.wait();
  while (true) {
    std::string chunk = co_await reader->read(1 << 16);
    if (chunk.empty()) break;
    state->received += chunk.size();
  }
  writer->close();
}

Coro<void> drain_blocks_until_the_peer_reads() {
  auto state = std::make_shared<FlowState>();
  asim::ClientConnectedCallback handler = [state](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return read_when_told(state, std::move(r), std::move(w));
  };
  auto server = co_await asim::start_server(std::move(handler), "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->transport().set_write_buffer_limits(4096);
  EXPECT_EQ(writer->transport().get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{1024, 4096}));
  // The server reads nothing yet: once the kernel buffers are full, ours grows.
  const std::string chunk(1 << 16, 'z');
  std::size_t sent = 0;
  while (writer->transport().get_write_buffer_size() <= 4096) {
    writer->write(chunk);
    sent += chunk.size();
  }
  auto drain = asim::create_task(writer->drain());
  for (int i = 0; i < 5; ++i) co_await asim::sleep(0);
  EXPECT_FALSE(drain.done()) << "drain returned while the buffer is over the high-water mark";
  state->start_reading.set();
  co_await drain;
  EXPECT_LE(writer->transport().get_write_buffer_size(), 1024U);
  writer->write_eof();
  (void)co_await reader->read();  // the server closes once it read everything
  EXPECT_EQ(state->received, sent);
  writer->close();
  server->close();
}

TEST(Streams, DrainWaitsWhileTheBufferIsOverTheHighWaterMark) { asim::run(drain_blocks_until_the_peer_reads()); }

Coro<void> bad_limits() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  EXPECT_THROW(writer->transport().set_write_buffer_limits(10, 20), asim::ValueError);
  writer->transport().set_write_buffer_limits(std::nullopt, 100);
  EXPECT_EQ(writer->transport().get_write_buffer_limits(), (std::pair<std::size_t, std::size_t>{100, 400}));
  writer->close();
  server->close();
}

TEST(Streams, WaterMarksFollowAsyncioDefaultsAndRejectLowAboveHigh) { asim::run(bad_limits()); }

Coro<void> send_64k(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  writer->write(std::string(64 * 1024, 'r'));
  co_await writer->drain();
  (void)co_await reader->read();  // until the client's EOF
  writer->close();
}

Coro<void> reader_pauses_the_transport() {
  auto server = co_await asim::start_server(&send_64k, "127.0.0.1", 0);
  asim::StreamOptions options;
  options.limit = 1024;
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server), options);
  EXPECT_EQ(reader->limit(), 1024U);
  // Nobody reads: once more than 2 x limit is buffered the transport stops reading.
  for (int i = 0; i < 1000 && writer->transport().is_reading(); ++i) co_await asim::sleep(0);
  EXPECT_FALSE(writer->transport().is_reading());
  EXPECT_GT(reader->buffered(), 2048U);
  // readexactly past the limit resumes it (asyncio's _wait_for_data) until all is in.
  std::string all = co_await reader->readexactly(64 * 1024);
  EXPECT_EQ(all.size(), 64U * 1024);
  EXPECT_TRUE(writer->transport().is_reading());
  writer->write_eof();
  EXPECT_EQ(co_await reader->read(), "");
  writer->close();
  server->close();
}

TEST(Streams, AFullReaderPausesTheTransportAndReadingResumesIt) { asim::run(reader_pauses_the_transport()); }

// -- refused, reset -----------------------------------------------------------------

Coro<std::string> connect_refused(std::uint16_t port) {
  std::string what;
  try {
    (void)co_await asim::open_connection("127.0.0.1", port);
  } catch (const asim::ConnectionRefusedError& e) {
    EXPECT_EQ(e.error_number(), ECONNREFUSED);
    what = e.what();
  }
  co_return what;
}

TEST(Streams, ConnectingWhereNobodyListensRaisesConnectionRefusedError) {
  asim::testing::RefusingPort refusing;
  const std::size_t fds_before = open_fd_count();
  RealLoop loop;
  const std::size_t fds_with_loop = open_fd_count();
  EXPECT_EQ(loop.run_until_complete(connect_refused(refusing.port())),
            "[Errno 111] Connect call failed ('127.0.0.1', " + std::to_string(refusing.port()) + ")");
  EXPECT_EQ(open_fd_count(), fds_with_loop);
  EXPECT_GT(fds_with_loop, fds_before);
}

// Accepts with a plain socket and closes with SO_LINGER 0: the kernel sends a RST.
Coro<std::string> read_after_reset() {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 1);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", ntohs(addr.sin_port));
  const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);  // already in the backlog
  linger abortive{1, 0};
  ::setsockopt(accepted, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  ::close(accepted);
  ::close(listener);
  std::string error_class;
  try {
    (void)co_await reader->read();
  } catch (const asim::ConnectionResetError& e) {
    error_class = e.class_name();
  }
  // Once the connection is lost, drain() says so and wait_closed() raises the reset.
  EXPECT_TRUE(writer->is_closing());
  bool drain_reset = false;
  try {
    co_await writer->drain();
  } catch (const asim::ConnectionResetError&) {
    drain_reset = true;
  }
  EXPECT_TRUE(drain_reset);
  bool closed_with_reset = false;
  try {
    co_await writer->wait_closed();
  } catch (const asim::ConnectionResetError&) {
    closed_with_reset = true;
  }
  EXPECT_TRUE(closed_with_reset);
  co_return error_class;
}

TEST(Streams, APeerResetRaisesConnectionResetErrorFromReadDrainAndWaitClosed) {
  EXPECT_EQ(asim::run(read_after_reset()), "ConnectionResetError");
}

// -- servers ------------------------------------------------------------------------

Coro<void> close_server_keeps_connections() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  const std::uint16_t port = port_of(server);
  EXPECT_TRUE(server->is_serving());
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port);
  writer->write("before\n");
  EXPECT_EQ(co_await reader->readline(), "before\n");
  server->close();
  EXPECT_FALSE(server->is_serving());
  EXPECT_TRUE(server->sockets().empty());
  // The accepted connection outlives the listener.
  writer->write("after\n");
  EXPECT_EQ(co_await reader->readline(), "after\n");
  bool refused = false;
  try {
    (void)co_await asim::open_connection("127.0.0.1", port);
  } catch (const asim::ConnectionRefusedError&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
  co_await server->wait_closed();  // CPython 3.11: at once, once closed
  writer->close();
  co_await writer->wait_closed();
}

TEST(Server, CloseStopsAcceptingButKeepsAcceptedConnections) { asim::run(close_server_keeps_connections()); }

Coro<void> serve_then_stop(std::shared_ptr<asim::Server> server) { co_await server->serve_forever(); }

Coro<void> serve_forever_until_cancelled() {
  asim::ServerOptions options;
  options.start_serving = false;
  asim::StreamServerOptions stream_options;
  stream_options.server = options;
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0, stream_options);
  EXPECT_FALSE(server->is_serving());
  auto serving = asim::create_task(serve_then_stop(server));
  co_await asim::sleep(0);
  EXPECT_TRUE(server->is_serving());
  bool again = false;
  try {
    co_await server->serve_forever();
  } catch (const asim::RuntimeError& e) {
    again = std::string(e.what()).find("is already being awaited on serve_forever()") != std::string::npos;
  }
  EXPECT_TRUE(again);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("served\n");
  EXPECT_EQ(co_await reader->readline(), "served\n");
  serving.cancel();
  bool cancelled = false;
  try {
    co_await serving;
  } catch (const asim::CancelledError&) {
    cancelled = true;
  }
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(server->is_serving());
  EXPECT_TRUE(server->sockets().empty());
  writer->close();
}

TEST(Server, CancellingServeForeverClosesTheServer) { asim::run(serve_forever_until_cancelled()); }

Coro<bool> wait_closed_waits_for_the_last_connection() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("x\n");
  (void)co_await reader->readline();
  auto waiting = asim::create_task(server->wait_closed());
  co_await asim::sleep(0);
  server->close();
  co_await asim::sleep(0);
  const bool done_while_connected = waiting.done();
  writer->close();  // the echo handler sees EOF and closes its side
  co_await waiting;
  co_return done_while_connected;
}

TEST(Server, WaitClosedStartedBeforeCloseWaitsForTheLastConnection) {
  EXPECT_FALSE(asim::run(wait_closed_waits_for_the_last_connection()));
}

Coro<void> raise_in_handler(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> /*writer*/) {
  (void)co_await reader->readline();
  throw asim::ValueError("handler failed");
}

Coro<std::string> handler_error_closes_the_connection() {
  auto server = co_await asim::start_server(&raise_in_handler, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  writer->write("boom\n");
  std::string rest = co_await reader->read();  // EOF: the transport was closed
  writer->close();
  server->close();
  co_return rest;
}

TEST(Server, AnExceptionInTheHandlerIsReportedAndClosesTheConnection) {
  RealLoop loop;
  std::vector<std::string> reports;
  loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext& context) {
    reports.push_back(context.message + ": " + asim::describe_exception(context.exception));
  });
  EXPECT_EQ(loop.run_until_complete(handler_error_closes_the_connection()), "");
  EXPECT_EQ(reports,
            (std::vector<std::string>{"Unhandled exception in client_connected_cb: ValueError: handler failed"}));
}

Coro<std::string> bind_twice() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  std::string error_class;
  try {
    asim::StreamServerOptions options;
    options.server.reuse_address = false;
    (void)co_await asim::start_server(&echo_lines, "127.0.0.1", port_of(server), options);
  } catch (const asim::OSError& e) {
    error_class = e.class_name();
    EXPECT_EQ(e.error_number(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find("error while attempting to bind on address ('127.0.0.1', "), std::string::npos)
        << e.what();
  }
  server->close();
  co_return error_class;
}

TEST(Server, BindingAPortInUseRaisesOSError) { EXPECT_EQ(asim::run(bind_twice()), "OSError"); }

// -- cancellation leaves no descriptor open ----------------------------------------

Coro<void> connect_and_talk(std::uint16_t port) {
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port);
  writer->write("ping\n");
  co_await writer->drain();
  (void)co_await reader->readline();
  writer->close();
  co_await writer->wait_closed();
}

Coro<std::size_t> cancel_after(std::uint16_t port, int iterations) {
  auto task = asim::create_task(connect_and_talk(port));
  for (int i = 0; i < iterations && !task.done(); ++i) co_await asim::sleep(0);
  task.cancel();
  try {
    co_await task;
  } catch (const asim::CancelledError&) {
  }
  // Let the connection-lost callbacks that cancellation scheduled run.
  for (int i = 0; i < 5; ++i) co_await asim::sleep(0);
  co_return open_fd_count();
}

Coro<void> yield_once() { co_await asim::sleep(0); }

Coro<void> start_and_hold(std::shared_ptr<std::shared_ptr<asim::Server>> slot) {
  *slot = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
}

TEST(Streams, CancellingAClientAtAnyAwaitLeavesNoDescriptorOpen) {
  RealLoop loop;
  // A client cancelled with the echo still unread makes its kernel reset the
  // connection: the server's handler then fails with ConnectionResetError, which
  // start_server reports (as asyncio does). Nothing else may be reported.
  std::vector<std::string> reports;
  loop.set_exception_handler([&reports](asim::EventLoop&, const asim::ExceptionContext& context) {
    reports.push_back(context.message + ": " + asim::stream_error_class_name(context.exception));
  });
  auto slot = std::make_shared<std::shared_ptr<asim::Server>>();
  loop.run_until_complete(start_and_hold(slot));
  const std::uint16_t port = port_of(*slot);
  const std::size_t baseline = open_fd_count();
  // Iteration counts past the whole exchange cover every await of the client.
  for (int iterations = 0; iterations < 40; ++iterations) {
    const std::size_t after = loop.run_until_complete(cancel_after(port, iterations));
    // The server's side of a cancelled connection closes once it sees EOF: give it
    // the iterations it needs (loopback delivers at once), then count again.
    std::size_t settled = after;
    for (int spin = 0; spin < 50 && settled != baseline; ++spin) {
      loop.run_until_complete(yield_once());
      settled = open_fd_count();
    }
    EXPECT_EQ(settled, baseline) << "cancelled after " << iterations << " iterations";
  }
  (*slot)->close();
  loop.run_until_complete(yield_once());
  EXPECT_EQ(open_fd_count(), baseline - 1);  // the listener
  for (const std::string& report : reports) {
    EXPECT_EQ(report, "Unhandled exception in client_connected_cb: ConnectionResetError");
  }
}

Coro<void> cancel_server_side_awaits() {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
  // A reader blocked in readline, a writer blocked in wait_closed, a server blocked
  // in wait_closed: cancel them all.
  auto reading = asim::create_task(reader->readline());
  auto closing = asim::create_task(writer->wait_closed());
  auto server_closing = asim::create_task(server->wait_closed());
  co_await asim::sleep(0);
  reading.cancel();
  closing.cancel();
  server_closing.cancel();
  for (auto* task : {&closing, &server_closing}) {
    try {
      co_await *task;
    } catch (const asim::CancelledError&) {
    }
  }
  try {
    (void)co_await reading;
  } catch (const asim::CancelledError&) {
  }
  // The reader is usable again after a cancelled read.
  writer->write("still\n");
  EXPECT_EQ(co_await reader->readline(), "still\n");
  writer->close();
  // As in CPython 3.11, cancelling a wait_closed() cancelled the close waiter itself.
  bool cancelled_waiter = false;
  try {
    co_await writer->wait_closed();
  } catch (const asim::CancelledError&) {
    cancelled_waiter = true;
  }
  EXPECT_TRUE(cancelled_waiter);
  server->close();
  co_await server->wait_closed();
}

TEST(Streams, CancelledReadsAndWaitsLeaveTheStreamUsableAndNoDescriptorOpen) {
  const std::size_t before = open_fd_count();
  asim::run(cancel_server_side_awaits());
  EXPECT_EQ(open_fd_count(), before);
}

Coro<void> cancel_start_server() {
  const std::size_t before = open_fd_count();
  auto starting = asim::create_task(asim::start_server(&echo_lines, "127.0.0.1", 0));
  co_await asim::sleep(0);  // the task bound and armed the listener, then yielded once
  EXPECT_FALSE(starting.done());
  starting.cancel();
  bool cancelled = false;
  try {
    (void)co_await starting;
  } catch (const asim::CancelledError&) {
    cancelled = true;
  }
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(open_fd_count(), before);
}

TEST(Server, CancellingStartServerClosesTheListeners) { asim::run(cancel_start_server()); }

Coro<void> leave_connections_open(std::shared_ptr<std::vector<std::shared_ptr<StreamWriter>>> keep) {
  auto server = co_await asim::start_server(&echo_lines, "127.0.0.1", 0);
  for (int i = 0; i < 3; ++i) {
    auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port_of(server));
    writer->write("hi\n");
    (void)co_await reader->readline();
    keep->push_back(writer);
  }
}

TEST(Streams, DestroyingTheLoopClosesConnectionsAndListenersLeftOpen) {
  const std::size_t before = open_fd_count();
  auto keep = std::make_shared<std::vector<std::shared_ptr<StreamWriter>>>();
  {
    RealLoop loop;
    loop.set_exception_handler([](asim::EventLoop&, const asim::ExceptionContext&) {});
    loop.run_until_complete(leave_connections_open(keep));
  }
  keep->clear();  // writers that outlive their loop are only dropped
  EXPECT_EQ(open_fd_count(), before);
}

// -- datagrams ------------------------------------------------------------------------

Coro<void> udp_echo() {
  asim::DatagramOptions server_options;  // named: g++ 12 mishandles braced lists in a co_await operand
  server_options.local_addr = asim::SocketAddress{"127.0.0.1", 0};
  auto server = co_await asim::DatagramSocket::create(server_options);
  const asim::SocketAddress server_address = server->sockname();
  EXPECT_NE(server_address.port, 0);
  asim::DatagramOptions client_options;
  client_options.remote_addr = server_address;
  auto client = co_await asim::DatagramSocket::create(client_options);
  client->sendto("ping");
  auto [data, from] = co_await server->recvfrom();
  EXPECT_EQ(data, "ping");
  EXPECT_EQ(from, client->sockname());
  server->sendto("pong:" + data, from);
  auto [reply, reply_from] = co_await client->recvfrom();
  EXPECT_EQ(reply, "pong:ping");
  EXPECT_EQ(reply_from, server_address);
  client->close();
  server->close();
}

TEST(Datagrams, SendtoAndRecvfromExchangeDatagramsOverLoopback) {
  const std::size_t before = open_fd_count();
  {
    RealLoop loop;
    loop.run_until_complete(udp_echo());
  }
  EXPECT_EQ(open_fd_count(), before);
}

Coro<std::string> udp_refused() {
  asim::DatagramOptions options;
  asim::DatagramOptions probe_options;
  probe_options.local_addr = asim::SocketAddress{"127.0.0.1", 0};
  auto probe = co_await asim::DatagramSocket::create(probe_options);
  options.remote_addr = probe->sockname();
  probe->close();  // nobody receives there any more
  co_await asim::sleep(0);
  auto client = co_await asim::DatagramSocket::create(options);
  client->sendto("anyone?");
  std::string error_class;
  try {
    (void)co_await client->recvfrom();
  } catch (const asim::OSError& e) {
    error_class = e.class_name();
  }
  client->close();
  co_return error_class;
}

// A protocol of one's own over create_datagram_endpoint, as asyncio users write them.
class RecordingDatagrams final : public asim::DatagramProtocol {
 public:
  void connection_made(const std::shared_ptr<asim::DatagramTransport>& transport) override {
    events.push_back("made on " + transport->get_extra_info("sockname").value().host);
  }
  void datagram_received(std::string_view data, const asim::SocketAddress& addr) override {
    events.push_back("got " + std::string(data) + " from " + addr.host);
    if (!arrived.done()) arrived.set_result();
  }
  void connection_lost(std::exception_ptr error) override { events.push_back(error ? "lost with error" : "lost"); }

  std::vector<std::string> events;
  asim::Future<void> arrived;
};

Coro<std::vector<std::string>> datagram_protocol_over_ipv6() {
  auto protocol = std::make_shared<RecordingDatagrams>();
  protocol->arrived = asim::get_running_loop().create_future<void>();
  asim::DatagramOptions options;
  options.local_addr = asim::SocketAddress{"::1", 0};
  asim::DatagramProtocolFactory factory = [protocol]() -> std::shared_ptr<asim::DatagramProtocol> { return protocol; };
  auto endpoint = co_await asim::create_datagram_endpoint(std::move(factory), options);
  const asim::SocketAddress address = endpoint.first->get_extra_info("sockname").value();
  EXPECT_EQ(address.family, asim::SocketAddress::Family::ipv6);
  asim::DatagramOptions client_options;
  client_options.remote_addr = address;
  auto client = co_await asim::DatagramSocket::create(client_options);
  client->sendto("six");
  co_await protocol->arrived;
  endpoint.first->close();
  client->close();
  co_await asim::sleep(0);  // connection_lost is a callback of its own
  co_return protocol->events;
}

TEST(Datagrams, ACustomDatagramProtocolReceivesOverIpv6Loopback) {
  if (!asim::testing::has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this machine";
  EXPECT_EQ(asim::run(datagram_protocol_over_ipv6()),
            (std::vector<std::string>{"made on ::1", "got six from ::1", "lost"}));
}

TEST(Datagrams, AnIcmpPortUnreachableSurfacesAsConnectionRefusedError) {
  EXPECT_EQ(asim::run(udp_refused()), "ConnectionRefusedError");
}

}  // namespace
