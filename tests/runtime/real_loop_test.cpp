// SPDX-License-Identifier: MIT
// Tests of RealLoop: epoll readers and writers, a TCP echo over 127.0.0.1,
// thread-safe wake-ups and asim::run.
#include <asim/real_loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

/// A future set the next time `fd` is readable; the reader is removed when it fires.
asim::Future<void> readable(asim::RealLoop& loop, int fd) {
  asim::Future<void> ready = loop.create_future<void>();
  loop.add_reader(fd, [&loop, fd, ready]() mutable {
    loop.remove_reader(fd);
    if (!ready.done()) ready.set_result();
  });
  return ready;
}

/// A future set the next time `fd` is writable.
asim::Future<void> writable(asim::RealLoop& loop, int fd) {
  asim::Future<void> ready = loop.create_future<void>();
  loop.add_writer(fd, [&loop, fd, ready]() mutable {
    loop.remove_writer(fd);
    if (!ready.done()) ready.set_result();
  });
  return ready;
}

int listen_on_loopback(std::uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

asim::Coro<std::size_t> echo_server(asim::RealLoop* loop, int listener) {
  co_await readable(*loop, listener);
  const int conn = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (conn < 0) throw asim::RuntimeError("accept failed");
  std::size_t echoed = 0;
  char buffer[256];
  while (true) {
    co_await readable(*loop, conn);
    const ssize_t n = ::read(conn, buffer, sizeof buffer);
    if (n == 0) break;  // the client closed
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      break;
    }
    ssize_t sent = 0;
    while (sent < n) {
      co_await writable(*loop, conn);
      const ssize_t w = ::write(conn, buffer + sent, static_cast<std::size_t>(n - sent));
      if (w > 0) sent += w;
    }
    echoed += static_cast<std::size_t>(n);
  }
  ::close(conn);
  co_return echoed;
}

asim::Coro<std::string> echo_client(asim::RealLoop* loop, std::uint16_t port, std::string message) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    throw asim::RuntimeError("connect failed");
  }
  co_await writable(*loop, fd);
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) {
    ::close(fd);
    throw asim::RuntimeError("connect failed asynchronously");
  }
  std::size_t sent = 0;
  while (sent < message.size()) {
    co_await writable(*loop, fd);
    const ssize_t w = ::write(fd, message.data() + sent, message.size() - sent);
    if (w > 0) sent += static_cast<std::size_t>(w);
  }
  std::string received;
  char buffer[256];
  while (received.size() < message.size()) {
    co_await readable(*loop, fd);
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  co_return received;
}

asim::Coro<void> sleep_until_cancelled(bool* cancelled) {
  try {
    co_await asim::sleep(3600.0);
  } catch (const asim::CancelledError&) {
    *cancelled = true;
    throw;
  }
}

asim::Coro<int> main_leaving_a_task_behind(bool* cancelled) {
  (void)asim::create_task(sleep_until_cancelled(cancelled));
  co_await asim::sleep(0);
  co_return 3;
}

asim::Coro<int> main_that_throws() {
  co_await asim::sleep(0);
  throw asim::ValueError("main failed");
}

asim::Coro<double> short_real_sleep() {
  const double start = asim::get_running_loop().time();
  co_await asim::sleep(0.002);
  co_return asim::get_running_loop().time() - start;
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
      read_end = fds[0];
      write_end = fds[1];
    }
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
};

}  // namespace

TEST(RealLoop, TcpEchoOverLoopbackWithNonBlockingSockets) {
  asim::RealLoop loop;
  std::uint16_t port = 0;
  const int listener = listen_on_loopback(&port);
  ASSERT_GE(listener, 0);
  asim::Task<std::size_t> server = loop.create_task(echo_server(&loop, listener), "server");
  const std::string message = "hello, asim over tcp";
  // A Future: a coroutine here would be run as asyncio.run runs it, cancelling the server.
  EXPECT_EQ(loop.run_until_complete(asim::Future<std::string>(loop.create_task(echo_client(&loop, port, message)))),
            message);
  EXPECT_EQ(loop.run_until_complete(server), message.size());
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
  ::close(listener);
}

TEST(RealLoop, ReaderIsLevelTriggeredUntilRemoved) {
  asim::RealLoop loop;
  Pipe pipe;
  ASSERT_GE(pipe.read_end, 0);
  int calls = 0;
  loop.add_reader(pipe.read_end, [&calls] { ++calls; });
  ASSERT_EQ(::write(pipe.write_end, "x", 1), 1);
  loop.run_once();
  EXPECT_EQ(calls, 1);
  loop.run_once();  // the byte is still unread: readable again
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(loop.remove_reader(pipe.read_end));
  EXPECT_FALSE(loop.remove_reader(pipe.read_end));
  loop.call_soon([] {});
  loop.run_once();
  EXPECT_EQ(calls, 2);
}

