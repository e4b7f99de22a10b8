// SPDX-License-Identifier: MIT
// Test helpers: a recorder of events in order, and the loop on a manual clock that
// tests of the loop core run on.
#pragma once

#include <asim/virtual_time_loop.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace asim::testing {

/// Collects event names in the order they happen.
class Recorder {
 public:
  void operator()(std::string event) { events_.push_back(std::move(event)); }
  [[nodiscard]] const std::vector<std::string>& events() const noexcept { return events_; }
  void clear() noexcept { events_.clear(); }

 private:
  std::vector<std::string> events_;
};

// The loop core on a clock that jumps to the next timer (<asim/virtual_time_loop.hpp>),
// under the names the tests use.
using ManualClock = asim::ManualClock;
using JumpingPoller = asim::JumpingPoller;
using WouldBlockForever = asim::WouldBlockForever;
using ManualLoop = asim::VirtualTimeLoop;

}  // namespace asim::testing
