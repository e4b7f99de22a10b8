// SPDX-License-Identifier: MIT
// The real loop: monotonic clock, epoll poller with an eventfd wake-up.
#include <asim/real_loop.hpp>
#include <asim/selector_events.hpp>
#include <asim/task.hpp>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <system_error>

namespace asim {

std::int64_t MonotonicClock::now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

EpollPoller::EpollPoller() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    const int error = errno;
    ::close(epoll_fd_);
    throw std::system_error(error, std::generic_category(), "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
    const int error = errno;
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw std::system_error(error, std::generic_category(), "epoll_ctl(eventfd)");
  }
}

EpollPoller::~EpollPoller() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EpollPoller::wake() noexcept {
  const std::uint64_t one = 1;
  // A full counter already guarantees a wake-up, so a failed write is harmless.
  [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void EpollPoller::poll(EventLoop& loop, std::int64_t timeout_ns) {
  int timeout_ms = -1;
  if (timeout_ns >= 0) {
    // Round up, as asyncio's selector does, so a timer is never polled for too early.
    const std::int64_t ms = (timeout_ns + 999'999) / 1'000'000;
    timeout_ms = ms > 24LL * 3600 * 1000 ? 24 * 3600 * 1000 : static_cast<int>(ms);
  }
  constexpr int max_events = 64;
  epoll_event events[max_events];
  int count = epoll_wait(epoll_fd_, events, max_events, timeout_ms);
  if (count < 0) {
    if (errno == EINTR) return;
    throw std::system_error(errno, std::generic_category(), "epoll_wait");
  }
  for (int i = 0; i < count; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      std::uint64_t value = 0;
      [[maybe_unused]] ssize_t got = ::read(wake_fd_, &value, sizeof value);
      continue;
    }
    auto it = watches_.find(fd);
    if (it == watches_.end()) continue;
    const std::uint32_t mask = events[i].events;
    // asyncio: _process_events adds the reader's handle, then the writer's.
    const bool readable = (mask & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
    const bool writable = (mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
    for (Handle* handle : {readable ? &it->second.reader : nullptr, writable ? &it->second.writer : nullptr}) {
      if (handle == nullptr || !*handle || handle->cancelled()) continue;
      detail::CallbackNode* node = handle->node();
      node->add_ref();
      loop.schedule(*node);
    }
  }
}

void EpollPoller::update(int fd, Watch& watch, bool existed) {
  epoll_event event{};
  event.data.fd = fd;
  if (watch.reader) event.events |= EPOLLIN;
  if (watch.writer) event.events |= EPOLLOUT;
  int rc = 0;
  if (event.events == 0) {
    rc = epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(fd);
  } else {
    rc = epoll_ctl(epoll_fd_, existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
  }
  if (rc != 0) {
    const int error = errno;
    if (event.events != 0 && !existed) watches_.erase(fd);
    throw std::system_error(error, std::generic_category(), "epoll_ctl");
  }
}

void EpollPoller::add_reader(int fd, Handle callback) {
  auto [it, inserted] = watches_.try_emplace(fd);
  it->second.reader.cancel();
  it->second.reader = std::move(callback);
  update(fd, it->second, !inserted);
}

void EpollPoller::add_writer(int fd, Handle callback) {
  auto [it, inserted] = watches_.try_emplace(fd);
  it->second.writer.cancel();
  it->second.writer = std::move(callback);
  update(fd, it->second, !inserted);
}

bool EpollPoller::remove_reader(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || !it->second.reader) return false;
  it->second.reader.cancel();
  it->second.reader = Handle();
  update(fd, it->second, true);
  return true;
}

bool EpollPoller::remove_writer(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || !it->second.writer) return false;
  it->second.writer.cancel();
  it->second.writer = Handle();
  update(fd, it->second, true);
  return true;
}

RealLoop::RealLoop() : EventLoop(monotonic_clock, epoll_poller) {}

Network& RealLoop::network() { return socket_network(); }

RealLoop::~RealLoop() {
  // Tear down while the poller still exists: frames may touch the loop.
  shutdown();
}

}  // namespace asim
