// SPDX-License-Identifier: MIT
// MemoryNetwork: an in-process Network with no descriptors, on a loop with no I/O
// at all (VirtualTimeLoop). It proves the transport seam: StreamReader, StreamWriter,
// Server and start_server/open_connection run on it unchanged. Bytes travel as
// call_soon callbacks (zero latency), in write order. It is also the smallest
// skeleton of what a simulated network implements (see NOTES-streams.md).
#pragma once

#include <asim/asim.hpp>

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace asim::testing {

class MemoryNetwork;

/// One end of an in-memory connection; keeps the contract of the socket transport.
class MemoryTransport final : public FlowControl<Transport>, public std::enable_shared_from_this<MemoryTransport> {
 public:
  MemoryTransport(EventLoop& loop, std::shared_ptr<Protocol> protocol, std::shared_ptr<Server> server,
                  SocketAddress sockname, SocketAddress peername)
      : loop_(&loop),
        protocol_(std::move(protocol)),
        server_(std::move(server)),
        sockname_(std::move(sockname)),
        peername_(std::move(peername)) {
    if (server_) server_->attach();
  }
  void set_peer(const std::shared_ptr<MemoryTransport>& peer) { peer_ = peer; }

  // asyncio: _SelectorSocketTransport.__init__'s three call_soons, in order.
  void start(Future<void> waiter) {
    auto self = shared_from_this();
    loop_->call_soon([self] {
      if (self->protocol_) self->protocol_->connection_made(self);
    });
    loop_->call_soon([self] {
      self->started_ = true;
      self->flush();
    });
    loop_->call_soon([waiter]() mutable {
      if (!waiter.done()) waiter.set_result();
    });
  }

  [[nodiscard]] EventLoop& get_loop() const noexcept override { return *loop_; }
  [[nodiscard]] bool is_closing() const noexcept override { return closing_; }
  [[nodiscard]] std::optional<SocketAddress> get_extra_info(std::string_view name) const override {
    if (name == "peername") return peername_;
    if (name == "sockname") return sockname_;
    return std::nullopt;
  }
  [[nodiscard]] bool is_reading() const noexcept override { return !closing_ && !paused_; }
  void pause_reading() override {
    if (is_reading()) paused_ = true;
  }
  void resume_reading() override {
    if (closing_ || !paused_) return;
    paused_ = false;
    flush();
  }

  void write(std::string_view data) override {
    if (eof_sent_) throw RuntimeError("Cannot call write() after write_eof()");
    if (data.empty() || lost_scheduled_) return;
    std::weak_ptr<MemoryTransport> peer = peer_;
    auto bytes = std::make_shared<std::string>(data);
    loop_->call_soon([peer, bytes] {
      if (auto receiver = peer.lock()) receiver->receive(*bytes);
    });
  }
  void write_eof() override {
    if (closing_ || eof_sent_) return;
    eof_sent_ = true;
    send_eof();
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return true; }
  // A zero-latency network never buffers, so drain() never waits here.
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept override { return 0; }

  // asyncio: _SelectorTransport.close; the peer sees EOF once the connection is
  // released (a socket's FIN leaves when its fd is closed).
  void close() override {
    if (closing_) return;
    closing_ = true;
    schedule_connection_lost(nullptr);
  }
  // asyncio: abort; the peer sees a reset.
  void abort() override {
    if (lost_scheduled_) return;
    closing_ = true;
    std::weak_ptr<MemoryTransport> peer = peer_;
    loop_->call_soon([peer] {
      if (auto receiver = peer.lock()) receiver->reset();
    });
    schedule_connection_lost(nullptr);
  }

 private:
  [[nodiscard]] BaseProtocol* flow_protocol() const noexcept override { return protocol_.get(); }

  void send_eof() {
    std::weak_ptr<MemoryTransport> peer = peer_;
    loop_->call_soon([peer] {
      if (auto receiver = peer.lock()) receiver->receive_eof();
    });
  }
  void receive(const std::string& data) {
    if (lost_scheduled_) return;
    pending_ += data;
    flush();
  }
  void receive_eof() {
    if (lost_scheduled_) return;
    eof_pending_ = true;
    flush();
  }
  // Delivers what arrived while not reading, then a pending EOF.
  void flush() {
    if (!started_ || paused_ || lost_scheduled_ || !protocol_) return;
    if (!pending_.empty() && !closing_) {
      std::string data = std::exchange(pending_, {});
      protocol_->data_received(data);
    }
    if (eof_pending_ && pending_.empty() && !paused_) {
      eof_pending_ = false;
      if (!protocol_->eof_received()) close();
    }
  }
  void reset() {
    if (lost_scheduled_) return;
    closing_ = true;
    pending_.clear();
    schedule_connection_lost(make_os_error(ECONNRESET, "Connection reset by peer"));
  }
  void schedule_connection_lost(std::exception_ptr error) {
    if (lost_scheduled_) return;
    lost_scheduled_ = true;
    auto self = shared_from_this();
    loop_->call_soon([self, error] {
      std::shared_ptr<Protocol> protocol = std::move(self->protocol_);
      if (protocol) protocol->connection_lost(error);
      if (!error && !self->eof_sent_) self->send_eof();
      if (std::shared_ptr<Server> server = std::move(self->server_)) server->detach();
      self->peer_.reset();
    });
  }

  EventLoop* loop_;
  std::shared_ptr<Protocol> protocol_;
  std::shared_ptr<Server> server_;
  std::weak_ptr<MemoryTransport> peer_;
  SocketAddress sockname_;
  SocketAddress peername_;
  std::string pending_;
  bool started_ = false;
  bool paused_ = false;
  bool closing_ = false;
  bool eof_sent_ = false;
  bool eof_pending_ = false;
  bool lost_scheduled_ = false;
};

/// A listening port of the MemoryNetwork.
class MemoryListener final : public Listener {
 public:
  MemoryListener(MemoryNetwork& network, SocketAddress address) : network_(&network), address_(std::move(address)) {}
  void start_serving(const std::shared_ptr<Server>& server) override;
  void close() noexcept override;
  [[nodiscard]] SocketAddress sockname() const override { return address_; }

 private:
  MemoryNetwork* network_;
  SocketAddress address_;
  bool listening_ = false;
};

/// Ports on one in-memory host ("127.0.0.1"); port 0 picks the next free one.
class MemoryNetwork final : public Network {
 public:
  Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
      EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
      ConnectOptions /*options*/) override {
    auto found = servers_.find(port);
    std::shared_ptr<Server> server = found == servers_.end() ? nullptr : found->second.lock();
    if (!server || !server->is_serving()) {
      throw ConnectionRefusedError(ECONNREFUSED, "Connect call failed ('" + host + "', " + std::to_string(port) + ")");
    }
    const SocketAddress client_address{"127.0.0.1", next_port_++, SocketAddress::Family::ipv4};
    const SocketAddress server_address{"127.0.0.1", port, SocketAddress::Family::ipv4};
    std::shared_ptr<Protocol> protocol = protocol_factory();
    auto client = std::make_shared<MemoryTransport>(loop, protocol, nullptr, client_address, server_address);
    auto accepted =
        std::make_shared<MemoryTransport>(loop, server->protocol_factory()(), server, server_address, client_address);
    client->set_peer(accepted);
    accepted->set_peer(client);
    // What one poll reports after a loopback connect(): the listener is readable
    // (its accept starts the server side in a task, as _accept_connection2), then
    // the client's socket is writable.
    Future<void> connected = loop.create_future<void>();
    EventLoop* loop_ptr = &loop;
    loop.call_soon([loop_ptr, accepted] { loop_ptr->create_task(accept(*loop_ptr, accepted)); });
    loop.call_soon([connected]() mutable { connected.set_result(); });
    co_await connected;
    Future<void> waiter = loop.create_future<void>();
    client->start(waiter);
    co_await waiter;
    co_return std::make_pair(std::shared_ptr<Transport>(client), std::move(protocol));
  }

  Coro<std::vector<std::unique_ptr<Listener>>> create_listeners(EventLoop& /*loop*/, std::string host,
                                                                std::uint16_t port,
                                                                ServerOptions /*options*/) override {
    if (port == 0) port = next_port_++;
    std::vector<std::unique_ptr<Listener>> listeners;
    listeners.push_back(std::make_unique<MemoryListener>(
        *this, SocketAddress{host.empty() ? "0.0.0.0" : host, port, SocketAddress::Family::ipv4}));
    co_return listeners;
  }

  Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
      EventLoop& /*loop*/, DatagramProtocolFactory /*protocol_factory*/, DatagramOptions /*options*/) override {
    throw RuntimeError("MemoryNetwork has no datagrams");
    co_return std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>();
  }

  void listen(std::uint16_t port, const std::shared_ptr<Server>& server) { servers_[port] = server; }
  void unlisten(std::uint16_t port) { servers_.erase(port); }

 private:
  static Coro<void> accept(EventLoop& loop, std::shared_ptr<MemoryTransport> transport) {
    Future<void> waiter = loop.create_future<void>();
    transport->start(waiter);
    co_await waiter;
  }

  std::map<std::uint16_t, std::weak_ptr<Server>> servers_;
  std::uint16_t next_port_ = 40000;
};

inline void MemoryListener::start_serving(const std::shared_ptr<Server>& server) {
  network_->listen(address_.port, server);
  listening_ = true;
}

inline void MemoryListener::close() noexcept {
  if (listening_) network_->unlisten(address_.port);
  listening_ = false;
}

/// The loop core on a jumping clock with a MemoryNetwork as its world.
class MemoryLoop final : public VirtualTimeLoop {
 public:
  Network& network() override { return network_; }

 private:
  MemoryNetwork network_;
};

}  // namespace asim::testing