TEST(RealLoop, AddReaderAgainReplacesTheCallback) {
  asim::RealLoop loop;
  Pipe pipe;
  std::vector<std::string> calls;
  loop.add_reader(pipe.read_end, [&calls] { calls.push_back("old"); });
  loop.add_reader(pipe.read_end, [&calls] { calls.push_back("new"); });
  ASSERT_EQ(::write(pipe.write_end, "x", 1), 1);
  loop.run_once();
  EXPECT_EQ(calls, (std::vector<std::string>{"new"}));
  EXPECT_TRUE(loop.remove_reader(pipe.read_end));
  EXPECT_EQ(loop.callbacks_in_use(), 0u);
}

TEST(RealLoop, WriterFiresWhileWritableUntilRemoved) {
  asim::RealLoop loop;
  Pipe pipe;
  int calls = 0;
  EXPECT_FALSE(loop.remove_writer(pipe.write_end));
  loop.add_writer(pipe.write_end, [&calls] { ++calls; });
  loop.run_once();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(loop.remove_writer(pipe.write_end));
  EXPECT_FALSE(loop.remove_writer(pipe.write_end));
  loop.call_soon([] {});
  loop.run_once();
  EXPECT_EQ(calls, 1);
}

TEST(RealLoop, ReaderAndWriterOnOneFdAreIndependent) {
  asim::RealLoop loop;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  std::vector<std::string> calls;
  loop.add_reader(fds[0], [&calls] { calls.push_back("read"); });
  loop.add_writer(fds[0], [&calls] { calls.push_back("write"); });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  loop.run_once();
  EXPECT_EQ(calls, (std::vector<std::string>{"read", "write"}));  // asyncio: reader first
  EXPECT_TRUE(loop.remove_writer(fds[0]));
  calls.clear();
  loop.run_once();
  EXPECT_EQ(calls, (std::vector<std::string>{"read"}));
  EXPECT_TRUE(loop.remove_reader(fds[0]));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(RealLoop, AddReaderOnAClosedLoopThrowsRuntimeError) {
  asim::RealLoop loop;
  Pipe pipe;
  loop.close();
  EXPECT_THROW(loop.add_reader(pipe.read_end, [] {}), asim::RuntimeError);
  EXPECT_THROW(loop.add_writer(pipe.write_end, [] {}), asim::RuntimeError);
}

TEST(RealLoop, CallSoonThreadsafeWakesALoopBlockedInRunForever) {
  asim::RealLoop loop;
  std::atomic<bool> running{false};
  std::atomic<bool> ran{false};
  loop.call_soon([&running] { running = true; });
  std::thread other([&] {
    while (!running) std::this_thread::yield();
    loop.call_soon_threadsafe([&] {
      ran = true;
      loop.stop();
    });
  });
  loop.run_forever();  // nothing else is scheduled: only the other thread can end this
  other.join();
  EXPECT_TRUE(ran);
}

TEST(RealLoop, CallSoonThreadsafeFromManyThreadsKeepsEachThreadsOrder) {
  asim::RealLoop loop;
  constexpr int per_thread = 200;
  std::vector<int> last_seen(2, -1);
  int total = 0;
  bool in_order = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        loop.call_soon_threadsafe([&, t, i] {
          if (i != last_seen[t] + 1) in_order = false;
          last_seen[t] = i;
          if (++total == 2 * per_thread) loop.stop();
        });
      }
    });
  }
  loop.run_forever();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(total, 2 * per_thread);
  EXPECT_TRUE(in_order);
}

TEST(RealLoop, TimersFireOnTheMonotonicClock) {
  asim::RealLoop loop;
  EXPECT_GE(loop.run_until_complete(short_real_sleep()), 0.002);  // never early
}

TEST(RealLoop, DestroyingARealLoopWithAWatchedFdFreesTheCallback) {
  struct Counted {
    int* live;
    explicit Counted(int* l) : live(l) { ++*live; }
    Counted(const Counted& other) : live(other.live) { ++*live; }
    ~Counted() { --*live; }
  };
  Pipe pipe;
  int live = 0;
  {
    asim::RealLoop loop;
    loop.add_reader(pipe.read_end, [held = Counted(&live)] { (void)held; });
    EXPECT_EQ(live, 1);
    EXPECT_EQ(loop.callbacks_in_use(), 1u);
  }
  EXPECT_EQ(live, 0);
}

TEST(Run, ReturnsTheResultAndCancelsTheTasksLeft) {
  bool cancelled = false;
  EXPECT_EQ(asim::run(main_leaving_a_task_behind(&cancelled)), 3);
  EXPECT_TRUE(cancelled);
}

TEST(Run, RethrowsTheExceptionOfTheMainCoroutine) {
  EXPECT_THROW(asim::run(main_that_throws()), asim::ValueError);
}
