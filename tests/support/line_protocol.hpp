// SPDX-License-Identifier: MIT
// A small line protocol over asyncio streams, and the events CPython 3.11.7 logs for it:
// the stream half of the sim-vs-real property (sockets, the in-memory world and the
// simulated network must all log the same events in the same order).
#pragma once

#include <asim/coro.hpp>
#include <asim/server.hpp>
#include <asim/streams.hpp>

#include <memory>
#include <string>
#include <vector>

namespace asim::testing::line_protocol {

using Log = std::shared_ptr<std::vector<std::string>>;

/// The server: answers each line with its length, then closes at EOF.
inline Coro<void> count_lines(Log log, std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  log->push_back("server: connection from " + writer->get_extra_info("peername").value().host);
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    log->push_back("server: got " + line.substr(0, line.size() - 1));
    writer->write(std::to_string(line.size() - 1) + "\n");
    co_await writer->drain();
  }
  log->push_back("server: eof, closing");
  writer->close();
  co_await writer->wait_closed();
  log->push_back("server: closed");
}

/// Starts the server on 127.0.0.1 (an ephemeral port), sends three lines, half-closes
/// and shuts everything down, logging each step.
inline Coro<void> exchange(Log log) {
  ClientConnectedCallback handler = [log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return count_lines(log, std::move(r), std::move(w));
  };
  auto server = co_await start_server(std::move(handler), "127.0.0.1", 0);
  log->push_back(std::string("client: server is serving: ") + (server->is_serving() ? "yes" : "no"));
  auto [reader, writer] = co_await open_connection("127.0.0.1", server->sockets().at(0).port);
  log->push_back("client: connected");
  for (const char* word : {"a", "bb", "ccc"}) {
    writer->write(std::string(word) + "\n");
    co_await writer->drain();
    std::string answer = co_await reader->readline();
    log->push_back("client: " + std::string(word) + " -> " + answer.substr(0, answer.size() - 1));
  }
  writer->write_eof();
  std::string rest = co_await reader->read();
  log->push_back("client: eof after '" + rest + "', at_eof " + (reader->at_eof() ? "yes" : "no"));
  writer->close();
  co_await writer->wait_closed();
  server->close();
  co_await server->wait_closed();
  log->push_back(std::string("client: done, sockets left ") + std::to_string(server->sockets().size()));
}

/// What CPython 3.11.7 logs for the same program over loopback.
inline const std::vector<std::string>& cpython_events() {
  static const std::vector<std::string> events = {
      "client: server is serving: yes",
      "server: connection from 127.0.0.1",
      "client: connected",
      "server: got a",
      "client: a -> 1",
      "server: got bb",
      "client: bb -> 2",
      "server: got ccc",
      "client: ccc -> 3",
      "server: eof, closing",
      "server: closed",
      "client: eof after '', at_eof yes",
      "client: done, sockets left 0",
  };
  return events;
}

}  // namespace asim::testing::line_protocol
