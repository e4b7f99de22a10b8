// SPDX-License-Identifier: MIT
// Stream programs generated from a seed, for the sim-vs-real property: a client task
// runs a random but valid script of steps over up to three connections to one server
// (connect, a request and its answer, pipelined requests, readexactly of a repeated
// payload, a half-close that reads the farewell, a close, closing the server so later
// connects are refused); the server logs each request and each EOF. Every step awaits
// what it logs, so the events are deterministic on a real loopback too.
#pragma once

#include <asim/asim.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace asim::testing::stream_program_generator {

using Log = std::shared_ptr<std::vector<std::string>>;

struct Step {
  enum Kind { connect, request, pipeline, repeat, half_close, close, close_server };
  Kind kind = connect;
  int connection = 0;  // index into the client's connections (in connect order)
  int count = 0;       // pipelined requests, or bytes to repeat
  std::string word;
};

namespace detail {
// splitmix64: test scripts need no std distribution (they differ between libraries).
struct Bits {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int bound) noexcept { return static_cast<int>(next() % static_cast<std::uint64_t>(bound)); }
};
}  // namespace detail

/// A valid script of 4 to 12 steps for `seed`.
inline std::vector<Step> generate(std::uint64_t seed) {
  static const char* const words[] = {"ant", "bee", "cat", "dog", "eel", "fox"};
  detail::Bits bits{seed};
  std::vector<Step> steps;
  std::vector<int> open;  // connections not yet closed
  int made = 0;
  bool serving = true;
  const int length = 4 + bits.below(9);
  for (int i = 0; i < length; ++i) {
    const int choice = bits.below(10);
    Step step;
    if (open.empty() || (choice == 0 && open.size() < 3)) {
      step.kind = Step::connect;
      step.connection = made;
      if (serving) {
        open.push_back(made);
        ++made;
      }
    } else {
      step.connection = open[static_cast<std::size_t>(bits.below(static_cast<int>(open.size())))];
      step.word = words[bits.below(6)];
      if (choice <= 3) {
        step.kind = Step::request;
      } else if (choice == 4) {
        step.kind = Step::pipeline;
        step.count = 2 + bits.below(3);
      } else if (choice == 5) {
        step.kind = Step::repeat;
        step.count = 1 + bits.below(40);
      } else if (choice == 6 || choice == 7) {
        step.kind = choice == 6 ? Step::half_close : Step::close;
        open.erase(std::find(open.begin(), open.end(), step.connection));
      } else if (choice == 8 && serving) {
        step.kind = Step::close_server;
        serving = false;
      } else {
        step.kind = Step::request;
      }
    }
    steps.push_back(step);
  }
  return steps;
}

/// One line per step, for failure messages.
inline std::string describe(const std::vector<Step>& steps) {
  static const char* const names[] = {"connect",    "request", "pipeline",    "repeat",
                                      "half_close", "close",   "close_server"};
  std::string out;
  for (const Step& step : steps) {
    out += std::string(names[step.kind]) + " c" + std::to_string(step.connection);
    if (step.count != 0) out += " n=" + std::to_string(step.count);
    if (!step.word.empty()) out += " " + step.word;
    out += "\n";
  }
  return out;
}

inline std::string chomp(std::string line) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

/// The server: "ECHO w" -> "w", "UPPER w" -> "W", "REPEAT n" -> n bytes in two writes
/// (no newline); at EOF it writes a farewell with its count and closes.
inline Coro<void> serve(Log log, std::shared_ptr<int> accepted, std::shared_ptr<StreamReader> reader,
                        std::shared_ptr<StreamWriter> writer) {
  const int id = (*accepted)++;
  const std::string who = "server #" + std::to_string(id);
  int requests = 0;
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    ++requests;
    line = chomp(line);
    log->push_back(who + ": " + line);
    if (line.starts_with("ECHO ")) {
      writer->write(line.substr(5) + "\n");
    } else if (line.starts_with("UPPER ")) {
      std::string word = line.substr(6);
      for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      writer->write(word + "\n");
    } else if (line.starts_with("REPEAT ")) {
      const int count = std::stoi(line.substr(7));
      const std::string payload(static_cast<std::size_t>(count), 'x');
      writer->write(payload.substr(0, payload.size() / 2));
      writer->write(payload.substr(payload.size() / 2));
    }
    co_await writer->drain();
  }
  log->push_back(who + ": eof after " + std::to_string(requests));
  writer->write("bye " + std::to_string(requests) + "\n");
  writer->close();
}

