// SPDX-License-Identifier: MIT
// The install test's consumer: runs a task, a timer and a future on the installed asim,
// once on asim::run's loop and once on the simulated loop.
#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>

#include <cstdio>

namespace {

asim::Coro<int> add_later(int x, int y) {
  co_await asim::sleep(0.01);
  co_return x + y;
}

asim::Coro<int> consumer_main() {
  asim::EventLoop& loop = asim::get_running_loop();
  asim::Future<int> answer = loop.create_future<int>();
  loop.call_soon([](asim::Future<int> future) { future.set_result(40); }, answer);
  const int base = co_await answer;
  asim::Task<int> task = asim::create_task(add_later(base, 2));
  co_return co_await task;
}

}  // namespace

int main() {
  const int result = asim::run(consumer_main());
  asim::sim::SimLoop loop(7);
  const int simulated = loop.run_until_complete(consumer_main());
  std::printf("asim consumer: %d %d\n", result, simulated);
  return result == 42 && simulated == 42 ? 0 : 1;
}
