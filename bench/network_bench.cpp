// SPDX-License-Identifier: MIT
// The simulated network and the example service on it (asim_network_bench):
// - network_echo_1e5: 1e5 messages over 100 connections between two simulated hosts
//   (each of 100 clients writes 1000 lines of 16 bytes and reads each echo back: 1e5
//   requests, 1e5 echoes, 2e5 segments); one op = one message echoed. Arg 0: zero
//   latency, no choices (SimOptions::cpython()); 1: the default options and links (10 %
//   of segments draw an extra latency up to 1 ms); 2: every segment draws a latency
//   (0.5 ms base, up to 2 ms more, probability 1).
// - replicated_kv_sweep: the fixed replicated store of examples/replicated_kv swept over
//   200 seeds with the default exploration (nemesis, crashes, partitions, latency);
//   one op = one seed; counter virtual_s_per_s is virtual seconds simulated per CPU
//   second.
// - replicated_kv_find_bug: the buggy store: sweep from seed 0 to the first failure and
//   shrink it, as `asim demo replicated_kv` does; one op = one whole search.
#include "ops_report.hpp"

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include "replicated_kv/simulation.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace kv = asim::examples::replicated_kv;
using asim::bench::OpsReport;

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

asim::Coro<void> client(std::uint64_t* received) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  for (int i = 0; i < messages_per_connection; ++i) {
    writer->write("message 12345678\n");
    std::string line = co_await reader->readline();
    if (!line.empty()) ++*received;
  }
  writer->close();
}

asim::Coro<void> world(asim::sim::SimLoop& loop, std::uint64_t* received) {
  auto& network = loop.network();
  auto& web = network.add_host("web1");
  auto server = network.add_host("db1").spawn(serve(), "db1.server");
  co_await asim::sleep(0);
  std::vector<asim::Task<void>> clients;
  clients.reserve(connections);
  for (int i = 0; i < connections; ++i) clients.push_back(web.spawn(client(received)));
  for (auto& task : clients) co_await task;
  server.cancel();
  try {
    co_await server;
  } catch (const asim::CancelledError&) {
  }
}

// Arg 0: latency mode (0 cpython options, 1 default options, 2 every segment chosen);
// arg 1: the link's bandwidth in MB/s (0: none, writes never wait for the link).
void network_echo_1e5(benchmark::State& state) {
  const std::int64_t mode = state.range(0);
  const double bandwidth = static_cast<double>(state.range(1)) * 1e6;
  constexpr std::int64_t messages = std::int64_t{connections} * messages_per_connection;
  OpsReport report(messages);
  double virtual_seconds = 0;
  for (auto _ : state) {
    asim::sim::SimLoop loop(1, mode == 0 ? asim::sim::SimOptions::cpython() : asim::sim::SimOptions{});
    asim::sim::LinkOptions link;
    if (mode == 2) link = {.base_latency = 0.0005, .max_extra_latency = 0.002, .extra_latency_probability = 1.0};
    link.bandwidth = bandwidth;
    loop.network().set_link_options(link);
    std::uint64_t received = 0;
    loop.run_until_complete(world(loop, &received));
    if (received != static_cast<std::uint64_t>(messages)) throw std::logic_error("lost echoes");
    virtual_seconds += loop.time();
  }
  report.finish(state);
  state.counters["virtual_s"] = virtual_seconds / static_cast<double>(state.iterations());
  std::string label = mode == 0   ? "zero latency (cpython options)"
                      : mode == 1 ? "default options (10% of segments late)"
                                  : "every segment's latency chosen";
  if (bandwidth > 0) label += ", " + std::to_string(state.range(1)) + " MB/s link";
  state.SetLabel(label);
}
BENCHMARK(network_echo_1e5)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({0, 100})
    ->Args({1, 100})
    ->Unit(benchmark::kMillisecond);

// Bulk: 10 connections each write 10 MiB in 64 KiB writes, draining after each, to a
// server that reads and drops them; one op is one MiB. Arg: the link's bandwidth in
// MiB/s (0: none; then a paused reader's transport buffers what arrives).
asim::Coro<void> sink(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  while (true) {
    const std::string block = co_await reader->read(1 << 16);
    if (block.empty()) break;
  }
  writer->close();
}

