// SPDX-License-Identifier: MIT
// RealLoop: the loop core on the monotonic clock and an epoll poller.
#pragma once

#include <asim/clock.hpp>
#include <asim/detail/signal_handlers.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>
#include <asim/poller.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

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

  /// Calls `fn(args...)` (as a callback of the loop, in the context current now) each
  /// time `sig` arrives, until remove_signal_handler; a second call replaces the
  /// handler. Throws ValueError for an invalid signal number, RuntimeError for SIGKILL
  /// and SIGSTOP or on a closed loop. The signal is blocked in the loop's thread and
  /// read from a signalfd: block it in other threads too (see SignalHandlers).
  /// asyncio: loop.add_signal_handler.
  template <class F, class... Args>
  void add_signal_handler(int sig, F&& fn, Args&&... args) {
    detail::check_signal(sig);
    check_closed();
    if (!signal_handlers_) signal_handlers_ = std::make_unique<detail::SignalHandlers>(*this, epoll_poller);
    signal_handlers_->add(sig, io_handle(std::forward<F>(fn), std::forward<Args>(args)...));
  }
  /// Removes the handler of `sig`; false when it had none. Throws ValueError for an
  /// invalid signal number. asyncio: loop.remove_signal_handler.
  bool remove_signal_handler(int sig) {
    detail::check_signal(sig);
    return signal_handlers_ != nullptr && signal_handlers_->remove(sig);
  }

 private:
  // Destroyed before the loop core: removing the handlers restores the signal mask
  // (asyncio's close removes every signal handler).
  std::unique_ptr<detail::SignalHandlers> signal_handlers_;
};

namespace detail {
/// asyncio.run's `loop.run_until_complete(loop.shutdown_default_executor())` (executor.cpp).
void shutdown_default_executor(EventLoop& loop);
}  // namespace detail

/// Runs `coro` to completion on a new RealLoop, then cancels the tasks left, runs
/// them to completion (before the frame of `coro` is destroyed, so their cleanup
/// may still use its locals' storage), shuts the default executor down and closes the
/// loop, as asyncio.run does.
template <class T>
T run(Coro<T> coro) {
  if (running_loop() != nullptr) throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  RealLoop loop;
  struct Finally {
    EventLoop& loop;
    ~Finally() {
      detail::shutdown_default_executor(loop);
      loop.close();
    }
  } finally{loop};
  return loop.run_until_complete(std::move(coro));
}

}  // namespace asim
