// SPDX-License-Identifier: MIT
// The install test's consumer: runs a task, a timer and a future on the installed asim.
#include <asim/asim.hpp>

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
  std::printf("asim consumer: %d\n", result);
  return result == 42 ? 0 : 1;
}
