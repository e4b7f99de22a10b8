// SPDX-License-Identifier: MIT
// RealLoop: the loop core on the monotonic clock and an epoll poller.
#pragma once

#include <asim/clock.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>

#include <cstdint>
#include <functional>
#include <map>

namespace asim {

/// The system's monotonic clock (asyncio: time.monotonic).
class MonotonicClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept override;
};

/// Waits with epoll; an eventfd lets other threads wake it (asyncio: the selector
/// plus the self-pipe). Readers and writers are level-triggered callbacks per fd.
class EpollPoller final : public Poller {
 public:
  EpollPoller();
  EpollPoller(const EpollPoller&) = delete;
  EpollPoller& operator=(const EpollPoller&) = delete;
  ~EpollPoller() override;

  void poll(EventLoop& loop, std::int64_t timeout_ns) override;
  void wake() noexcept override;

  void add_reader(int fd, Handle callback) override;
  bool remove_reader(int fd) override;
  void add_writer(int fd, Handle callback) override;
  bool remove_writer(int fd) override;
  [[nodiscard]] std::size_t watched_fds() const noexcept { return watches_.size(); }

 private:
  struct Watch {
    Handle reader;
    Handle writer;
  };
  void update(int fd, Watch& watch, bool existed);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::map<int, Watch> watches_;
};

namespace detail {
/// Owns the clock and poller so they are built before the EventLoop base uses them.
struct RealLoopParts {
  MonotonicClock monotonic_clock;
  EpollPoller epoll_poller;
};
}  // namespace detail

/// The production loop. asyncio: the default (selector) event loop.
class RealLoop final : private detail::RealLoopParts, public EventLoop {
 public:
  RealLoop();
  ~RealLoop() override;

  /// Sockets over this loop's epoll poller (asyncio: selector_events).
  [[nodiscard]] Network& network() override;
};

/// Runs `coro` to completion on a new RealLoop, then cancels the tasks left, runs
/// them to completion (before the frame of `coro` is destroyed, so their cleanup
/// may still use its locals' storage) and closes the loop, as asyncio.run does.
template <class T>
T run(Coro<T> coro) {
  if (running_loop() != nullptr) throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  RealLoop loop;
  return loop.run_until_complete(std::move(coro));
}

}  // namespace asim
