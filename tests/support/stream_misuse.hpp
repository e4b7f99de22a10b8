// SPDX-License-Identifier: MIT
// The misuse matrix of streams and servers, shared by RealLoop over loopback
// (tests/runtime/streams_misuse_test.cpp) and the simulated network
// (tests/sim/network_misuse_test.cpp): each wrong use raises what CPython 3.11.7 raises
// (class and message), or, where CPython accepts the call, behaves as it does (rows
// whose class is "None": read after close returns b'', write after close is dropped, a
// second wait_closed and a second server close return quietly). The table was checked
// against python3 3.11.7 with the same sequence of calls. Bodies only use 127.0.0.1
// and port 0, so they run unchanged on either loop (on SimLoop, inside a host).
#pragma once

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <exception>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/stream_test_support.hpp"

namespace asim::testing::stream_misuse {

using asim::Coro;

struct StreamMisuse {
  const char* name;
  const char* error_class;  // as stream_error_class_name() prints it; "None": no error
  const char* message;      // a fragment of what()
  Coro<void> (*body)();
};

inline void PrintTo(const StreamMisuse& misuse, std::ostream* out) { *out << misuse.name; }

struct Connection {
  std::shared_ptr<asim::Server> server;
  std::shared_ptr<asim::StreamReader> reader;
  std::shared_ptr<asim::StreamWriter> writer;
};

// The server side reads until EOF, then closes.
inline Coro<void> read_to_eof(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  (void)co_await reader->read();
  writer->close();
}

// The server side reads a line, then aborts.
inline Coro<void> abort_after_a_line(std::shared_ptr<asim::StreamReader> reader,
                                     std::shared_ptr<asim::StreamWriter> writer) {
  (void)co_await reader->readline();
  writer->transport().abort();
}

inline Coro<Connection> connect_pair() {
  auto server = co_await asim::start_server(&read_to_eof, "127.0.0.1", 0);
  auto streams = co_await asim::open_connection("127.0.0.1", asim::testing::port_of(server));
  co_return Connection{server, streams.first, streams.second};
}

// A row whose call CPython accepts fails the test through this error if the result differs.
inline void expect_result(bool as_cpython, const char* what) {
  if (!as_cpython) throw std::logic_error(std::string("differs from CPython: ") + what);
}

inline const std::vector<StreamMisuse>& matrix() {
  static const std::vector<StreamMisuse> rows = {
      {"ReadAfterClose", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         std::string data = co_await c.reader->read(10);
         expect_result(data.empty(), "read after close returns b''");
         c.server->close();
       }},
      {"ReadAfterWaitClosed", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         co_await c.writer->wait_closed();
         std::string data = co_await c.reader->read(10);
         expect_result(data.empty() && c.reader->at_eof(), "read after wait_closed returns b''");
         c.server->close();
       }},
      {"WriteAfterClose", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         c.writer->write("dropped");
         expect_result(c.writer->transport().get_write_buffer_size() == 0, "the write is dropped");
         c.server->close();
       }},
      {"DrainOnAClosedWriter", "ConnectionResetError", "Connection lost",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->close();
         co_await c.writer->drain();
       }},
      {"DrainAfterWaitClosed", "ConnectionResetError", "Connection lost",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->close();
         co_await c.writer->wait_closed();
         co_await c.writer->drain();
       }},
      {"WriteAndDrainAfterWaitClosed", "ConnectionResetError", "Connection lost",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->close();
         co_await c.writer->wait_closed();
         c.writer->write("x");
         co_await c.writer->drain();
       }},
      // Linux closes an aborted socket with a FIN when nothing was left unread.
      {"ReadWriteAndDrainAfterThePeerAborted", "None", "",
       []() -> Coro<void> {
         auto server = co_await asim::start_server(&abort_after_a_line, "127.0.0.1", 0);
         auto streams = co_await asim::open_connection("127.0.0.1", asim::testing::port_of(server));
         auto& [reader, writer] = streams;
         writer->write("bye\n");
         std::string data = co_await reader->read();
         expect_result(data.empty() && reader->at_eof(), "read after the peer aborted returns b''");
         writer->write("x");
         co_await writer->drain();
         writer->close();
         co_await writer->wait_closed();
         server->close();
       }},
      // The "x" reaches a closed socket, whose kernel answers with a reset; after the
      // FIN the next send fails with EPIPE (the reset is not read: reading stopped at EOF).
      {"WriteAfterThePeerAbortedAndResetRaisesBrokenPipeError", "BrokenPipeError", "[Errno 32] Broken pipe",
       []() -> Coro<void> {
         auto server = co_await asim::start_server(&abort_after_a_line, "127.0.0.1", 0);
         auto streams = co_await asim::open_connection("127.0.0.1", asim::testing::port_of(server));
         auto& [reader, writer] = streams;
         server->close();
         writer->write("bye\n");
         (void)co_await reader->read();
         writer->write("x");
         co_await writer->drain();
         co_await asim::sleep(0.002);  // the reset comes back
         writer->write("again");
         co_await asim::sleep(0);
         co_await writer->drain();
       }},
      {"ReadexactlyPastEof", "IncompleteReadError", "3 bytes read on a total of 10 expected bytes",
       []() -> Coro<void> {
         asim::StreamReader reader;
         reader.feed_data("abc");
         reader.feed_eof();
         (void)co_await reader.readexactly(10);
       }},
      {"ReadexactlyPastTheEndOfAConnection", "IncompleteReadError", "0 bytes read on a total of 10 expected bytes",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->write_eof();  // the server reads to EOF and closes: our reader sees EOF
         (void)co_await c.reader->readexactly(10);
       }},
      {"ReaduntilPastTheEndOfAConnection", "IncompleteReadError", "0 bytes read on a total of undefined expected bytes",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->write_eof();
         (void)co_await c.reader->readuntil("\n");
       }},
      {"ASecondWaitClosed", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         co_await c.writer->wait_closed();
         co_await c.writer->wait_closed();
         c.server->close();
       }},
      {"AServerClosedTwice", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.server->close();
         co_await c.server->wait_closed();
         co_await c.server->wait_closed();
         expect_result(!c.server->is_serving() && c.server->sockets().empty(), "closed twice stays closed");
         c.writer->close();
       }},
      {"ServeForeverOnAClosedServer", "RuntimeError", "is closed",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         c.server->close();
         co_await c.server->serve_forever();
       }},
      {"WriteAfterWriteEof", "RuntimeError", "Cannot call write() after write_eof()",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->write_eof();
         c.writer->write("late");
       }},
      {"WriteEofTwice", "None", "",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->write_eof();
         c.writer->write_eof();
         c.writer->close();
       }},
      {"TwoConcurrentReads", "RuntimeError",
       "read() called while another coroutine is already waiting for incoming data",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         auto first = asim::create_task(c.reader->read(10));
         co_await asim::sleep(0);
         struct CancelFirst {
           asim::Task<std::string>& task;
           ~CancelFirst() { task.cancel(); }
         } cancel_first{first};
         (void)co_await c.reader->read(10);
       }},
      {"ReaduntilAnEmptySeparator", "ValueError", "Separator should be at least one-byte string",
       []() -> Coro<void> {
         asim::StreamReader reader;
         (void)co_await reader.readuntil("");
       }},
      {"ReadexactlyANegativeSize", "ValueError", "readexactly size can not be less than zero",
       []() -> Coro<void> {
         asim::StreamReader reader;
         (void)co_await reader.readexactly(-1);
       }},
      {"AStreamReaderWithLimitZero", "ValueError", "Limit cannot be <= 0",
       []() -> Coro<void> {
         asim::StreamReader reader(0);
         co_return;
       }},
      {"WaterMarksWithLowAboveHigh", "ValueError", "high (10) must be >= low (20) must be >= 0",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.server->close();
         c.writer->close();
         c.writer->transport().set_write_buffer_limits(10, 20);
       }},
      {"ConnectingWhereNobodyListens", "ConnectionRefusedError", "Connect call failed ('127.0.0.1', ",
       []() -> Coro<void> {
         asim::testing::RefusingPort nobody;
         (void)co_await asim::open_connection("127.0.0.1", nobody.port());
       }},
      {"BindingAPortInUse", "OSError", "error while attempting to bind on address ('127.0.0.1', ",
       []() -> Coro<void> {
         auto c = co_await connect_pair();
         c.writer->close();
         asim::StreamServerOptions options;
         options.server.reuse_address = false;
         auto port = asim::testing::port_of(c.server);
         (void)co_await asim::start_server(&read_to_eof, "127.0.0.1", port, options);
       }},
      {"SendtoAnotherAddressOnAConnectedDatagramSocket", "ValueError",
       "Invalid address: must be None or ('127.0.0.1', ",
       []() -> Coro<void> {
         asim::DatagramOptions options;
         options.remote_addr = asim::SocketAddress{"127.0.0.1", 9};
         auto socket = co_await asim::DatagramSocket::create(options);
         struct CloseSocket {
           asim::DatagramSocket& socket;
           ~CloseSocket() { socket.close(); }
         } close_socket{*socket};
         socket->sendto("x", asim::SocketAddress{"127.0.0.1", 10, asim::SocketAddress::Family::ipv4});
       }},
      {"ADatagramEndpointWithNeitherAddress", "ValueError", "unexpected address family",
       []() -> Coro<void> { (void)co_await asim::DatagramSocket::create(asim::DatagramOptions{}); }},
  };
  return rows;
}

/// Checks what a row's body raised (`error`, null for none) against CPython's class and message.
inline void expect_raises_as_cpython(const StreamMisuse& row, const std::exception_ptr& error) {
  EXPECT_EQ(asim::stream_error_class_name(error), row.error_class) << asim::describe_exception(error);
  if (error) {
    EXPECT_NE(asim::describe_exception(error).find(row.message), std::string::npos) << asim::describe_exception(error);
  }
}

}  // namespace asim::testing::stream_misuse
