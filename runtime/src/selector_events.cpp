// SPDX-License-Identifier: MIT
// Sockets on the loop's descriptor watches (asyncio: selector_events, and the socket
// parts of base_events: create_connection, create_server, create_datagram_endpoint).
#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>
#include <asim/selector_events.hpp>
#include <asim/server.hpp>
#include <asim/streams_errors.hpp>
#include <asim/task.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace asim {

namespace {

// asyncio: the tail of _create_connection_transport (and of create_datagram_endpoint):
// wait until the transport has started; if that fails, close it and raise.
template <class SomeTransport>
Coro<void> wait_until_started(std::shared_ptr<SomeTransport> transport, Future<void> waiter) {
  std::exception_ptr error;
  try {
    co_await waiter;
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    transport->close();
    std::rethrow_exception(error);
  }
}

// asyncio: _SelectorTransport.max_size, the most one recv() takes.
constexpr std::size_t max_recv_size = 256 * 1024;

// One receive buffer per thread: data_received copies what it keeps.
char* recv_buffer() {
  static thread_local std::unique_ptr<char[]> buffer(new char[max_recv_size]);
  return buffer.get();
}

// Python's OSError for a failed system call: "[Errno 104] Connection reset by peer".
std::exception_ptr errno_error(int error) { return make_os_error(error, std::strerror(error)); }

bool would_block(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

int to_af(SocketAddress::Family family) noexcept {
  switch (family) {
    case SocketAddress::Family::ipv4: return AF_INET;
    case SocketAddress::Family::ipv6: return AF_INET6;
    default: return AF_UNSPEC;
  }
}

SocketAddress address_of(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  SocketAddress result;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    result = {text, ntohs(in->sin_port), SocketAddress::Family::ipv4};
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    result = {text, ntohs(in6->sin6_port), SocketAddress::Family::ipv6};
  }
  return result;
}

std::optional<SocketAddress> sockname_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
  return address_of(reinterpret_cast<sockaddr*>(&storage));
}

std::optional<SocketAddress> peername_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
  return address_of(reinterpret_cast<sockaddr*>(&storage));
}

// Python's repr of a socket address tuple, for messages: ('127.0.0.1', 1), ('::1', 1, 0, 0).
std::string python_address(const SocketAddress& address) {
  std::string text = "('" + address.host + "', " + std::to_string(address.port);
  if (address.family == SocketAddress::Family::ipv6) text += ", 0, 0";
  return text + ")";
}

struct AddrInfo {
  int family = 0;
  int socktype = 0;
  int protocol = 0;
  sockaddr_storage address{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept { return reinterpret_cast<const sockaddr*>(&address); }
  [[nodiscard]] SocketAddress socket_address() const { return address_of(sockaddr_ptr()); }
};

// asyncio: loop.getaddrinfo. Literal addresses never look anything up; names do, on
// this thread (documented in selector_events.hpp).
std::vector<AddrInfo> resolve(const std::string& host, std::uint16_t port, int family, int socktype, bool passive) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST | (passive ? AI_PASSIVE : 0);
  const char* node = host.empty() ? nullptr : host.c_str();
  const std::string service = std::to_string(port);
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(node, service.c_str(), &hints, &found);
  if (rc == EAI_NONAME && node != nullptr) {
    hints.ai_flags &= ~AI_NUMERICHOST;
    rc = ::getaddrinfo(node, service.c_str(), &hints, &found);
  }
  // Python raises socket.gaierror, an OSError whose errno is the EAI_ code.
  if (rc != 0) throw GaiError(rc, ::gai_strerror(rc));
  std::vector<AddrInfo> infos;
  for (addrinfo* info = found; info != nullptr; info = info->ai_next) {
    if (info->ai_family != AF_INET && info->ai_family != AF_INET6) continue;
    AddrInfo entry;
    entry.family = info->ai_family;
    entry.socktype = info->ai_socktype;
    entry.protocol = info->ai_protocol;
    std::memcpy(&entry.address, info->ai_addr, info->ai_addrlen);
    entry.length = info->ai_addrlen;
    bool duplicate = false;  // asyncio makes a set of the infos
    for (const AddrInfo& seen : infos) {
      duplicate = duplicate || (seen.family == entry.family && seen.length == entry.length &&
                                std::memcmp(&seen.address, &entry.address, entry.length) == 0);
    }
    if (!duplicate) infos.push_back(entry);
  }
  ::freeaddrinfo(found);
  if (infos.empty()) throw OSError("getaddrinfo() returned empty list");
  return infos;
}

