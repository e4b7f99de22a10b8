// SPDX-License-Identifier: MIT
// Virtual-clock workloads: a million timers, many sleeping tasks, mass cancellation.
#include "bench_support.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace {

using asim::bench::OpsReport;
using asim::bench::SplitMix;
using asim::bench::run_one_iteration;
using asim::bench::VirtualLoop;

void count_one(std::int64_t* counter) { ++*counter; }

// 1e6 call_later timers with random delays in [0, 1 s), then the loop fires them
// all: one op is one timer inserted into and fired from a heap of up to 1e6.
template <class Loop>
void call_later_on(benchmark::State& state, Loop& loop) {
  constexpr std::int64_t n = 1'000'000;
  SplitMix random(42);
  std::int64_t fired = 0;
  OpsReport report(n);
  for (auto _ : state) {
    fired = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      loop.call_later(static_cast<double>(random.below(1'000'000'000)) / 1e9, count_one, &fired);
    }
    // run_once directly: a stopping loop polls with timeout 0, so time would not pass.
    while (fired < n) loop.run_once();
  }
  report.finish(state);
}

void call_later_1e6(benchmark::State& state) {
  VirtualLoop loop;
  call_later_on(state, loop);
}
BENCHMARK(call_later_1e6)->Unit(benchmark::kMillisecond);

struct Finish {
  std::int64_t left;
  asim::Future<void> all_done;
};

asim::Coro<void> sleeper(std::uint64_t seed, int sleeps, Finish* finish) {
  SplitMix random(seed);
  for (int i = 0; i < sleeps; ++i) co_await asim::sleep(static_cast<double>(random.below(1'000'000'000)) / 1e9);
  if (--finish->left == 0) finish->all_done.set_result();
}

// 1e5 tasks, each sleeping 10 times for random delays: one op is one sleep.
template <class Loop>
void sleep_tasks_on(benchmark::State& state, Loop& loop) {
  constexpr std::int64_t tasks = 100'000;
  constexpr int sleeps = 10;
  OpsReport report(tasks * sleeps);
  for (auto _ : state) {
    Finish finish{tasks, loop.template create_future<void>()};
    for (std::int64_t i = 0; i < tasks; ++i) loop.create_task(sleeper(static_cast<std::uint64_t>(i), sleeps, &finish));
    loop.run_until_complete(finish.all_done);
  }
  report.finish(state);
}

void sleep_tasks_1e5x10(benchmark::State& state) {
  VirtualLoop loop;
  sleep_tasks_on(state, loop);
}
BENCHMARK(sleep_tasks_1e5x10)->Unit(benchmark::kMillisecond);

#ifdef ASIM_BENCH_HAS_SIM_LOOP
// The same two workloads on the simulated loop, with its default options (seeded
// tie order, lateness, stalls and timeout races, built-in invariants) and in CPython
// mode (no choices).
void call_later_1e6_simloop(benchmark::State& state) {
  asim::sim::SimLoop loop(7);
  call_later_on(state, loop);
}
BENCHMARK(call_later_1e6_simloop)->Unit(benchmark::kMillisecond);

void call_later_1e6_simloop_cpython(benchmark::State& state) {
  asim::sim::SimLoop loop(7, asim::sim::SimOptions::cpython());
  call_later_on(state, loop);
}
BENCHMARK(call_later_1e6_simloop_cpython)->Unit(benchmark::kMillisecond);

void sleep_tasks_1e5x10_simloop(benchmark::State& state) {
  asim::sim::SimLoop loop(7);
  sleep_tasks_on(state, loop);
}
BENCHMARK(sleep_tasks_1e5x10_simloop)->Unit(benchmark::kMillisecond);

// The cost of the default exploration: the same with every choice off.
void sleep_tasks_1e5x10_simloop_cpython(benchmark::State& state) {
  asim::sim::SimLoop loop(7, asim::sim::SimOptions::cpython());
  sleep_tasks_on(state, loop);
}
BENCHMARK(sleep_tasks_1e5x10_simloop_cpython)->Unit(benchmark::kMillisecond);
#endif

asim::Coro<void> sleep_an_hour() { co_await asim::sleep(3600.0); }

// 1e5 tasks asleep; timed: cancel each, then run until every one has ended
// cancelled. One op is one task cancelled and finished.
void cancel_1e5(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  VirtualLoop loop;
  std::vector<asim::Task<void>> tasks;
  tasks.reserve(n);
  OpsReport report(n);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i) tasks.push_back(loop.create_task(sleep_an_hour()));
    run_one_iteration(loop);  // every task is now asleep
    const double start = asim::bench::thread_cpu_seconds();
    for (auto& task : tasks) task.cancel();
    while (!tasks.back().done()) run_one_iteration(loop);
    const double stop = asim::bench::thread_cpu_seconds();
    state.SetIterationTime(stop - start);
    if (!tasks.front().cancelled()) state.SkipWithError("a task did not end cancelled");
    tasks.clear();
  }
  report.finish(state);
}
BENCHMARK(cancel_1e5)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
