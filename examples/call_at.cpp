// SPDX-License-Identifier: MIT
// call_at with deadlines computed from loop.time() (twin: python/call_at.py). Times
// print as loop time elapsed since `now`, rounded down to 0.1 s: a timer never fires
// early, and lateness under load (below 0.09 s) does not show.
#include <asim/asim.hpp>

#include <cmath>
#include <cstdio>

namespace {

void callback(int n, asim::EventLoop* loop, double start) {
  const double elapsed = std::floor((loop->time() - start) * 10 + 0.01) / 10;
  std::printf("callback %d invoked at now + %.1f\n", n, elapsed);
}

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  const double now = loop.time();
  std::printf("registering callbacks\n");
  loop.call_at(now + 0.2, callback, 1, &loop, now);
  loop.call_at(now + 0.1, callback, 2, &loop, now);
  loop.call_soon(callback, 3, &loop, now);
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
