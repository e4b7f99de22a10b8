// SPDX-License-Identifier: MIT
// call_soon with arguments, and keyword-like arguments bound by a lambda
// (twin: python/call_soon_arguments.py, where functools.partial binds them).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

void callback(int arg, const std::string& kwarg = "default") {
  std::printf("callback invoked with %d and %s\n", arg, kwarg.c_str());
}

asim::Coro<void> main_coro(asim::EventLoop& loop) {
  std::printf("registering callbacks\n");
  loop.call_soon([](int arg) { callback(arg); }, 1);
  auto wrapped = [](int arg) { callback(arg, "not default"); };
  loop.call_soon(wrapped, 2);
  co_await asim::sleep(0.1);
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  std::printf("entering event loop\n");
  event_loop.run_until_complete(main_coro(event_loop));
  std::printf("closing event loop\n");
  event_loop.close();
}
