// SPDX-License-Identifier: MIT
// A producer fills a bounded queue in bursts, two consumers drain it, join() waits
// until every item is done (twin: python/producer_consumer_queue.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <optional>
#include <vector>

namespace {

// std::nullopt is the stop signal (Python's None).
using Item = std::optional<int>;

asim::Coro<void> consumer(int n, asim::Queue<Item>& q) {
  std::printf("consumer %d: starting\n", n);
  while (true) {
    std::printf("consumer %d: waiting for item\n", n);
    Item item = co_await q.get();
    if (item) {
      std::printf("consumer %d: has item %d\n", n, *item);
    } else {
      std::printf("consumer %d: has item None\n", n);
      q.task_done();
      break;
    }
    co_await asim::sleep(0);  // the "work"
    q.task_done();
  }
  std::printf("consumer %d: ending\n", n);
}

asim::Coro<void> producer(asim::Queue<Item>& q, int num_workers) {
  std::printf("producer: starting\n");
  for (int burst = 0; burst < 3; ++burst) {
    for (int i = burst * 3; i < burst * 3 + 3; ++i) {
      co_await q.put(i);
      std::printf("producer: added item %d (qsize %zu)\n", i, q.qsize());
    }
    co_await asim::sleep(0.1);
  }
  std::printf("producer: adding stop signals to the queue\n");
  for (int i = 0; i < num_workers; ++i) co_await q.put(std::nullopt);
  std::printf("producer: waiting for queue to empty\n");
  co_await q.join();
  std::printf("producer: ending\n");
}

asim::Coro<void> main_coro(int num_consumers) {
  asim::Queue<Item> q(2);
  std::vector<asim::Task<void>> tasks;
  for (int i = 0; i < num_consumers; ++i) tasks.push_back(asim::create_task(consumer(i, q)));
  tasks.push_back(asim::create_task(producer(q, num_consumers)));
  for (asim::Task<void>& task : tasks) co_await task;
  std::printf("all done, unfinished items: %zu\n", q.unfinished_tasks());
}

}  // namespace

int main() { asim::run(main_coro(2)); }
