// SPDX-License-Identifier: MIT
// ensure_future turns a coroutine into a scheduled task; it runs once the awaiting
// coroutine yields to the loop (twin: python/ensure_future.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

asim::Coro<std::string> wrapped() {
  std::printf("wrapped\n");
  co_return "result";
}

asim::Coro<void> inner(asim::Task<std::string> task) {
  std::printf("inner: starting\n");
  std::printf("inner: waiting for %s\n", task.get_name().c_str());
  const std::string result = co_await task;
  std::printf("inner: task returned '%s'\n", result.c_str());
}

asim::Coro<void> starter() {
  std::printf("starter: creating task\n");
  asim::Task<std::string> task = asim::ensure_future(wrapped());
  std::printf("starter: waiting for inner\n");
  co_await inner(task);
  std::printf("starter: inner returned\n");
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  std::printf("entering event loop\n");
  event_loop.run_until_complete(starter());
  std::printf("closing event loop\n");
  event_loop.close();
}