/// Owns a descriptor until released: every early exit (an error, a cancellation,
/// a frame destroyed at teardown) closes it.
class FdGuard {
 public:
  explicit FdGuard(int fd = -1) noexcept : fd_(fd) {}
  FdGuard(FdGuard&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FdGuard& operator=(FdGuard&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~FdGuard() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

/// Removes a writer watch when the awaiting frame leaves its scope, however it leaves.
struct WriterWatch {
  EventLoop* loop;
  int fd;
  WriterWatch(EventLoop* watched_loop, int watched_fd) noexcept : loop(watched_loop), fd(watched_fd) {}
  WriterWatch(const WriterWatch&) = delete;
  WriterWatch& operator=(const WriterWatch&) = delete;
  ~WriterWatch() {
    try {
      loop->remove_writer(fd);
    } catch (...) {  // epoll_ctl cannot fail on a watched fd; nothing to report from a destructor
    }
  }
};

void set_flag(int fd, int level, int option) {
  const int one = 1;
  ::setsockopt(fd, level, option, &one, sizeof one);
}

// -- transports -------------------------------------------------------------------

/// What asyncio's _SelectorTransport gives both socket transports: the descriptor,
/// the protocol, close / abort / connection-lost sequencing and the server count.
template <class Interface, class ProtocolType>
class SelectorTransport : public FlowControl<Interface>,
                          public std::enable_shared_from_this<SelectorTransport<Interface, ProtocolType>> {
 public:
  SelectorTransport(EventLoop& loop, int fd, std::shared_ptr<ProtocolType> protocol, std::shared_ptr<Server> server)
      : loop_(&loop), fd_(fd), protocol_(std::move(protocol)), server_(std::move(server)) {
    sockname_ = sockname_of(fd);
    peername_ = peername_of(fd);
    if (server_) server_->attach();
  }
  SelectorTransport(const SelectorTransport&) = delete;
  SelectorTransport& operator=(const SelectorTransport&) = delete;
  // Reached with an open descriptor only when the loop is torn down: close it
  // without touching the loop.
  ~SelectorTransport() override {
    if (fd_ >= 0) ::close(fd_);
  }

  [[nodiscard]] EventLoop& get_loop() const noexcept override { return *loop_; }
  [[nodiscard]] bool is_closing() const noexcept override { return closing_; }
  [[nodiscard]] std::optional<SocketAddress> get_extra_info(std::string_view name) const override {
    if (name == "peername") return peername_;
    if (name == "sockname") return sockname_;
    return std::nullopt;
  }

  /// asyncio: _SelectorSocketTransport.__init__'s call_soon sequence.
  void start(Future<void> waiter) {
    auto self = this->shared_from_this();
    loop_->call_soon([self] {
      if (self->protocol_) self->protocol_->connection_made(self->as_interface());
    });
    // Only start reading once connection_made() has run.
    loop_->call_soon([self] { self->add_reader_if_reading(); });
    if (waiter) {
      loop_->call_soon([waiter]() mutable {
        if (!waiter.done()) waiter.set_result();
      });
    }
  }

  // asyncio: _SelectorTransport.close
  void close() override {
    if (closing_) return;
    closing_ = true;
    loop_->remove_reader(fd_);
    if (buffered_size() == 0) {
      ++conn_lost_;
      loop_->remove_writer(fd_);
      auto self = this->shared_from_this();
      loop_->call_soon([self] { self->call_connection_lost(nullptr); });
    }
  }

  // asyncio: _SelectorTransport.abort
  void abort() override { force_close(nullptr); }

 protected:
  virtual std::shared_ptr<Interface> as_interface() = 0;
  [[nodiscard]] virtual std::size_t buffered_size() const noexcept = 0;
  virtual void clear_buffer() noexcept = 0;
  virtual void read_ready() = 0;
  [[nodiscard]] BaseProtocol* flow_protocol() const noexcept override { return protocol_.get(); }

  [[nodiscard]] bool reading() const noexcept { return !closing_ && !paused_; }

  // asyncio: _SelectorTransport._add_reader
  void add_reader_if_reading() {
    if (!reading()) return;
    auto self = this->shared_from_this();
    loop_->add_reader(fd_, [self] { self->read_ready(); });
  }

  // asyncio: _SelectorTransport._fatal_error (an OSError is not reported).
  void fatal_error(std::exception_ptr error, const char* message) {
    try {
      std::rethrow_exception(error);
    } catch (const OSError&) {
    } catch (...) {
      loop_->call_exception_handler({message, error, nullptr});
    }
    force_close(error);
  }

  // asyncio: _SelectorTransport._force_close
  void force_close(std::exception_ptr error) {
    if (conn_lost_ != 0) return;
    if (buffered_size() != 0) {
      clear_buffer();
      loop_->remove_writer(fd_);
    }
    if (!closing_) {
      closing_ = true;
      loop_->remove_reader(fd_);
    }
    ++conn_lost_;
    auto self = this->shared_from_this();
    loop_->call_soon([self, error] { self->call_connection_lost(error); });
  }

  // asyncio: _SelectorTransport._call_connection_lost
  void call_connection_lost(std::exception_ptr error) {
    std::shared_ptr<ProtocolType> protocol = std::move(protocol_);
    struct Finally {
      SelectorTransport* self;
      ~Finally() { self->release_socket(); }
    } finally{this};
    if (protocol) protocol->connection_lost(error);
  }

  void release_socket() noexcept {
    if (fd_ >= 0) {
      try {
        loop_->remove_reader(fd_);
        loop_->remove_writer(fd_);
      } catch (...) {
      }
      ::close(fd_);
      fd_ = -1;
    }
    if (std::shared_ptr<Server> server = std::move(server_)) server->detach();
  }

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<ProtocolType> protocol_;
  std::shared_ptr<Server> server_;
  std::optional<SocketAddress> sockname_;
  std::optional<SocketAddress> peername_;
  int conn_lost_ = 0;  // asyncio: set when connection_lost is scheduled, then counts dropped writes
  bool closing_ = false;
  bool paused_ = false;
};

/// A connected TCP socket. asyncio: selector_events._SelectorSocketTransport.
class SocketTransport final : public SelectorTransport<Transport, Protocol> {
 public:
  SocketTransport(EventLoop& loop, int fd, std::shared_ptr<Protocol> protocol, std::shared_ptr<Server> server)
      : SelectorTransport(loop, fd, std::move(protocol), std::move(server)) {
    // Disable Nagle: small writes go out without waiting for the peer's ACK.
    set_flag(fd, IPPROTO_TCP, TCP_NODELAY);
  }

  [[nodiscard]] bool is_reading() const noexcept override { return reading(); }
  // asyncio: _SelectorTransport.pause_reading
  void pause_reading() override {
    if (!reading()) return;
    paused_ = true;
    loop_->remove_reader(fd_);
  }
  // asyncio: _SelectorTransport.resume_reading
  void resume_reading() override {
    if (closing_ || !paused_) return;
    paused_ = false;
    add_reader_if_reading();
  }

  // asyncio: _SelectorSocketTransport.write
  void write(std::string_view data) override {
    if (eof_) throw RuntimeError("Cannot call write() after write_eof()");
    if (data.empty()) return;
    if (conn_lost_ != 0) {
      ++conn_lost_;
      return;
    }
    if (buffered_size() == 0) {
      // Optimization: try to send now.
      const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (!would_block(errno)) {
          fatal_error(errno_error(errno), "Fatal write error on socket transport");
          return;
        }
      } else {
        data.remove_prefix(static_cast<std::size_t>(sent));
        if (data.empty()) return;
      }
      auto self = std::static_pointer_cast<SocketTransport>(shared_from_this());
      loop_->add_writer(fd_, [self] { self->write_ready(); });
    }
    buffer_.append(data);
    maybe_pause_protocol();
  }

  // asyncio: _SelectorSocketTransport.write_eof
  void write_eof() override {
    if (closing_ || eof_) return;
    eof_ = true;
    if (buffered_size() == 0) ::shutdown(fd_, SHUT_WR);
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return true; }
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept override { return buffered_size(); }

 private:
  std::shared_ptr<Transport> as_interface() override {
    return std::static_pointer_cast<SocketTransport>(shared_from_this());
  }
  [[nodiscard]] std::size_t buffered_size() const noexcept override { return buffer_.size() - sent_; }
  void clear_buffer() noexcept override {
    buffer_.clear();
    sent_ = 0;
  }

  // asyncio: _SelectorSocketTransport._read_ready__data_received
  void read_ready() override {
    if (conn_lost_ != 0) return;
    char* data = recv_buffer();
    const ssize_t received = ::recv(fd_, data, max_recv_size, 0);
    if (received < 0) {
      if (!would_block(errno)) fatal_error(errno_error(errno), "Fatal read error on socket transport");
      return;
    }
    if (received == 0) {
      read_ready_on_eof();
      return;
    }
    try {
      protocol_->data_received(std::string_view(data, static_cast<std::size_t>(received)));
    } catch (...) {
      fatal_error(std::current_exception(), "Fatal error: protocol.data_received() call failed.");
    }
  }

  // asyncio: _SelectorSocketTransport._read_ready__on_eof
  void read_ready_on_eof() {
    bool keep_open = false;
    try {
      keep_open = protocol_->eof_received();
    } catch (...) {
      fatal_error(std::current_exception(), "Fatal error: protocol.eof_received() call failed.");
      return;
    }
    if (keep_open) {
      // The protocol may still write, but nothing more can be received.
      loop_->remove_reader(fd_);
    } else {
      close();
    }
  }

  // asyncio: _SelectorSocketTransport._write_ready
  void write_ready() {
    if (conn_lost_ != 0) return;
    const std::string_view pending = std::string_view(buffer_).substr(sent_);
    const ssize_t sent = ::send(fd_, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (would_block(errno)) return;
      const int error = errno;
      loop_->remove_writer(fd_);
      clear_buffer();
      fatal_error(errno_error(error), "Fatal write error on socket transport");
      return;
    }
    sent_ += static_cast<std::size_t>(sent);
    if (sent_ == buffer_.size()) clear_buffer();
    maybe_resume_protocol();  // may append to the buffer
    if (buffered_size() == 0) {
      loop_->remove_writer(fd_);
      if (closing_) {
        call_connection_lost(nullptr);
      } else if (eof_) {
        ::shutdown(fd_, SHUT_WR);
      }
    } else if (sent_ > buffer_.size() / 2) {
      buffer_.erase(0, sent_);  // keep the unsent part at the front, amortized
      sent_ = 0;
    }
  }

  std::string buffer_;
  std::size_t sent_ = 0;  // bytes at the front of buffer_ already sent
  bool eof_ = false;
};

/// A UDP socket. asyncio: selector_events._SelectorDatagramTransport.
class SocketDatagramTransport final : public SelectorTransport<DatagramTransport, DatagramProtocol> {
 public:
  SocketDatagramTransport(EventLoop& loop, int fd, std::shared_ptr<DatagramProtocol> protocol,
                          std::optional<AddrInfo> remote)
      : SelectorTransport(loop, fd, std::move(protocol), nullptr), remote_(std::move(remote)) {}

  // asyncio: _SelectorDatagramTransport.sendto
  void sendto(std::string_view data, const std::optional<SocketAddress>& addr) override {
    if (data.empty()) return;
    std::optional<AddrInfo> target;
    if (remote_) {
      if (addr && *addr != remote_->socket_address()) {
        throw ValueError("Invalid address: must be None or " + python_address(remote_->socket_address()));
      }
    } else {
      if (!addr) throw ValueError("sendto() needs an address on an unconnected datagram transport");
      target = resolve(addr->host, addr->port, AF_UNSPEC, SOCK_DGRAM, false).front();
    }
    if (conn_lost_ != 0 && remote_) {
      ++conn_lost_;
      return;
    }
    if (queue_.empty()) {
      // Attempt to send it right away first.
      if (send_one(data, target)) return;
      if (!would_block(errno)) {
        report_send_error(errno);
        return;
      }
      auto self = std::static_pointer_cast<SocketDatagramTransport>(shared_from_this());
      loop_->add_writer(fd_, [self] { self->sendto_ready(); });
    }
    queue_.emplace_back(std::string(data), target);
    queued_bytes_ += data.size();
    maybe_pause_protocol();
  }
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept override { return queued_bytes_; }
  void abort() override { SelectorTransport::abort(); }

 private:
  std::shared_ptr<DatagramTransport> as_interface() override {
    return std::static_pointer_cast<SocketDatagramTransport>(shared_from_this());
  }
  [[nodiscard]] std::size_t buffered_size() const noexcept override { return queued_bytes_; }
  void clear_buffer() noexcept override {
    queue_.clear();
    queued_bytes_ = 0;
  }

  bool send_one(std::string_view data, const std::optional<AddrInfo>& target) {
    const ssize_t sent =
        target ? ::sendto(fd_, data.data(), data.size(), MSG_NOSIGNAL, target->sockaddr_ptr(), target->length)
               : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    return sent >= 0;
  }

  void report_send_error(int error) {
    if (protocol_) protocol_->error_received(errno_error(error));
  }

  // asyncio: _SelectorDatagramTransport._read_ready
  void read_ready() override {
    if (conn_lost_ != 0) return;
    char* data = recv_buffer();
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    const ssize_t received = ::recvfrom(fd_, data, max_recv_size, 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (received < 0) {
      // An ICMP error of an earlier send (ECONNREFUSED) arrives here, as in asyncio.
      if (!would_block(errno) && protocol_) protocol_->error_received(errno_error(errno));
      return;
    }
    if (!protocol_) return;
    try {
      protocol_->datagram_received(std::string_view(data, static_cast<std::size_t>(received)),
                                   address_of(reinterpret_cast<sockaddr*>(&from)));
    } catch (...) {
      fatal_error(std::current_exception(), "Fatal read error on datagram transport");
    }
  }

  // asyncio: _SelectorDatagramTransport._sendto_ready
  void sendto_ready() {
    while (!queue_.empty()) {
      auto& [data, target] = queue_.front();
      if (!send_one(data, target)) {
        if (would_block(errno)) break;  // try again later
        const int error = errno;
        queued_bytes_ -= data.size();
        queue_.pop_front();
        report_send_error(error);
        return;
      }
      queued_bytes_ -= data.size();
      queue_.pop_front();
    }
    maybe_resume_protocol();
    if (queue_.empty()) {
      loop_->remove_writer(fd_);
      if (closing_) call_connection_lost(nullptr);
    }
  }

  std::optional<AddrInfo> remote_;
  std::deque<std::pair<std::string, std::optional<AddrInfo>>> queue_;
  std::size_t queued_bytes_ = 0;
};

// -- connecting -----------------------------------------------------------------------

// asyncio: BaseSelectorEventLoop.sock_connect
Coro<void> sock_connect(EventLoop& loop, int fd, AddrInfo info) {
  int rc = 0;
  do {
    rc = ::connect(fd, info.sockaddr_ptr(), info.length);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) co_return;
  if (errno != EINPROGRESS) throw_os_error(errno, "Connect call failed " + python_address(info.socket_address()));
  detail::Waiter fut(loop, "sock_connect");
  loop.add_writer(fd, [waiter = &fut] {
    if (!waiter->done()) waiter->set_result();
  });
  WriterWatch watch(&loop, fd);
  co_await fut;
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) throw_os_error(error, "Connect call failed " + python_address(info.socket_address()));
}

// asyncio: BaseEventLoop.create_connection raises one error when every attempt
// failed alike, else an OSError listing them.
[[noreturn]] void raise_connect_errors(const std::vector<std::exception_ptr>& errors) {
  auto text = [](const std::exception_ptr& error) -> std::string {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  bool same = true;
  for (const auto& error : errors) same = same && text(error) == text(errors.front());
  if (errors.size() == 1 || same) std::rethrow_exception(errors.front());
  std::string message = "Multiple exceptions: ";
  for (std::size_t i = 0; i < errors.size(); ++i) message += (i == 0 ? "" : ", ") + text(errors[i]);
  throw OSError(message);
}

// asyncio: BaseSelectorEventLoop._accept_connection2
Coro<void> accept_connection2(EventLoop& loop, std::shared_ptr<Server> server, int conn) {
  FdGuard guard(conn);
  std::shared_ptr<Protocol> protocol = server->protocol_factory()();
  Future<void> waiter = loop.create_future<void>();
  auto transport = std::make_shared<SocketTransport>(loop, guard.release(), protocol, std::move(server));
  transport->start(waiter);
  co_await wait_until_started(transport, std::move(waiter));
}

/// A bound TCP socket that accepts for a Server once started.
class SocketListener final : public Listener {
 public:
  SocketListener(EventLoop& loop, int fd)
      : loop_(&loop), fd_(fd), sockname_(sockname_of(fd).value_or(SocketAddress{})) {}
  SocketListener(const SocketListener&) = delete;
  SocketListener& operator=(const SocketListener&) = delete;
  // Only a listener that outlived its loop still has a descriptor here.
  ~SocketListener() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // asyncio: BaseSelectorEventLoop._start_serving (sock.listen happens in Server._start_serving)
  void start_serving(const std::shared_ptr<Server>& server) override {
    if (fd_ < 0) return;
    if (::listen(fd_, server->backlog()) != 0) std::rethrow_exception(errno_error(errno));
    arm(server);
  }

  // asyncio: BaseSelectorEventLoop._stop_serving + sock.close()
  void close() noexcept override {
    if (fd_ < 0) return;
    try {
      loop_->remove_reader(fd_);
    } catch (...) {
    }
    ::close(fd_);
    fd_ = -1;
  }

  [[nodiscard]] SocketAddress sockname() const override { return sockname_; }

 private:
  void arm(const std::shared_ptr<Server>& server) {
    loop_->add_reader(fd_, [this, server] { accept_connection(server); });
  }

  // asyncio: BaseSelectorEventLoop._accept_connection
  void accept_connection(const std::shared_ptr<Server>& server) {
    for (int i = 0; i < server->backlog(); ++i) {
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn < 0) {
        const int error = errno;
        if (would_block(error) || error == ECONNABORTED) return;  // early client disconnection
        if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
          // Out of descriptors: stop accepting for a while rather than spin.
          loop_->call_exception_handler({"socket.accept() out of system resource", errno_error(error), nullptr});
          loop_->remove_reader(fd_);
          loop_->call_later(1.0, [this, server] {
            if (fd_ >= 0 && server->is_serving()) arm(server);
          });
          return;
        }
        std::rethrow_exception(errno_error(error));
      }
      loop_->create_task(accept_connection2(*loop_, server, conn));
    }
  }

  EventLoop* loop_;
  int fd_;
  SocketAddress sockname_;
};


}  // namespace