/// Starts the server on `bind_host`, port 0.
inline Coro<std::shared_ptr<Server>> start(Log log, std::string bind_host = "127.0.0.1") {
  auto accepted = std::make_shared<int>(0);
  ClientConnectedCallback handler = [log, accepted](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return serve(log, accepted, std::move(r), std::move(w));
  };
  co_return co_await start_server(std::move(handler), std::move(bind_host), 0);
}

/// Runs `steps` as the client, logging each step's outcome; closes what is left at the
/// end. Without a `server` it starts one on 127.0.0.1; else it connects to `server_host`.
inline Coro<void> run(std::vector<Step> steps, Log log, std::shared_ptr<Server> server = nullptr,
                      std::string server_host = "127.0.0.1") {
  if (!server) server = co_await start(log);
  const std::uint16_t port = server->sockets().at(0).port;
  struct Connection {
    std::shared_ptr<StreamReader> reader;
    std::shared_ptr<StreamWriter> writer;
  };
  std::vector<Connection> connections;
  for (const Step& step : steps) {
    const std::string who = "client c" + std::to_string(step.connection);
    switch (step.kind) {
      case Step::connect: {
        try {
          auto [reader, writer] = co_await open_connection(server_host, port);
          connections.push_back({reader, writer});
          log->push_back(who + ": connected");
        } catch (const ConnectionRefusedError& e) {
          log->push_back(who + ": " + e.class_name());
        }
        break;
      }
      case Step::request: {
        Connection& c = connections.at(static_cast<std::size_t>(step.connection));
        c.writer->write((step.word[0] % 2 == 0 ? "UPPER " : "ECHO ") + step.word + "\n");
        co_await c.writer->drain();
        log->push_back(who + ": " + chomp(co_await c.reader->readline()));
        break;
      }
      case Step::pipeline: {
        Connection& c = connections.at(static_cast<std::size_t>(step.connection));
        for (int i = 0; i < step.count; ++i) c.writer->write("ECHO " + step.word + std::to_string(i) + "\n");
        for (int i = 0; i < step.count; ++i) log->push_back(who + ": " + chomp(co_await c.reader->readline()));
        break;
      }
      case Step::repeat: {
        Connection& c = connections.at(static_cast<std::size_t>(step.connection));
        c.writer->write("REPEAT " + std::to_string(step.count) + "\n");
        std::string payload = co_await c.reader->readexactly(step.count);
        log->push_back(who + ": " + std::to_string(payload.size()) + " bytes");
        break;
      }
      case Step::half_close: {
        Connection& c = connections.at(static_cast<std::size_t>(step.connection));
        c.writer->write_eof();
        log->push_back(who + ": " + chomp(co_await c.reader->read()));
        c.writer->close();
        co_await c.writer->wait_closed();
        break;
      }
      case Step::close: {
        Connection& c = connections.at(static_cast<std::size_t>(step.connection));
        c.writer->close();
        co_await c.writer->wait_closed();
        log->push_back(who + ": closed");
        break;
      }
      case Step::close_server: {
        server->close();
        co_await server->wait_closed();
        log->push_back("client: server closed");
        break;
      }
    }
  }
  for (Connection& c : connections) {
    if (c.writer->is_closing()) continue;
    c.writer->write_eof();
    log->push_back("client: farewell " + chomp(co_await c.reader->read()));
    c.writer->close();
    co_await c.writer->wait_closed();
  }
  server->close();
  co_await server->wait_closed();
}

}  // namespace asim::testing::stream_program_generator
