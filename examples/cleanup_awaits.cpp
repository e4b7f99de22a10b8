// SPDX-License-Identifier: MIT
// Cleanup that awaits: C++ cannot co_await inside a catch block, so asyncio's
// `except CancelledError: await ...; raise` is written with asim::outcome_of, and
// `finally: await ...` with asim::finally (twin: python/cleanup_awaits.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>
#include <utility>

namespace {

asim::Coro<void> release(std::string name) {
  std::printf("%s: returning the connection\n", name.c_str());
  co_await asim::sleep(0.01);
  std::printf("%s: connection returned\n", name.c_str());
}

asim::Coro<void> flush(std::string name) {
  std::printf("%s: flushing the log\n", name.c_str());
  co_await asim::sleep(0);
  std::printf("%s: log flushed\n", name.c_str());
}

asim::Coro<std::string> send_and_wait(std::string name, double delay) {
  std::printf("%s: request sent\n", name.c_str());
  co_await asim::sleep(delay);
  std::printf("%s: reply received\n", name.c_str());
  co_return name + " ok";
}

// asyncio: try: ... except CancelledError: await release(name); raise
asim::Coro<std::string> request(std::string name, double delay) {
  asim::Outcome<std::string> reply = co_await asim::outcome_of(send_and_wait(name, delay));
  if (reply.cancelled()) co_await release(name);
  co_return std::move(reply).value();  // the value, or a re-raise of what ended it
}

// asyncio: try: return await request(name, delay) / finally: await flush(name)
asim::Coro<std::string> handler(std::string name, double delay) {
  co_return co_await asim::finally(request(name, delay), flush(name));
}

asim::Coro<void> main_coro() {
  asim::Task<std::string> fast = asim::create_task(handler("fast", 0.01));
  asim::Task<std::string> slow = asim::create_task(handler("slow", 10));
  const std::string result = co_await fast;
  std::printf("%s\n", result.c_str());
  slow.cancel();
  try {
    co_await slow;
  } catch (const asim::CancelledError&) {
    std::printf("slow: cancelled after its cleanup\n");
  }
  std::printf("slow cancelled: %s\n", slow.cancelled() ? "True" : "False");
}

}  // namespace

int main() { asim::run(main_coro()); }
