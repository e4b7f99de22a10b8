// SPDX-License-Identifier: MIT
// network_measure: messages per second through the simulated network (not a test).
// 100 connections from web1 to db1; each client writes 1000 lines of 16 bytes and
// reads each echo back, so 1e5 messages (2e5 segments) cross the network. Prints wall
// and CPU seconds and messages per wall second, for the default options (chosen
// latency) and for SimOptions::cpython() (zero latency, no choices), each without and
// with a link bandwidth (flow control: drain waits, segments take the link in turn).
// Then a bulk transfer: 10 connections each write 10 MiB in 64 KiB writes with drain
// over a 1 GiB/s link.
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

using World = asim::Coro<void> (*)(asim::sim::SimLoop&, std::shared_ptr<std::uint64_t>);

// Bulk: each client writes 10 MiB in 64 KiB writes, draining after each; the server
// counts the bytes (received counts MiB).
asim::Coro<void> sink(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  while (!(co_await reader->read(1 << 16)).empty()) {
  }
  writer->close();
}

asim::Coro<void> bulk_client(std::shared_ptr<std::uint64_t> received) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  const std::string block(1 << 16, 'x');
  for (int i = 0; i < 160; ++i) {
    writer->write(block);
    co_await writer->drain();
  }
  *received += 10;
  writer->close();
  co_await writer->wait_closed();
}

asim::Coro<void> bulk_serve() {
  auto server = co_await asim::start_server(&sink, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

asim::Coro<void> bulk_world(asim::sim::SimLoop& loop, std::shared_ptr<std::uint64_t> received) {
  auto& network = loop.network();
  auto& web = network.add_host("web1");
  auto server = network.add_host("db1").spawn(bulk_serve());
  co_await asim::sleep(0);
  std::vector<asim::Task<void>> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(web.spawn(bulk_client(received)));
  for (auto& task : clients) co_await task;
  server.cancel();
}

void measure(const char* name, asim::sim::SimOptions options, double bandwidth, World body = &world,
             const char* unit = "messages") {
  auto received = std::make_shared<std::uint64_t>(0);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  std::uint64_t segments = 0;
  double virtual_seconds = 0;
  {
    asim::sim::SimLoop loop(1, options);
    asim::sim::LinkOptions link;
    link.bandwidth = bandwidth;
    loop.network().set_link_options(link);
    try {
      loop.run_until_complete(body(loop, received));
    } catch (const asim::CancelledError&) {
    }
    segments = loop.network().segments_delivered();
    virtual_seconds = loop.time();
  }
  const double cpu = cpu_seconds() - cpu_start;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-44s %llu %s, %llu segments, %.3f virtual s, %.3f wall s, %.3f cpu s, %.0f %s/cpu s\n", name,
              static_cast<unsigned long long>(*received), unit, static_cast<unsigned long long>(segments),
              virtual_seconds, wall, cpu, double(*received) / cpu, unit);
}

}  // namespace

int main() {
  constexpr double gigabyte = 1024.0 * 1024.0 * 1024.0;
  measure("cpython() (zero latency)", asim::sim::SimOptions::cpython(), 0);
  measure("cpython(), 100 MB/s link", asim::sim::SimOptions::cpython(), 100e6);
  measure("default (chosen latency)", asim::sim::SimOptions{}, 0);
  measure("default, 100 MB/s link", asim::sim::SimOptions{}, 100e6);
  measure("bulk 10 x 10 MiB, cpython(), no bandwidth", asim::sim::SimOptions::cpython(), 0, &bulk_world, "MiB");
  measure("bulk 10 x 10 MiB, cpython(), 1 GiB/s link", asim::sim::SimOptions::cpython(), gigabyte, &bulk_world, "MiB");
  return 0;
}
