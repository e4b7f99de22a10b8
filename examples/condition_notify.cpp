// SPDX-License-Identifier: MIT
// Consumers wait on a condition; a manipulator wakes one, then two, then all of the
// rest (twin: python/condition_notify.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <vector>

namespace {

asim::Coro<void> consumer(asim::Condition& condition, int n) {
  {
    auto held = co_await condition.scoped();  // async with condition:
    std::printf("consumer %d is waiting\n", n);
    co_await condition.wait();
    std::printf("consumer %d triggered\n", n);
  }
  std::printf("ending consumer %d\n", n);
}

asim::Coro<void> manipulate_condition(asim::Condition& condition) {
  std::printf("starting manipulate_condition\n");
  co_await asim::sleep(0.1);
  for (int i = 1; i < 3; ++i) {
    {
      auto held = co_await condition.scoped();
      std::printf("notifying %d consumers\n", i);
      condition.notify(i);
    }
    co_await asim::sleep(0.1);
  }
  {
    auto held = co_await condition.scoped();
    std::printf("notifying remaining consumers\n");
    condition.notify_all();
  }
  std::printf("ending manipulate_condition\n");
}

asim::Coro<void> main_coro() {
  asim::Condition condition;
  std::vector<asim::Task<void>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(asim::create_task(consumer(condition, i)));
  tasks.push_back(asim::create_task(manipulate_condition(condition)));
  for (asim::Task<void>& task : tasks) co_await task;
  std::printf("lock held at the end: %s\n", condition.locked() ? "True" : "False");
}

}  // namespace

int main() { asim::run(main_coro()); }
