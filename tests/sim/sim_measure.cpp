// SPDX-License-Identifier: MIT
// Measures the simulated loop (not a test): virtual seconds per wall second and
// steps per second for 10,000 tasks sleeping 100 times each, and seeds per second
// for a sweep of a tiny body.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>

#include <chrono>
#include <cstdio>

namespace {

asim::Coro<void> sleeper(int times, double each) {
  for (int i = 0; i < times; ++i) co_await asim::sleep(each);
}

asim::Coro<void> spawn_all(asim::EventLoop& loop, int tasks, int times) {
  std::vector<asim::Task<void>> all;
  all.reserve(static_cast<std::size_t>(tasks));
  for (int i = 0; i < tasks; ++i) all.push_back(loop.create_task(sleeper(times, 0.001 * (1 + i % 1000))));
  for (auto& task : all) co_await task;
}

asim::Coro<void> tiny(asim::sim::SimLoop& loop) {
  auto a = loop.create_task(sleeper(3, 0.1));
  auto b = loop.create_task(sleeper(3, 0.1));
  co_await a;
  co_await b;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  for (const bool ties : {true, false}) {
    asim::sim::SimOptions options;
    options.choose_timer_ties = ties;
    asim::sim::SimLoop loop(1, options);
    const auto start = std::chrono::steady_clock::now();
    loop.run_until_complete(spawn_all(loop, 10000, 100));
    const double wall = seconds_since(start);
    std::printf("10,000 tasks x 100 sleeps (tie choice %s): %.3f s wall, %.1f virtual s, %llu steps\n",
                ties ? "on" : "off", wall, loop.time(), static_cast<unsigned long long>(loop.step()));
    std::printf("  virtual seconds per wall second: %.0f\n", loop.time() / wall);
    std::printf("  steps per second: %.0f (%.0f ns per step)\n", static_cast<double>(loop.step()) / wall,
                wall * 1e9 / static_cast<double>(loop.step()));
  }
  {
    const auto start = std::chrono::steady_clock::now();
    const asim::sim::SweepResult result =
        asim::sim::run_sweep(asim::sim::SweepOptions{.seeds = 10000, .use_environment = false}, &tiny);
    const double wall = seconds_since(start);
    std::printf("sweep of 10,000 seeds (2 tasks x 3 sleeps): %.3f s wall, %.0f seeds per second, passed %d\n", wall,
                10000 / wall, result.passed ? 1 : 0);
  }
}
