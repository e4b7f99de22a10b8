// SPDX-License-Identifier: MIT
// A task cancelled before it starts never runs; a task cancelled while it sleeps sees
// CancelledError at its await, cleans up and re-raises (twin: python/cancel_task.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

const char* yes_no(bool value) { return value ? "True" : "False"; }

asim::Coro<std::string> never_started() {
  std::printf("in never_started (not printed)\n");
  co_return "the result";
}

asim::Coro<std::string> sleeper() {
  std::printf("in sleeper, sleeping\n");
  try {
    co_await asim::sleep(1.0);
  } catch (const asim::CancelledError&) {
    std::printf("sleeper was cancelled\n");
    throw;
  }
  co_return "the result";
}

void task_canceller(asim::Task<std::string> task) {
  std::printf("in task_canceller\n");
  task.cancel();
  std::printf("cancelled the task\n");
}

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  std::printf("creating task\n");
  asim::Task<std::string> task = loop.create_task(never_started());
  std::printf("cancelling task\n");
  task.cancel();
  // cancel() only requests: the task ends when its first step throws CancelledError.
  std::printf("cancelled task, done: %s, cancelled: %s\n", yes_no(task.done()), yes_no(task.cancelled()));
  try {
    const std::string result = co_await task;
    std::printf("task result: '%s'\n", result.c_str());
  } catch (const asim::CancelledError&) {
    std::printf("caught error from cancelled task\n");
  }

  std::printf("creating sleeping task\n");
  task = loop.create_task(sleeper());
  loop.call_soon(task_canceller, task);
  try {
    co_await task;
  } catch (const asim::CancelledError&) {
    std::printf("main() also sees task as cancelled\n");
  }
  std::printf("task cancelled: %s\n", yes_no(task.cancelled()));
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro(event_loop));
  event_loop.close();
}
