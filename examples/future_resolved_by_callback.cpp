// SPDX-License-Identifier: MIT
// A callback sets a future's result; the future is run with run_until_complete, then
// another is awaited in a coroutine (twin: python/future_resolved_by_callback.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

void mark_done(asim::Future<std::string> future, const std::string& result) {
  std::printf("setting future result to '%s'\n", result.c_str());
  future.set_result(result);
}

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  asim::Future<std::string> all_done = loop.create_future<std::string>();
  std::printf("scheduling mark_done\n");
  loop.call_soon(mark_done, all_done, std::string("the awaited result"));
  const std::string result = co_await all_done;
  std::printf("returned result: '%s'\n", result.c_str());
}

}  // namespace

int main() {
  // The future outlives the loop, as the Python twin reads its result after close().
  asim::Future<std::string> all_done;
  {
    asim::RealLoop event_loop;
    all_done = event_loop.create_future<std::string>();
    std::printf("scheduling mark_done\n");
    event_loop.call_soon(mark_done, all_done, std::string("the result"));
    std::printf("entering event loop\n");
    const std::string result = event_loop.run_until_complete(all_done);
    std::printf("returned result: '%s'\n", result.c_str());
    std::printf("awaiting a future in a coroutine\n");
    event_loop.run_until_complete(main_coro(event_loop));
    std::printf("closing event loop\n");
    event_loop.close();
  }
  std::printf("future result: '%s'\n", all_done.result().c_str());
}
