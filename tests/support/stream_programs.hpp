// SPDX-License-Identifier: MIT
// Stream programs of different shapes that log what happens, for the sim-vs-real
// property: each must log the same events in the same order on RealLoop over loopback
// and on SimLoop's network with zero latency (SimOptions::cpython()). Every program
// listens on 127.0.0.1 port 0 and only logs what its awaits make deterministic on a real
// loopback too. tests/sim/network_vs_real_test.cpp runs them; line_protocol.hpp is the
// first such program (with CPython's events).
#pragma once

#include <asim/asim.hpp>

#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asim::testing::stream_programs {

using Log = std::shared_ptr<std::vector<std::string>>;

inline std::uint16_t port_of(const std::shared_ptr<Server>& server) { return server->sockets().at(0).port; }

inline std::string chomp(const std::string& line) {
  return !line.empty() && line.back() == '\n' ? line.substr(0, line.size() - 1) : line;
}

// -- echo with a half-close ---------------------------------------------------------

inline Coro<void> echo_until_eof(Log log, std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  int lines = 0;
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    ++lines;
    writer->write(line);
    co_await writer->drain();
  }
  log->push_back("server: eof after " + std::to_string(lines) + " lines");
  writer->write("bye\n");
  writer->close();
  co_await writer->wait_closed();
  log->push_back("server: closed");
}

/// The client writes all its lines, half-closes, then reads the echoes and the farewell.
inline Coro<void> echo_with_half_close(Log log) {
  ClientConnectedCallback handler = [log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return echo_until_eof(log, std::move(r), std::move(w));
  };
  auto server = co_await start_server(std::move(handler), "127.0.0.1", 0);
  auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
  for (const char* line : {"one\n", "two\n", "three\n"}) writer->write(line);
  writer->write_eof();
  log->push_back(std::string("client: can_write_eof ") + (writer->can_write_eof() ? "yes" : "no"));
  std::string all = co_await reader->read();
  log->push_back("client: read '" + chomp(all) + "'");
  log->push_back(std::string("client: at_eof ") + (reader->at_eof() ? "yes" : "no"));
  writer->close();
  co_await writer->wait_closed();
  server->close();
  co_await server->wait_closed();
  log->push_back("client: done");
}

// -- many clients, one server -------------------------------------------------------

inline Coro<void> greet(Log log, std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  std::string name = chomp(co_await reader->readline());
  log->push_back("server: hello from " + name);
  writer->write("hello " + name + "\n");
  co_await writer->drain();
  std::string rest = co_await reader->read();
  log->push_back("server: " + name + " left" + (rest.empty() ? "" : " saying " + rest));
  writer->close();
}

inline Coro<std::string> one_client(std::uint16_t port, std::string name, Log log) {
  auto [reader, writer] = co_await open_connection("127.0.0.1", port);
  writer->write(name + "\n");
  std::string answer = chomp(co_await reader->readline());
  log->push_back("client " + name + ": " + answer);
  writer->close();
  co_await writer->wait_closed();
  co_return answer;
}

/// Clients connect one after the other, each greets, waits for its answer and leaves;
/// then the same clients run concurrently, gathered, and only their results are logged.
inline Coro<void> many_clients_one_server(Log log) {
  // The log the server writes to: the concurrent phase switches it to a side log.
  auto server_log = std::make_shared<Log>(log);
  ClientConnectedCallback handler = [server_log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return greet(*server_log, std::move(r), std::move(w));
  };
  auto server = co_await start_server(std::move(handler), "127.0.0.1", 0);
  const std::uint16_t port = port_of(server);
  for (const char* name : {"ann", "bob", "cy"}) (void)co_await one_client(port, name, log);
  // Concurrent clients: the server's and clients' lines interleave as the loop schedules
  // them (on a real loop, as the kernel reports readiness), so they go to a side log.
  auto side = std::make_shared<std::vector<std::string>>();
  *server_log = side;
  std::vector<Task<std::string>> tasks;
  for (const char* name : {"d1", "d2", "d3", "d4"}) tasks.push_back(create_task(one_client(port, name, side)));
  std::vector<std::string> answers;
  for (auto& task : tasks) answers.push_back(co_await task);
  for (const std::string& answer : answers) log->push_back("gathered: " + answer);
  server->close();
  co_await server->wait_closed();
  log->push_back("client: active connections " + std::to_string(server->sockets().size()));
}

