// SPDX-License-Identifier: MIT
// Signal handlers of the real loop over a signalfd (asyncio: unix_events).
#include <asim/detail/signal_handlers.hpp>
#include <asim/real_loop.hpp>

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>
#include <system_error>

namespace asim::detail {

// asyncio: _UnixSelectorEventLoop._check_signal
void check_signal(int sig) {
  sigset_t valid;
  sigfillset(&valid);  // the signals the C library knows: what signal.valid_signals() lists
  if (sig < 1 || sig >= NSIG || sigismember(&valid, sig) != 1) {
    throw ValueError("invalid signal number " + std::to_string(sig));
  }
}

SignalHandlers::~SignalHandlers() {
  while (!handlers_.empty()) remove(handlers_.begin()->first);
}

// asyncio: _UnixSelectorEventLoop.add_signal_handler
void SignalHandlers::add(int sig, Handle handle) {
  check_signal(sig);
  // signal.signal() fails with EINVAL for these two.
  if (sig == SIGKILL || sig == SIGSTOP) throw RuntimeError("sig " + std::to_string(sig) + " cannot be caught");
  if (handlers_.find(sig) == handlers_.end()) {
    sigset_t one;
    sigset_t previous;
    sigemptyset(&one);
    sigaddset(&one, sig);
    if (const int error = pthread_sigmask(SIG_BLOCK, &one, &previous); error != 0) {
      throw RuntimeError(std::system_category().message(error));
    }
    was_blocked_[sig] = sigismember(&previous, sig) == 1;
  }
  handlers_[sig] = std::move(handle);
  try {
    update_fd();
  } catch (...) {
    remove(sig);
    throw;
  }
}

// asyncio: _UnixSelectorEventLoop.remove_signal_handler
bool SignalHandlers::remove(int sig) {
  check_signal(sig);
  auto it = handlers_.find(sig);
  if (it == handlers_.end()) return false;
  handlers_.erase(it);
  update_fd();
  // An instance already pending would hit the default action once unblocked; asyncio
  // ignores a signal whose handler is gone, so it is discarded here.
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  const timespec zero{};
  while (sigtimedwait(&one, nullptr, &zero) == sig) {
  }
  if (!was_blocked_[sig]) pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  was_blocked_.erase(sig);
  return true;
}

void SignalHandlers::update_fd() {
  if (handlers_.empty()) {
    if (fd_ >= 0) {
      poller_.remove_reader(fd_);
      ::close(fd_);
      fd_ = -1;
    }
    return;
  }
  sigset_t mask;
  sigemptyset(&mask);
  for (const auto& [sig, handle] : handlers_) sigaddset(&mask, sig);
  const int fd = signalfd(fd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw RuntimeError(std::system_category().message(errno));
  if (fd_ < 0) {
    fd_ = fd;
    // asyncio: the self-pipe reader, _read_from_self, runs as an I/O callback.
    Handle reader(loop_.make_node([this] { read_signals(); }));
    reader.node()->release();  // the Handle is the only owner, as RealLoop's io handles
    poller_.add_reader(fd_, std::move(reader));
  }
}

// asyncio: _process_self_data -> _handle_signal -> _add_callback_signalsafe
void SignalHandlers::read_signals() {
  signalfd_siginfo info[16];
  while (true) {
    const ssize_t got = ::read(fd_, info, sizeof info);
    if (got <= 0) return;  // EAGAIN: drained
    for (ssize_t i = 0; i < got / static_cast<ssize_t>(sizeof(signalfd_siginfo)); ++i) {
      auto it = handlers_.find(static_cast<int>(info[i].ssi_signo));
      if (it == handlers_.end()) continue;  // asyncio: "Assume it's some race condition."
      CallbackNode* node = it->second.node();
      if (node->cancelled_) {
        remove(it->first);  // asyncio: "Remove it properly."
        continue;
      }
      node->add_ref();
      loop_.schedule(*node);
    }
  }
}

}  // namespace asim::detail