asim::Coro<void> bulk_client(std::uint64_t* mebibytes) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  const std::string block(1 << 16, 'x');
  for (int i = 0; i < 160; ++i) {
    writer->write(block);
    co_await writer->drain();
  }
  *mebibytes += 10;
  writer->close();
  co_await writer->wait_closed();
}

asim::Coro<void> bulk_serve() {
  auto server = co_await asim::start_server(&sink, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

asim::Coro<void> bulk_world(asim::sim::SimLoop& loop, std::uint64_t* mebibytes) {
  auto& network = loop.network();
  auto& web = network.add_host("web1");
  auto server_task = network.add_host("db1").spawn(bulk_serve(), "db1.server");
  co_await asim::sleep(0);
  std::vector<asim::Task<void>> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(web.spawn(bulk_client(mebibytes)));
  for (auto& task : clients) co_await task;
  server_task.cancel();
  try {
    co_await server_task;
  } catch (const asim::CancelledError&) {
  }
}

void network_bulk_100mib(benchmark::State& state) {
  const double bandwidth = static_cast<double>(state.range(0)) * 1024.0 * 1024.0;
  OpsReport report(100);
  for (auto _ : state) {
    asim::sim::SimLoop loop(1, asim::sim::SimOptions::cpython());
    asim::sim::LinkOptions link;
    link.bandwidth = bandwidth;
    loop.network().set_link_options(link);
    std::uint64_t mebibytes = 0;
    loop.run_until_complete(bulk_world(loop, &mebibytes));
    if (mebibytes != 100) throw std::logic_error("lost bytes");
  }
  report.finish(state);
  state.SetLabel(bandwidth > 0 ? std::to_string(state.range(0)) + " MiB/s link" : "no bandwidth");
}
BENCHMARK(network_bulk_100mib)->Arg(0)->Arg(1024)->Unit(benchmark::kMillisecond);

// The sweep's body: the store's scenario, then the run's virtual duration is added up.
asim::Coro<void> timed_scenario(asim::sim::SimLoop& loop, kv::Variant variant, double* virtual_seconds) {
  co_await kv::scenario(variant);
  *virtual_seconds += loop.time();
}

void replicated_kv_sweep(benchmark::State& state) {
  constexpr std::uint64_t seeds = 200;
  OpsReport report(seeds);
  double virtual_seconds = 0;
  for (auto _ : state) {
    asim::sim::SweepOptions options;
    options.seeds = seeds;
    options.use_environment = false;
    options.quiet = true;
    auto body = [&virtual_seconds](asim::sim::SimLoop& loop) {
      return timed_scenario(loop, kv::Variant::fixed, &virtual_seconds);
    };
    const asim::sim::SweepResult result = asim::sim::run_sweep(options, body);
    if (!result.passed) throw std::logic_error(result.message());
  }
  report.finish(state);
  state.counters["seeds_per_s"] = benchmark::Counter(
      static_cast<double>(seeds) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["virtual_s_per_s"] = benchmark::Counter(virtual_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(replicated_kv_sweep)->Unit(benchmark::kMillisecond);

void replicated_kv_find_bug(benchmark::State& state) {
  OpsReport report(1);
  std::uint64_t seeds_run = 0;
  std::uint64_t shrink_runs = 0;
  for (auto _ : state) {
    asim::sim::SweepOptions options;
    options.seeds = 2000;
    options.use_environment = false;
    options.quiet = true;
    auto body = [](asim::sim::SimLoop& /*loop*/) { return kv::scenario(kv::Variant::buggy); };
    const asim::sim::SweepResult result = asim::sim::run_sweep(options, body);
    if (result.passed) throw std::logic_error("the buggy store passed 2000 seeds");
    seeds_run = result.seeds_run;
    shrink_runs = result.shrink_runs;
  }
  report.finish(state);
  state.counters["seeds_to_find"] = static_cast<double>(seeds_run);
  state.counters["shrink_runs"] = static_cast<double>(shrink_runs);
}
BENCHMARK(replicated_kv_find_bug)->Unit(benchmark::kMillisecond);

}  // namespace