// -- framing: readuntil / readexactly, IncompleteReadError at EOF ---------------------

inline Coro<void> read_frames(Log log, std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  try {
    while (true) {
      std::string header = co_await reader->readuntil(":");
      const auto size = static_cast<std::int64_t>(std::stoi(header.substr(0, header.size() - 1)));
      std::string body = co_await reader->readexactly(size);
      log->push_back("server: frame '" + body + "'");
      writer->write("ok " + std::to_string(body.size()) + "\n");
    }
  } catch (const IncompleteReadError& e) {
    log->push_back("server: IncompleteReadError partial '" + e.partial() + "' expected " +
                   (e.expected() ? std::to_string(*e.expected()) : std::string("None")) + ": " + e.what());
  }
  writer->close();
}

/// Frames "<size>:<bytes>"; the last frame is cut short by the client's EOF.
inline Coro<void> framing_with_incomplete_read(Log log) {
  ClientConnectedCallback handler = [log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return read_frames(log, std::move(r), std::move(w));
  };
  auto server = co_await start_server(std::move(handler), "127.0.0.1", 0);
  auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
  writer->write("5:hello");
  writer->write("3:ab");
  writer->write("c11:split");
  co_await writer->drain();
  log->push_back("client: " + chomp(co_await reader->readline()));
  log->push_back("client: " + chomp(co_await reader->readline()));
  writer->write(" frame");
  writer->write("9:abc");
  writer->write_eof();
  std::string rest = co_await reader->read();
  log->push_back("client: rest '" + chomp(rest) + "'");
  // A header cut by EOF: readuntil's own IncompleteReadError, on a reader of our own.
  StreamReader local;
  local.feed_data("12");
  local.feed_eof();
  try {
    (void)co_await local.readuntil(":");
  } catch (const IncompleteReadError& e) {
    log->push_back(std::string("client: readuntil at eof: ") + e.what());
  }
  writer->close();
  co_await writer->wait_closed();
  server->close();
  co_await server->wait_closed();
}

// -- the server closes while clients are connected ------------------------------------

inline Coro<void> answer_lines(Log log, std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    writer->write("re: " + line);
  }
  log->push_back("server: connection ends");
  writer->close();
}

/// Server.close() stops accepting but leaves connections open (3.11): the connected
/// client still talks, a new client is refused, wait_closed returns at once.
inline Coro<void> server_close_with_clients(Log log) {
  ClientConnectedCallback handler = [log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return answer_lines(log, std::move(r), std::move(w));
  };
  auto server = co_await start_server(std::move(handler), "127.0.0.1", 0);
  const std::uint16_t port = port_of(server);
  auto [reader, writer] = co_await open_connection("127.0.0.1", port);
  writer->write("before\n");
  log->push_back("client: " + chomp(co_await reader->readline()));
  server->close();
  log->push_back(std::string("client: serving ") + (server->is_serving() ? "yes" : "no") + ", sockets " +
                 std::to_string(server->sockets().size()));
  co_await server->wait_closed();
  log->push_back("client: wait_closed returned");
  writer->write("after\n");
  log->push_back("client: " + chomp(co_await reader->readline()));
  try {
    (void)co_await open_connection("127.0.0.1", port);
    log->push_back("client: a new connection was accepted");
  } catch (const ConnectionRefusedError& e) {
    log->push_back(std::string("client: new connection refused: ") + e.class_name());
  }
  writer->write_eof();
  log->push_back("client: eof read '" + co_await reader->read() + "'");
  writer->close();
  co_await writer->wait_closed();
}

// -- datagram ping-pong --------------------------------------------------------------

inline Coro<void> pong(Log log, std::shared_ptr<DatagramSocket> socket, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    auto [data, from] = co_await socket->recvfrom();
    log->push_back("server: " + data);
    socket->sendto("pong " + data.substr(5), from);
  }
}