SocketNetwork& socket_network() noexcept {
  static SocketNetwork network;
  return network;
}

// asyncio: BaseEventLoop.create_connection (+ _create_connection_transport)
Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> SocketNetwork::create_connection(
    EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port, ConnectOptions options) {
  const std::vector<AddrInfo> infos = resolve(host, port, to_af(options.family), SOCK_STREAM, false);
  std::vector<std::exception_ptr> errors;
  FdGuard sock;
  for (const AddrInfo& info : infos) {
    FdGuard candidate(::socket(info.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, info.protocol));
    if (candidate.get() < 0) {
      errors.push_back(errno_error(errno));
      continue;
    }
    bool connected = false;
    try {
      co_await sock_connect(loop, candidate.get(), info);
      connected = true;
    } catch (const OSError&) {
      errors.push_back(std::current_exception());
    }
    if (connected) {
      sock = std::move(candidate);
      break;
    }
  }
  if (sock.get() < 0) raise_connect_errors(errors);

  std::shared_ptr<Protocol> protocol = protocol_factory();
  Future<void> waiter = loop.create_future<void>();
  auto transport = std::make_shared<SocketTransport>(loop, sock.release(), protocol, nullptr);
  transport->start(waiter);
  co_await wait_until_started(transport, std::move(waiter));
  co_return std::make_pair(std::shared_ptr<Transport>(transport), std::move(protocol));
}

