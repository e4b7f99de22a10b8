// SPDX-License-Identifier: MIT
// network_measure: messages per second through the simulated network (not a test).
// 100 connections from web1 to db1; each client writes 1000 lines of 16 bytes and
// reads each echo back, so 1e5 messages (2e5 segments) cross the network. Prints wall
// and CPU seconds and messages per wall second, for the default options (chosen
// latency) and for SimOptions::cpython() (zero latency, no choices).
#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int connections = 100;
constexpr int messages_per_connection = 1000;

asim::Coro<void> echo(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  while (true) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    writer->write(line);
  }
  writer->close();
}

asim::Coro<void> serve() {
  auto server = co_await asim::start_server(&echo, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

asim::Coro<void> client(std::shared_ptr<std::uint64_t> received) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  for (int i = 0; i < messages_per_connection; ++i) {
    writer->write("message 12345678\n");
    std::string line = co_await reader->readline();
    if (!line.empty()) ++*received;
  }
  writer->close();
}

asim::Coro<void> world(asim::sim::SimLoop& loop, std::shared_ptr<std::uint64_t> received) {
  auto& network = loop.network();
  auto& web = network.add_host("web1");
  auto server = network.add_host("db1").spawn(serve());
  co_await asim::sleep(0);
  std::vector<asim::Task<void>> clients;
  for (int i = 0; i < connections; ++i) clients.push_back(web.spawn(client(received)));
  for (auto& task : clients) co_await task;
  server.cancel();
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void measure(const char* name, asim::sim::SimOptions options) {
  auto received = std::make_shared<std::uint64_t>(0);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  std::uint64_t segments = 0;
  double virtual_seconds = 0;
  {
    asim::sim::SimLoop loop(1, options);
    try {
      loop.run_until_complete(world(loop, received));
    } catch (const asim::CancelledError&) {
    }
    segments = loop.network().segments_delivered();
    virtual_seconds = loop.time();
  }
  const double cpu = cpu_seconds() - cpu_start;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-28s %llu messages echoed, %llu segments, %.3f virtual s, %.3f wall s, %.3f cpu s, %.0f messages/cpu s\n",
              name, static_cast<unsigned long long>(*received), static_cast<unsigned long long>(segments),
              virtual_seconds, wall, cpu, double(*received) / cpu);
}

}  // namespace

int main() {
  measure("cpython() (zero latency)", asim::sim::SimOptions::cpython());
  measure("default (chosen latency)", asim::sim::SimOptions{});
  return 0;
}
