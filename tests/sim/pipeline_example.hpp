// SPDX-License-Identifier: MIT
// The "future resolved by a producer" example on the simulated loop: a producer
// publishes items every 0.1 s, a consumer adds them up. Three variants: correct
// (the consumer awaits each item's future), racy (the consumer assumes its timer
// fires after the producer's, which only FIFO tie order guarantees) and hung (the
// consumer waits for one item too many).
#pragma once

#include <asim/asim.hpp>
#include <asim/sim/sim_loop.hpp>

#include <string>
#include <vector>

namespace asim_examples {

enum class Pipeline { correct, racy, hung };

struct Channel {
  Channel(asim::EventLoop& loop, int items) {
    for (int i = 0; i <= items; ++i) slots.push_back(loop.create_future<int>());
  }
  std::vector<asim::Future<int>> slots;  // one more than produced: the hung variant waits on it
  std::vector<int> published;
};

inline asim::Coro<void> produce(Channel& channel, int items) {
  for (int i = 0; i < items; ++i) {
    co_await asim::sleep(0.1);
    channel.published.push_back(i * i);
    channel.slots[static_cast<std::size_t>(i)].set_result(i * i);
  }
}

inline asim::Coro<int> consume(Channel& channel, int items, Pipeline variant) {
  int sum = 0;
  if (variant == Pipeline::racy) {
    for (int i = 0; i < items; ++i) {
      co_await asim::sleep(0.1);  // "the producer's sleep started first, so it has published"
      if (channel.published.size() <= static_cast<std::size_t>(i)) {
        throw asim::RuntimeError("item " + std::to_string(i) + " read before it was published");
      }
      sum += channel.published[static_cast<std::size_t>(i)];
    }
    co_return sum;
  }
  const int wanted = variant == Pipeline::hung ? items + 1 : items;
  for (int i = 0; i < wanted; ++i) sum += co_await channel.slots[static_cast<std::size_t>(i)];
  co_return sum;
}

/// The whole program: returns normally when the consumer got every item.
inline asim::Coro<void> pipeline(asim::EventLoop& loop, Pipeline variant, int items = 10) {
  Channel channel(loop, items);
  asim::Task<void> producer = loop.create_task(produce(channel, items), "producer");
  asim::Task<int> consumer = loop.create_task(consume(channel, items, variant), "consumer");
  const int sum = co_await consumer;
  co_await producer;
  int expected = 0;
  for (int i = 0; i < items; ++i) expected += i * i;
  if (sum != expected) throw asim::ValueError("sum " + std::to_string(sum) + " != " + std::to_string(expected));
}

}  // namespace asim_examples
