// SPDX-License-Identifier: MIT
// Synchronisation: Queue and Event ping-pong between two tasks, gather of 1e5 tasks.
#include "bench_support.hpp"

#include <asim/event.hpp>
#include <asim/gather.hpp>
#include <asim/queues.hpp>

#include <cstdint>
#include <vector>

namespace {

using asim::bench::OpsReport;
using asim::bench::VirtualLoop;

asim::Coro<void> queue_ping(asim::Queue<std::int64_t>* to, asim::Queue<std::int64_t>* from, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    co_await to->put(i);
    co_await from->get();
  }
}

asim::Coro<void> queue_pong(asim::Queue<std::int64_t>* from, asim::Queue<std::int64_t>* to, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) co_await to->put(co_await from->get());
}

asim::Coro<void> queue_main(std::int64_t n) {
  asim::Queue<std::int64_t> ping;
  asim::Queue<std::int64_t> pong;
  co_await asim::gather(queue_ping(&ping, &pong, n), queue_pong(&ping, &pong, n));
}

// One op is one round trip: ping puts, pong gets and puts back, ping gets.
void queue_pingpong(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) loop.run_until_complete(queue_main(n));
  report.finish(state);
}
BENCHMARK(queue_pingpong)->Unit(benchmark::kNanosecond);

asim::Coro<void> event_ping(asim::Event* mine, asim::Event* theirs, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    theirs->set();
    co_await mine->wait();
    mine->clear();
  }
}

asim::Coro<void> event_pong(asim::Event* mine, asim::Event* theirs, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    co_await mine->wait();
    mine->clear();
    theirs->set();
  }
}

asim::Coro<void> event_main(std::int64_t n) {
  asim::Event a;
  asim::Event b;
  co_await asim::gather(event_ping(&a, &b, n), event_pong(&b, &a, n));
}

void event_pingpong(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) loop.run_until_complete(event_main(n));
  report.finish(state);
}
BENCHMARK(event_pingpong)->Unit(benchmark::kNanosecond);

asim::Coro<std::int64_t> trivial(std::int64_t x) { co_return x; }

asim::Coro<std::int64_t> gather_main(std::int64_t n) {
  std::vector<asim::Future<std::int64_t>> children;
  children.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) children.push_back(asim::create_task(trivial(i)));
  std::vector<std::int64_t> results = co_await asim::gather(std::move(children));
  co_return results.back();
}

// gather of 1e5 tasks, each returning at once: one op is one child.
void gather_1e5(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) benchmark::DoNotOptimize(loop.run_until_complete(gather_main(n)));
  report.finish(state);
}
BENCHMARK(gather_1e5)->Unit(benchmark::kMillisecond);

}  // namespace
