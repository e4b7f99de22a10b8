// SPDX-License-Identifier: MIT
// wait with a timeout returns what finished and leaves the rest pending
// (twin: python/wait_with_timeout.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <vector>

namespace {

asim::Coro<int> phase(int i, double delay) {
  co_await asim::sleep(delay);
  std::printf("done with phase %d\n", i);
  co_return i;
}

asim::Coro<void> main_coro() {
  std::vector<asim::Task<int>> tasks;
  tasks.push_back(asim::create_task(phase(0, 0.05)));
  tasks.push_back(asim::create_task(phase(1, 0.3)));
  asim::WaitResult r = co_await asim::wait(tasks, 0.15);
  std::printf("%zu completed and %zu pending\n", r.done.size(), r.pending.size());
  for (asim::AnyFuture& f : r.pending) f.cancel();
  r = co_await asim::wait(tasks);
  std::printf("after cancel: %zu done, cancelled: %s\n", r.done.size(), tasks[1].cancelled() ? "True" : "False");
  try {
    co_await asim::wait_for(phase(2, 0.3), 0.1);
  } catch (const asim::TimeoutError&) {
    std::printf("wait_for timed out\n");
  }
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro());
  event_loop.close();
}
