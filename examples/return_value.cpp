// SPDX-License-Identifier: MIT
// A coroutine returns a value through run_until_complete (twin: python/return_value.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

asim::Coro<std::string> coroutine() {
  std::printf("in coroutine\n");
  co_return "result";
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  const std::string return_value = event_loop.run_until_complete(coroutine());
  std::printf("it returned: '%s'\n", return_value.c_str());
  event_loop.close();
}
