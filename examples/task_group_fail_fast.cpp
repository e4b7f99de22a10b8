// SPDX-License-Identifier: MIT
// In a TaskGroup the first failure cancels the other tasks; errors come out together
// (twin: python/task_group_fail_fast.py).
#include <asim/asim.hpp>

#include <cstdio>

namespace {

asim::Coro<void> worker(int i, double delay) {
  try {
    co_await asim::sleep(delay);
  } catch (const asim::CancelledError&) {
    std::printf("worker %d cancelled\n", i);
    throw;
  }
  std::printf("worker %d finished\n", i);
}

asim::Coro<void> broken(double delay) {
  co_await asim::sleep(delay);
  std::printf("broken worker fails\n");
  throw asim::ValueError("bad input");
}

asim::Coro<void> main_coro() {
  try {
    co_await asim::task_group([](asim::TaskGroup& tg) -> asim::Coro<void> {
      tg.create_task(worker(1, 0.05));
      tg.create_task(broken(0.1));
      tg.create_task(worker(2, 0.3));
      std::printf("all tasks started\n");
      co_return;
    });
  } catch (const asim::ExceptionGroup& group) {
    std::printf("%s\n", group.what());
    for (const std::exception_ptr& error : group.exceptions()) {
      try {
        std::rethrow_exception(error);
      } catch (const asim::ValueError& e) {
        std::printf("  ValueError: %s\n", e.what());
      }
    }
  }
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro());
  event_loop.close();
}