// asyncio: BaseEventLoop.create_server (the binding part)
Coro<std::vector<std::unique_ptr<Listener>>> SocketNetwork::create_listeners(EventLoop& loop, std::string host,
                                                                             std::uint16_t port,
                                                                             ServerOptions options) {
  const std::vector<AddrInfo> infos = resolve(host, port, to_af(options.family), SOCK_STREAM, true);
  std::vector<std::unique_ptr<Listener>> listeners;
  for (const AddrInfo& info : infos) {
    FdGuard sock(::socket(info.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, info.protocol));
    if (sock.get() < 0) std::rethrow_exception(errno_error(errno));
    if (options.reuse_address) set_flag(sock.get(), SOL_SOCKET, SO_REUSEADDR);
    // Disable IPv4/IPv6 dual stack: each family gets its own socket, as in asyncio.
    if (info.family == AF_INET6) set_flag(sock.get(), IPPROTO_IPV6, IPV6_V6ONLY);
    if (::bind(sock.get(), info.sockaddr_ptr(), info.length) != 0) {
      const int error = errno;
      std::string reason = std::strerror(error);
      for (char& c : reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      throw_os_error(
          error, "error while attempting to bind on address " + python_address(info.socket_address()) + ": " + reason);
    }
    listeners.push_back(std::make_unique<SocketListener>(loop, sock.release()));
  }
  co_return listeners;
}

// asyncio: BaseEventLoop.create_datagram_endpoint
Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>>
SocketNetwork::create_datagram_endpoint(EventLoop& loop, DatagramProtocolFactory protocol_factory,
                                        DatagramOptions options) {
  if (!options.local_addr && !options.remote_addr) {
    throw ValueError("unexpected address family");  // asyncio, when neither address nor family is given
  }
  int family = to_af(options.family);
  std::optional<AddrInfo> local;
  std::optional<AddrInfo> remote;
  if (options.local_addr) {
    local = resolve(options.local_addr->host, options.local_addr->port, family, SOCK_DGRAM, true).front();
    family = local->family;
  }
  if (options.remote_addr) {
    remote = resolve(options.remote_addr->host, options.remote_addr->port, family, SOCK_DGRAM, false).front();
    family = remote->family;
  }
  FdGuard sock(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) std::rethrow_exception(errno_error(errno));
  if (local && ::bind(sock.get(), local->sockaddr_ptr(), local->length) != 0)
    std::rethrow_exception(errno_error(errno));
  if (remote) {
    co_await sock_connect(loop, sock.get(), *remote);
  }
  std::shared_ptr<DatagramProtocol> protocol = protocol_factory();
  Future<void> waiter = loop.create_future<void>();
  auto transport = std::make_shared<SocketDatagramTransport>(loop, sock.release(), protocol, remote);
  transport->start(waiter);
  co_await wait_until_started(transport, std::move(waiter));
  co_return std::make_pair(std::shared_ptr<DatagramTransport>(transport), std::move(protocol));
}

}  // namespace asim
