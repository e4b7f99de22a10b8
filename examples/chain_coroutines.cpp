// SPDX-License-Identifier: MIT
// Chains coroutines: print_sum awaits compute, which sleeps (twin: python/chain_coroutines.py).
#include <asim/asim.hpp>

#include <cstdio>

namespace {

asim::Coro<int> compute(int x, int y) {
  std::printf("Compute %d + %d ...\n", x, y);
  co_await asim::sleep(0.1);
  co_return x + y;
}

asim::Coro<void> print_sum(int x, int y) {
  // Awaiting a coroutine runs it inline, without a trip through the loop.
  const int result = co_await compute(x, y);
  std::printf("%d + %d = %d\n", x, y, result);
}

}  // namespace

int main() {
  asim::RealLoop loop;
  loop.run_until_complete(print_sum(1, 2));
  loop.close();
}
