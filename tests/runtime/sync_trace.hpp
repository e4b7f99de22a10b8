// SPDX-License-Identifier: MIT
// Test helpers for the synchronization primitives: a trace of "iteration:event"
// lines, comparable with the traces python/sync_reference.py prints from asyncio.
#pragma once

#include <gtest/gtest.h>
#include <asim/asim.hpp>

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

}  // namespace asim::testing
