// SPDX-License-Identifier: MIT
// SocketNetwork: the RealLoop's network, non-blocking sockets over the loop's
// descriptor watches (asyncio: selector_events.BaseSelectorEventLoop's socket part).
#pragma once

#include <asim/network.hpp>

namespace asim {

/// TCP and UDP over IPv4 and IPv6 on any loop whose poller watches descriptors.
///
/// Name resolution: literal addresses ("127.0.0.1", "::1") resolve without a
/// lookup; any other name ("localhost", "db.example") goes through a blocking
/// getaddrinfo on the loop's thread (asyncio runs it in the default executor).
/// Every socket a cancelled or failed call opened is closed before the error
/// reaches the caller.
class SocketNetwork final : public Network {
 public:
  Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
      EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
      ConnectOptions options) override;
  Coro<std::vector<std::unique_ptr<Listener>>> create_listeners(EventLoop& loop, std::string host, std::uint16_t port,
                                                                ServerOptions options) override;
  Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
      EventLoop& loop, DatagramProtocolFactory protocol_factory, DatagramOptions options) override;
};

/// The one (stateless) SocketNetwork every RealLoop uses.
SocketNetwork& socket_network() noexcept;

}  // namespace asim
