// SPDX-License-Identifier: MIT
// Network: where a loop's connections, servers and datagram endpoints come from
// (asyncio: loop.create_connection, loop.create_server, loop.create_datagram_endpoint).
#pragma once

#include <asim/coro.hpp>
#include <asim/protocols.hpp>
#include <asim/socket_address.hpp>
#include <asim/transports.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asim {

class EventLoop;
class Server;

/// Makes the protocol of a new connection (asyncio: protocol_factory).
using ProtocolFactory = std::function<std::shared_ptr<Protocol>()>;
using DatagramProtocolFactory = std::function<std::shared_ptr<DatagramProtocol>()>;

/// asyncio: create_connection's keyword arguments that asim supports.
struct ConnectOptions {
  /// Only addresses of this family (asyncio: family=socket.AF_INET / AF_INET6).
  SocketAddress::Family family = SocketAddress::Family::unspecified;
};

/// asyncio: create_server's keyword arguments that asim supports.
struct ServerOptions {
  SocketAddress::Family family = SocketAddress::Family::unspecified;
  int backlog = 100;
  bool reuse_address = true;
  /// Start accepting at once (asyncio: start_serving=True).
  bool start_serving = true;
};

/// asyncio: create_datagram_endpoint's keyword arguments that asim supports.
struct DatagramOptions {
  /// Bind here (port 0: any free port).
  std::optional<SocketAddress> local_addr;
  /// Connect to here: sendto() without an address goes to it, and only its
  /// datagrams are received.
  std::optional<SocketAddress> remote_addr;
  SocketAddress::Family family = SocketAddress::Family::unspecified;
};

/// One listening endpoint of a Server (asyncio: a listening socket plus the loop's
/// `_start_serving` / `_stop_serving` for it).
class Listener {
 public:
  virtual ~Listener() = default;
  /// Starts accepting: each connection gets `server.protocol_factory()()`'s protocol
  /// and a transport that calls server.attach() / server.detach(). The listener may
  /// keep `server` alive while it accepts (asyncio's loop does, through its reader).
  virtual void start_serving(const std::shared_ptr<Server>& server) = 0;
  /// Stops accepting and releases the endpoint; idempotent.
  virtual void close() noexcept = 0;
  /// The bound address (asyncio: sock.getsockname()).
  [[nodiscard]] virtual SocketAddress sockname() const = 0;
};

/// The world a loop's connections live in: sockets on RealLoop (SocketNetwork), a
/// simulated network on SimLoop. Each function mirrors the loop method named and
/// completes when asyncio's does; the stream classes only use these and Transport.
class Network {
 public:
  virtual ~Network() = default;
  /// Resolves `host`, connects (trying each address in turn), makes the protocol
  /// and its transport; completes once protocol.connection_made ran. Throws
  /// ConnectionRefusedError and the other OSErrors. asyncio: loop.create_connection.
  virtual Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
      EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
      ConnectOptions options) = 0;
  /// The bound (not yet accepting) endpoints for a server on `host` (empty: every
  /// interface) and `port` (0: a free one). asyncio: the binding part of create_server.
  virtual Coro<std::vector<std::unique_ptr<Listener>>> create_listeners(EventLoop& loop, std::string host,
                                                                        std::uint16_t port, ServerOptions options) = 0;
  /// A datagram endpoint; completes once protocol.connection_made ran.
  /// asyncio: loop.create_datagram_endpoint.
  virtual Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>>
  create_datagram_endpoint(EventLoop& loop, DatagramProtocolFactory protocol_factory, DatagramOptions options) = 0;
};

/// loop.create_connection on the running loop's network.
Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
    ProtocolFactory protocol_factory, std::string host, std::uint16_t port, ConnectOptions options = {});
/// loop.create_server on the running loop's network: a Server over the listeners,
/// accepting at once unless `options.start_serving` is false (then, as asyncio, it
/// yields once so the listeners are armed before it returns).
Coro<std::shared_ptr<Server>> create_server(ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
                                            ServerOptions options = {});
/// loop.create_datagram_endpoint on the running loop's network.
Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
    DatagramProtocolFactory protocol_factory, DatagramOptions options = {});

}  // namespace asim
