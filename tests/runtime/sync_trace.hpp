// SPDX-License-Identifier: MIT
// Test helpers for the synchronization primitives: a trace of "iteration:event"
// lines, comparable with the traces python/sync_reference.py prints from asyncio.
#pragma once

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "support/recording.hpp"

namespace asim::testing {

/// Records events prefixed by the loop iteration they happen in.
struct Trace {
  EventLoop* loop;
  std::vector<std::string> events;
  void operator()(const std::string& event) { events.push_back(std::to_string(loop->iteration()) + ":" + event); }
};

/// Python's spelling of a bool, so traces match the reference byte for byte.
inline std::string py(bool value) { return value ? "True" : "False"; }

/// Awaits each task in turn; a cancelled one records "<name> ended cancelled".
inline Coro<void> join_all(Trace& rec, std::vector<Task<void>> tasks) {
  for (Task<void>& task : tasks) {
    try {
      co_await task;
    } catch (const CancelledError&) {
      rec(task.get_name() + " ended cancelled");
    }
  }
}

/// join_all over the tasks given one by one. (It builds the vector outside any
/// coroutine: GCC 12 rejects a braced list inside a co_await expression.)
template <class... Tasks>
Coro<void> join_all(Trace& rec, Task<void> first, Tasks... rest) {
  return join_all(rec, std::vector<Task<void>>{std::move(first), std::move(rest)...});
}

/// Runs `scenario(trace)` on a fresh ManualLoop, checks that the loop is left with no
/// timer, no ready callback and no callback node beyond what it started with, and
/// returns the trace.
template <class Scenario>
std::vector<std::string> run_traced(Scenario scenario) {
  ManualLoop loop;
  const std::size_t baseline = loop.callbacks_in_use();
  Trace rec{&loop, {}};
  loop.run_until_complete(scenario(rec));
  EXPECT_EQ(loop.timer_count(), 0U);
  EXPECT_EQ(loop.ready_count(), 0U);
  EXPECT_EQ(loop.callbacks_in_use(), baseline);
  EXPECT_TRUE(loop.all_tasks().empty());
  return std::move(rec.events);
}

using Events = std::vector<std::string>;

/// What a cancellation sweep saw: how many workers held the primitive at once, at
/// most, and how many rounds completed.
struct Occupancy {
  int inside = 0;
  int max_inside = 0;
  int rounds_done = 0;
};

namespace detail {
// Twice: take the primitive's scoped guard, hold it over one sleep(0), count the round.
template <class Primitive>
Coro<void> occupy_twice(Primitive& primitive, Occupancy& seen) {
  for (int round = 0; round < 2; ++round) {
    auto guard = co_await primitive.scoped();
    seen.inside += 1;
    seen.max_inside = std::max(seen.max_inside, seen.inside);
    struct Leave {
      int& inside;
      ~Leave() { inside -= 1; }  // also when cancelled inside
    } leave{seen.inside};
    co_await asim::sleep(0);
    seen.rounds_done += 1;
  }
}

inline Coro<void> cancel_after(AnyTask victim, int iterations) {
  for (int i = 0; i < iterations; ++i) co_await asim::sleep(0);
  victim.cancel();
}

template <class Primitive>
Coro<void> occupy_and_cancel(Primitive& primitive, Occupancy& seen, int workers, int victim, int iterations) {
  std::vector<Task<void>> tasks;
  for (int i = 0; i < workers; ++i) tasks.push_back(asim::create_task(occupy_twice(primitive, seen)));
  auto canceller = asim::create_task(cancel_after(tasks[static_cast<std::size_t>(victim)], iterations));
  for (Task<void>& task : tasks) {
    try {
      co_await task;
    } catch (const CancelledError&) {
    }
  }
  co_await canceller;
}
}  // namespace detail

/// For every worker and every iteration 0-8, on a fresh loop and a fresh `make()`
/// primitive: `workers` tasks each take its scoped guard twice while one of them is
/// cancelled after that many iterations; then `check(primitive, occupancy)` and a
/// check that the loop is left with no timer, ready callback or callback node
/// beyond its start.
template <class Make, class Check>
void sweep_cancellations(int workers, Make make, Check check) {
  for (int victim = 0; victim < workers; ++victim) {
    for (int iterations = 0; iterations < 9; ++iterations) {
      SCOPED_TRACE("victim " + std::to_string(victim) + " cancelled after " + std::to_string(iterations));
      ManualLoop loop;
      const std::size_t baseline = loop.callbacks_in_use();
      Occupancy seen;
      auto primitive = make();
      loop.run_until_complete(detail::occupy_and_cancel(primitive, seen, workers, victim, iterations));
      check(primitive, seen);
      EXPECT_EQ(loop.ready_count(), 0U);
      EXPECT_EQ(loop.timer_count(), 0U);
      EXPECT_EQ(loop.callbacks_in_use(), baseline);
    }
  }
}

}  // namespace asim::testing
