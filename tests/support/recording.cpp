// SPDX-License-Identifier: MIT
#include "support/recording.hpp"

namespace asim::testing {

void JumpingPoller::poll(EventLoop& /*loop*/, std::int64_t timeout_ns) {
  ++polls_;
  if (timeout_ns == Poller::forever) throw WouldBlockForever{};
  clock_.advance(timeout_ns);
}

}  // namespace asim::testing
