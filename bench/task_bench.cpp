// SPDX-License-Identifier: MIT
// Tasks: create_task + await, sleep(0), and a task woken through a future.
#include "bench_support.hpp"

#include <cstdint>
#include <vector>

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

asim::Coro<void> future_ping(std::vector<asim::Future<std::int64_t>>* mine,
                             std::vector<asim::Future<std::int64_t>>* theirs) {
  for (std::size_t i = 0; i < mine->size(); ++i) {
    (*theirs)[i].set_result(static_cast<std::int64_t>(i));
    co_await (*mine)[i];
  }
}

asim::Coro<void> future_pong(std::vector<asim::Future<std::int64_t>>* mine,
                             std::vector<asim::Future<std::int64_t>>* theirs) {
  for (std::size_t i = 0; i < mine->size(); ++i) {
    co_await (*mine)[i];
    (*theirs)[i].set_result(static_cast<std::int64_t>(i));
  }
}

// Two tasks hand over through futures made in advance (not timed): one sets a
// future the other awaits, then awaits the next one the other sets. One op is one
// task woken through a future: set_result, the wake-up callback, the step.
void future_pingpong(benchmark::State& state) {
  constexpr std::int64_t rounds = 50'000;
  VirtualLoop loop;
  OpsReport report(2 * rounds);
  for (auto _ : state) {
    std::vector<asim::Future<std::int64_t>> to_ping;
    std::vector<asim::Future<std::int64_t>> to_pong;
    for (std::int64_t i = 0; i < rounds; ++i) {
      to_ping.push_back(loop.create_future<std::int64_t>());
      to_pong.push_back(loop.create_future<std::int64_t>());
    }
    asim::Task<void> pong = loop.create_task(future_pong(&to_pong, &to_ping));
    asim::Task<void> ping = loop.create_task(future_ping(&to_ping, &to_pong));
    const double start = asim::bench::thread_cpu_seconds();
    loop.run_until_complete(asim::Future<void>(ping));
    loop.run_until_complete(asim::Future<void>(pong));
    state.SetIterationTime(asim::bench::thread_cpu_seconds() - start);
  }
  report.finish(state);
}
BENCHMARK(future_pingpong)->UseManualTime()->Unit(benchmark::kNanosecond);

}  // namespace
