// SPDX-License-Identifier: MIT
// Tasks: create_task + await, sleep(0), and a task woken through a future.
#include "bench_support.hpp"

#include <cstdint>

namespace {

using asim::bench::OpsReport;
using asim::bench::VirtualLoop;

asim::Coro<std::int64_t> trivial(std::int64_t x) { co_return x; }

asim::Coro<std::int64_t> spawn_and_await(asim::EventLoop& loop, std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += co_await loop.create_task(trivial(i));
  co_return sum;
}

void create_task_await(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) benchmark::DoNotOptimize(loop.run_until_complete(spawn_and_await(loop, n)));
  report.finish(state);
}
BENCHMARK(create_task_await)->Unit(benchmark::kNanosecond);

asim::Coro<void> yield_n(std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) co_await asim::sleep(0);
}

void sleep0(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) loop.run_until_complete(yield_n(n));
  report.finish(state);
}
BENCHMARK(sleep0)->Unit(benchmark::kNanosecond);

void set_one(asim::Future<std::int64_t> future) { future.set_result(1); }

asim::Coro<std::int64_t> await_futures(asim::EventLoop& loop, std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    asim::Future<std::int64_t> future = loop.create_future<std::int64_t>();
    loop.call_soon(set_one, future);
    sum += co_await future;
  }
  co_return sum;
}

// One op: create a future, call_soon its set_result, await it (the task is woken
// through the future's done-callback).
void future_wakeup(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  OpsReport report(n);
  for (auto _ : state) benchmark::DoNotOptimize(loop.run_until_complete(await_futures(loop, n)));
  report.finish(state);
}
BENCHMARK(future_wakeup)->Unit(benchmark::kNanosecond);

}  // namespace
