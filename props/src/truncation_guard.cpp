// SPDX-License-Identifier: MIT
#include "truncation_guard.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <mutex>

namespace asim::props::detail {

namespace {

/// The range a thread's guard watches. Read by the signal handler, which runs in the
/// faulting thread, so a thread_local needs no lock.
struct Watched {
  const char* begin = nullptr;
  const char* end = nullptr;
  volatile std::sig_atomic_t tripped = 0;
};
thread_local Watched watched;

struct sigaction previous_action {};
std::uintptr_t page_size = 4096;

void on_sigbus(int sig, siginfo_t* info, void* context) {
  Watched& w = watched;
  const auto* address = static_cast<const char*>(info->si_addr);
  if (w.begin != nullptr && address >= w.begin && address < w.end) {
    // Zero pages from the faulting one to the end of the text, in place of the pages
    // the truncation took away (mmap is a plain system call: safe here).
    auto* from = reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(address) & ~(page_size - 1));
    void* zeros = ::mmap(from, static_cast<std::size_t>(w.end - from), PROT_READ,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zeros != MAP_FAILED) {
      w.tripped = 1;
      return;  // the faulting read runs again, and reads a zero
    }
  }
  // Not ours: whoever handled SIGBUS before (a sanitizer, say), else the default.
  if ((previous_action.sa_flags & SA_SIGINFO) != 0 && previous_action.sa_sigaction != nullptr) {
    previous_action.sa_sigaction(sig, info, context);
    return;
  }
  if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
    previous_action.sa_handler(sig);
    return;
  }
  // The default action: returning runs the faulting access again, which now kills.
  ::signal(SIGBUS, SIG_DFL);
}

/// Installed once, on the first guard, and left installed: it costs nothing while no
/// guard watches, and removing it could race with another thread's guard.
void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    const long size = ::sysconf(_SC_PAGESIZE);
    if (size > 0) page_size = static_cast<std::uintptr_t>(size);
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &previous_action);
  });
}

}  // namespace

TruncationGuard::TruncationGuard(const char* begin, std::size_t size) noexcept {
  install_handler();
  watched.tripped = 0;
  watched.end = begin + size;
  watched.begin = begin;
}

TruncationGuard::~TruncationGuard() {
  watched.begin = nullptr;
  watched.end = nullptr;
}

bool TruncationGuard::tripped() const noexcept { return watched.tripped != 0; }

}  // namespace asim::props::detail
