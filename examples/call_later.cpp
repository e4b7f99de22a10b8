// SPDX-License-Identifier: MIT
// Two call_later callbacks and one call_soon: the call_soon one runs first, then the
// timers in deadline order (twin: python/call_later.py).
#include <asim/asim.hpp>

#include <cstdio>

namespace {

void callback(int n) { std::printf("callback %d invoked\n", n); }

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  std::printf("registering callbacks\n");
  loop.call_later(0.2, callback, 1);
  loop.call_later(0.1, callback, 2);
  loop.call_soon(callback, 3);
  co_await asim::sleep(0.3);
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  std::printf("entering event loop\n");
  event_loop.run_until_complete(main_coro(event_loop));
  std::printf("closing event loop\n");
  event_loop.close();
}
