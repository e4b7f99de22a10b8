// SPDX-License-Identifier: MIT
// The real loop's signal handlers over a signalfd (asyncio: unix_events'
// add_signal_handler / remove_signal_handler and the self-pipe's signal numbers).
#pragma once

#include <asim/handle.hpp>

#include <signal.h>

#include <map>

namespace asim {
class EpollPoller;
class EventLoop;
}  // namespace asim

namespace asim::detail {

/// Throws ValueError("invalid signal number N") unless `sig` is a signal the system
/// knows (Python: signal.valid_signals()). asyncio: _UnixSelectorEventLoop._check_signal.
void check_signal(int sig);

/// The signals a RealLoop handles. Each handled signal is blocked in the loop's
/// thread and read from one signalfd, watched by the loop's poller; a signal read
/// schedules its handler's handle like a ready callback (asyncio:
/// `_add_callback_signalsafe`). Removing a handler discards instances of the signal
/// still pending and restores the thread's signal mask.
///
/// Ground rules: only the loop's thread (signalfd sees the signals blocked in the
/// reading thread and those sent to the process); other threads must block the
/// signals too (the executor's workers block all asynchronous signals), else the
/// kernel may deliver a process-directed signal to them with its default action.
class SignalHandlers {
 public:
  SignalHandlers(EventLoop& loop, EpollPoller& poller) noexcept : loop_(loop), poller_(poller) {}
  SignalHandlers(const SignalHandlers&) = delete;
  SignalHandlers& operator=(const SignalHandlers&) = delete;
  ~SignalHandlers();

  /// Installs (or replaces) the handler of `sig`; `handle` owns the callback.
  /// RuntimeError("sig N cannot be caught") for SIGKILL and SIGSTOP.
  void add(int sig, Handle handle);
  /// False when `sig` had no handler.
  bool remove(int sig);
  [[nodiscard]] bool empty() const noexcept { return handlers_.empty(); }

 private:
  void read_signals();
  void update_fd();

  EventLoop& loop_;
  EpollPoller& poller_;
  int fd_ = -1;
  std::map<int, Handle> handlers_;
  std::map<int, bool> was_blocked_;  // the thread's mask for each handled signal before add
};

}  // namespace asim::detail
