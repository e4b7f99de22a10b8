// SPDX-License-Identifier: MIT
// Shared helpers of the composition tests (wait, gather, shield, timeout, TaskGroup):
// an event log stamped with loop iterations, to compare with CPython's traces.
#pragma once

#include <asim/asim.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/recording.hpp"

namespace composition_test {

/// The events of the running scenario, each "what@iteration".
inline std::vector<std::string>& events() {
  static std::vector<std::string> log;
  return log;
}
inline void ev(const std::string& what) {
  events().push_back(what + "@" + std::to_string(asim::get_running_loop().iteration()));
}

template <class T>
asim::Coro<T> yields(int k, T value) {
  for (int i = 0; i < k; ++i) co_await asim::sleep(0);
  co_return value;
}
inline asim::Coro<void> yields_void(int k) {
  for (int i = 0; i < k; ++i) co_await asim::sleep(0);
}
inline asim::Coro<int> fails(int k, std::string message) {
  for (int i = 0; i < k; ++i) co_await asim::sleep(0);
  throw asim::ValueError(message);
}
/// Sleeps 10 s; on cancellation logs, yields once, logs again and re-raises.
inline asim::Coro<void> slow_catch() {
  bool cancelled = false;
  try {
    co_await asim::sleep(10);
  } catch (const asim::CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    ev("inner cancelled");
    co_await asim::sleep(0);
    ev("inner cleanup");
    throw asim::CancelledError();
  }
}

/// Runs `main` on a fresh ManualLoop, then checks that nothing is left behind: no
/// timer, no ready callback, no callback node, no task. Returns the events joined by spaces.
template <class F>
std::string run(F main) {
  events().clear();
  asim::testing::ManualLoop loop;
  try {
    loop.run_until_complete(main());
  } catch (...) {
    events().push_back("main raised " + asim::exception_class_name(std::current_exception()) + "@" +
                       std::to_string(loop.iteration()));
  }
  while (loop.ready_count() > 0) loop.run_once();
  if (loop.timer_count() == 0 && loop.callbacks_in_use() > 0) {
    // Cancelled timers stay in the heap until an iteration pops them (as in asyncio);
    // this iteration pops them, then finds nothing to wait for.
    try {
      loop.run_once();
    } catch (const asim::testing::WouldBlockForever&) {
    }
  }
  EXPECT_EQ(loop.timer_count(), 0U);
  EXPECT_EQ(loop.ready_count(), 0U);
  EXPECT_EQ(loop.callbacks_in_use(), 0U);
  EXPECT_TRUE(loop.all_tasks().empty());
  std::string out;
  for (const std::string& e : events()) out += (out.empty() ? "" : " ") + e;
  return out;
}

/// A vector built outside the coroutine: g++ 12 rejects a braced std::initializer_list
/// inside a coroutine body ("array used as initializer").
template <class V, class... Fs>
std::vector<V> vec(Fs... items) {
  std::vector<V> out;
  (out.push_back(V(items)), ...);
  return out;
}

/// EXPECT_EQ as a function, so that scenarios (lambdas with commas) need no macro.
inline void expect_trace(const std::string& actual, const std::string& expected) { EXPECT_EQ(actual, expected); }

}  // namespace composition_test
