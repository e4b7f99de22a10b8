// SPDX-License-Identifier: MIT
// gather returns results in argument order, whatever order the work finishes in
// (twin: python/gather_results_in_order.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <tuple>

namespace {

asim::Coro<int> phase(int i, double delay) {
  std::printf("in phase %d\n", i);
  co_await asim::sleep(delay);
  std::printf("done with phase %d\n", i);
  co_return i * 10;
}

asim::Coro<void> main_coro() {
  std::printf("starting main\n");
  auto [a, b, c] = co_await asim::gather(phase(0, 0.3), phase(1, 0.1), phase(2, 0.2));
  std::printf("results: [%d, %d, %d]\n", a, b, c);
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro());
  event_loop.close();
}
