// SPDX-License-Identifier: MIT
// as_completed gives results as soon as each piece of work finishes
// (twin: python/as_completed.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

asim::Coro<std::string> phase(int i, double delay) {
  co_await asim::sleep(delay);
  co_return "result of phase " + std::to_string(i);
}

asim::Coro<void> main_coro() {
  std::vector<asim::Task<std::string>> tasks;
  tasks.push_back(asim::create_task(phase(0, 0.2)));
  tasks.push_back(asim::create_task(phase(1, 0.05)));
  tasks.push_back(asim::create_task(phase(2, 0.1)));
  for (asim::Coro<std::string>& next : asim::as_completed(tasks)) {
    std::string result = co_await next;
    std::printf("received: %s\n", result.c_str());
  }
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  event_loop.run_until_complete(main_coro());
  event_loop.close();
}
