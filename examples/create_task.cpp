// SPDX-License-Identifier: MIT
// create_task schedules a coroutine; awaiting the task gives its value
// (twin: python/create_task.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

const char* yes_no(bool value) { return value ? "True" : "False"; }

asim::Coro<std::string> task_func() {
  std::printf("in task_func\n");
  co_return "the result";
}

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  std::printf("creating task\n");
  asim::Task<std::string> task = loop.create_task(task_func());
  std::printf("waiting for %s (done: %s)\n", task.get_name().c_str(), yes_no(task.done()));
  const std::string return_value = co_await task;
  std::printf("task completed %s (done: %s)\n", task.get_name().c_str(), yes_no(task.done()));
  std::printf("return value: '%s'\n", return_value.c_str());
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro(event_loop));
  event_loop.close();
}
