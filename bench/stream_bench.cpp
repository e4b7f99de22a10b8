// SPDX-License-Identifier: MIT
// Streams on RealLoop over loopback: a 64-byte echo round trip, and 64 KiB chunks
// echoed back (throughput). Client and server run in this one thread, as in the
// CPython and Asio twins, so CPU time covers both ends.
#include "bench_support.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace {

using asim::bench::OpsReport;

constexpr std::size_t rtt_message_bytes = 64;
constexpr std::int64_t rtt_round_trips = 10'000;
constexpr std::size_t chunk_bytes = 64 * 1024;
constexpr std::int64_t chunks = 512;

asim::Coro<void> echo(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  while (true) {
    std::string data = co_await reader->read(static_cast<std::ptrdiff_t>(chunk_bytes));
    if (data.empty()) break;
    writer->write(data);
    co_await writer->drain();
  }
  writer->close();
}

asim::Coro<std::shared_ptr<asim::Server>> start_echo() { co_return co_await asim::start_server(&echo, "127.0.0.1", 0); }

asim::Coro<void> round_trips(std::uint16_t port, std::int64_t n) {
  auto streams = co_await asim::open_connection("127.0.0.1", port);
  const std::string message(rtt_message_bytes, 'x');
  for (std::int64_t i = 0; i < n; ++i) {
    streams.second->write(message);
    co_await streams.second->drain();
    benchmark::DoNotOptimize(co_await streams.first->readexactly(static_cast<std::ptrdiff_t>(rtt_message_bytes)));
  }
  streams.second->close();
  co_await streams.second->wait_closed();
}

// One op: write 64 bytes, drain, readexactly the 64 echoed bytes.
void stream_echo_rtt(benchmark::State& state) {
  asim::RealLoop loop;
  auto server = loop.run_until_complete(start_echo());
  const std::uint16_t port = server->sockets().at(0).port;
  OpsReport report(rtt_round_trips);
  for (auto _ : state) loop.run_until_complete(round_trips(port, rtt_round_trips));
  report.finish(state);
  server->close();
}
BENCHMARK(stream_echo_rtt)->Unit(benchmark::kMillisecond);

asim::Coro<void> send_chunks(std::shared_ptr<asim::StreamWriter> writer, std::int64_t n) {
  const std::string chunk(chunk_bytes, 'y');
  for (std::int64_t i = 0; i < n; ++i) {
    writer->write(chunk);
    co_await writer->drain();
  }
}

asim::Coro<void> bulk_echo(std::uint16_t port, std::int64_t n) {
  auto streams = co_await asim::open_connection("127.0.0.1", port);
  auto sender = asim::create_task(send_chunks(streams.second, n));
  std::size_t left = chunk_bytes * static_cast<std::size_t>(n);
  while (left > 0) {
    std::string data = co_await streams.first->read(static_cast<std::ptrdiff_t>(chunk_bytes));
    if (data.empty()) break;
    left -= data.size();
  }
  co_await sender;
  streams.second->close();
  co_await streams.second->wait_closed();
}

// One op: one 64 KiB chunk written with drain and read back from the echo.
void stream_echo_64k(benchmark::State& state) {
  asim::RealLoop loop;
  auto server = loop.run_until_complete(start_echo());
  const std::uint16_t port = server->sockets().at(0).port;
  OpsReport report(chunks);
  for (auto _ : state) loop.run_until_complete(bulk_echo(port, chunks));
  report.finish(state);
  server->close();
}
BENCHMARK(stream_echo_64k)->Unit(benchmark::kMillisecond);

}  // namespace