/// A bound endpoint answers each ping of a connected one; then the client sends to a
/// port nobody bound and hears ConnectionRefusedError (an ICMP on loopback).
inline Coro<void> datagram_ping_pong(Log log) {
  DatagramOptions server_options;
  server_options.local_addr = SocketAddress{"127.0.0.1", 0};
  auto server = co_await DatagramSocket::create(server_options);
  auto answering = create_task(pong(log, server, 3));
  DatagramOptions client_options;
  client_options.remote_addr = SocketAddress{"127.0.0.1", server->sockname().port};
  auto client = co_await DatagramSocket::create(client_options);
  for (int i = 1; i <= 3; ++i) {
    client->sendto("ping " + std::to_string(i));
    auto [data, from] = co_await client->recvfrom();
    log->push_back("client: " + data + " from " + from.host);
  }
  co_await answering;
  const std::uint16_t gone = server->sockname().port;
  server->close();
  client->close();
  DatagramOptions lost_options;
  lost_options.remote_addr = SocketAddress{"127.0.0.1", gone};
  auto lonely = co_await DatagramSocket::create(lost_options);
  lonely->sendto("anyone?");
  try {
    (void)co_await lonely->recvfrom();
    log->push_back("client: an answer from a closed port");
  } catch (const ConnectionRefusedError& e) {
    log->push_back(std::string("client: ") + e.class_name());
  }
  lonely->close();
}

/// What CPython 3.11.7 logs for each program (tests/support/python/stream_programs.py).
inline const std::vector<std::string>& cpython_events(std::string_view program) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string>>> all = {
      {"EchoWithHalfClose",
       {
           "client: can_write_eof yes",
           "server: eof after 3 lines",
           "server: closed",
           "client: read 'one\ntwo\nthree\nbye'",
           "client: at_eof yes",
           "client: done",
       }},
      {"ManyClientsOneServer",
       {
           "server: hello from ann",
           "client ann: hello ann",
           "server: ann left",
           "server: hello from bob",
           "client bob: hello bob",
           "server: bob left",
           "server: hello from cy",
           "client cy: hello cy",
           "server: cy left",
           "gathered: hello d1",
           "gathered: hello d2",
           "gathered: hello d3",
           "gathered: hello d4",
           "client: active connections 0",
       }},
      {"FramingWithIncompleteRead",
       {
           "server: frame 'hello'",
           "server: frame 'abc'",
           "client: ok 5",
           "client: ok 3",
           "server: frame 'split frame'",
           "server: IncompleteReadError partial 'abc' expected 9: 3 bytes read on a total of 9 expected bytes",
           "client: rest 'ok 11'",
           "client: readuntil at eof: 2 bytes read on a total of undefined expected bytes",
       }},
      {"ServerCloseWithClientsConnected",
       {
           "client: re: before",
           "client: serving no, sockets 0",
           "client: wait_closed returned",
           "client: re: after",
           "client: new connection refused: ConnectionRefusedError",
           "server: connection ends",
           "client: eof read ''",
       }},
      {"DatagramPingPong",
       {
           "server: ping 1",
           "client: pong 1 from 127.0.0.1",
           "server: ping 2",
           "client: pong 2 from 127.0.0.1",
           "server: ping 3",
           "client: pong 3 from 127.0.0.1",
           "client: ConnectionRefusedError",
       }},
  };
  for (const auto& [name, events] : all) {
    if (name == program) return events;
  }
  throw std::invalid_argument("no CPython events for " + std::string(program));
}

struct Program {
  const char* name;
  Coro<void> (*run)(Log);
};

inline void PrintTo(const Program& program, std::ostream* out) { *out << program.name; }

inline const std::vector<Program>& programs() {
  static const std::vector<Program> all = {
      {"EchoWithHalfClose", &echo_with_half_close},
      {"ManyClientsOneServer", &many_clients_one_server},
      {"FramingWithIncompleteRead", &framing_with_incomplete_read},
      {"ServerCloseWithClientsConnected", &server_close_with_clients},
      {"DatagramPingPong", &datagram_ping_pong},
  };
  return all;
}

}  // namespace asim::testing::stream_programs
