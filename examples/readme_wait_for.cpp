// SPDX-License-Identifier: MIT
// The fifteen-line example of README.md, kept compiling and checked by ctest.
#include <asim/asim.hpp>
#include <cstdio>

asim::Coro<int> fetch(int id) {
  co_await asim::sleep(0.1 * id);  // a slow backend
  co_return id * 10;
}

asim::Coro<void> main_task() {
  auto fast = asim::create_task(fetch(1), "fast");
  auto slow = asim::create_task(fetch(9), "slow");
  std::printf("fast: %d\n", co_await asim::wait_for(fast, 0.5));
  try { co_await asim::wait_for(slow, 0.5); } catch (const asim::TimeoutError&) { std::puts("slow timed out"); }
}

int main() { asim::run(main_task()); }
