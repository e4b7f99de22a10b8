// SPDX-License-Identifier: MIT
// Done-callbacks run in registration order, one loop iteration after set_result,
// never inline (twin: python/future_done_callbacks.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <string>

namespace {

void callback(const asim::Future<std::string>& future, int n) {
  std::printf("%d: future done: %s\n", n, future.result().c_str());
}

asim::Coro<void> register_callbacks(asim::Future<std::string> all_done) {
  std::printf("registering callbacks on future\n");
  all_done.add_done_callback([](const asim::Future<std::string>& future) { callback(future, 1); });
  all_done.add_done_callback([](const asim::Future<std::string>& future) { callback(future, 2); });
  co_return;
}

asim::Coro<void> main_coro(asim::Future<std::string> all_done) {
  co_await register_callbacks(all_done);
  std::printf("setting result of future\n");
  all_done.set_result(std::string("the result"));
  std::printf("result set; callbacks not run yet\n");
}

}  // namespace

int main() {
  asim::RealLoop event_loop;
  asim::Future<std::string> all_done = event_loop.create_future<std::string>();
  event_loop.run_until_complete(main_coro(all_done));
  event_loop.close();
}
