// SPDX-License-Identifier: MIT
// Starts a coroutine with run_until_complete (twin: python/hello_coroutine.py).
#include <asim/asim.hpp>

#include <cstdio>

namespace {

asim::Coro<void> hello_world() {
  std::printf("Hello World!\n");
  co_return;
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  std::printf("starting coroutine\n");
  // Like a Python coroutine object, a Coro runs nothing until the loop steps it.
  asim::Coro<void> coro = hello_world();
  std::printf("entering event loop\n");
  event_loop.run_until_complete(std::move(coro));
  std::printf("closing event loop\n");
  event_loop.close();
}
