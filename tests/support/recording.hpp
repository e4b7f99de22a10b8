// SPDX-License-Identifier: MIT
// Test helpers: a recorder of events in order, and a manual clock and poller that
// make time explicit for tests of the loop core.
#pragma once

#include <asim/clock.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>

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

/// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override { return now_; }
  void advance(std::int64_t ns) noexcept { now_ += ns; }
  void set(std::int64_t ns) noexcept { now_ = ns; }

 private:
  std::int64_t now_ = 0;
};

/// A poller that jumps the manual clock forward by the timeout instead of sleeping,
/// and throws when asked to wait forever (nothing could ever wake the loop).
class JumpingPoller final : public Poller {
 public:
  explicit JumpingPoller(ManualClock& clock) noexcept : clock_(clock) {}
  void poll(EventLoop& loop, std::int64_t timeout_ns) override;
  [[nodiscard]] std::uint64_t polls() const noexcept { return polls_; }

 private:
  ManualClock& clock_;
  std::uint64_t polls_ = 0;
};

/// Thrown by JumpingPoller when the loop would block forever.
struct WouldBlockForever {};

namespace detail {
struct ManualParts {
  ManualClock manual;
  JumpingPoller jumping{manual};
};
}  // namespace detail

/// The loop core on a manual clock: time jumps to the next timer, as in the
/// simulated loop, without any of the simulator's choices.
class ManualLoop final : private detail::ManualParts, public EventLoop {
 public:
  ManualLoop() : EventLoop(manual, jumping) {}
  ~ManualLoop() override { shutdown(); }
  ManualClock& manual_clock() noexcept { return manual; }
  [[nodiscard]] std::uint64_t polls() const noexcept { return jumping.polls(); }
};

}  // namespace asim::testing
