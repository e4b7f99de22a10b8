// SPDX-License-Identifier: MIT
// DatagramSocket: sendto / recvfrom awaitables over create_datagram_endpoint, for
// code that wants UDP without writing a DatagramProtocol.
#pragma once

#include <asim/coro.hpp>
#include <asim/network.hpp>
#include <asim/protocols.hpp>
#include <asim/socket_address.hpp>
#include <asim/transports.hpp>

#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace asim {

namespace detail {
class Waiter;
class DatagramQueue;
}  // namespace detail

/// A datagram endpoint with a receive queue. asyncio has no such class (its users
/// write a DatagramProtocol); this is the protocol most of them write: datagrams
/// queue up in arrival order until recvfrom() takes them.
///
/// Ground rules:
/// - One recvfrom() at a time (RuntimeError otherwise, as StreamReader's reads).
/// - An error the transport reports (error_received: an ICMP port unreachable is a
///   ConnectionRefusedError) is raised by the next recvfrom(), once.
/// - After close(), recvfrom() raises OSError EBADF once the queue is empty.
/// - The receive queue is unbounded: UDP has no flow control to apply.
class DatagramSocket {
 public:
  /// Binds and/or connects as `options` say (asyncio: create_datagram_endpoint).
  static Coro<std::shared_ptr<DatagramSocket>> create(DatagramOptions options);

  /// Sends one datagram (to the connected peer when `addr` is empty).
  /// asyncio: DatagramTransport.sendto.
  void sendto(std::string_view data, const std::optional<SocketAddress>& addr = std::nullopt) {
    transport_->sendto(data, addr);
  }
  /// The next datagram and its sender.
  Coro<std::pair<std::string, SocketAddress>> recvfrom();
  /// The bound address.
  [[nodiscard]] SocketAddress sockname() const {
    return transport_->get_extra_info("sockname").value_or(SocketAddress{});
  }
  [[nodiscard]] DatagramTransport& transport() const noexcept { return *transport_; }
  /// asyncio: DatagramTransport.close.
  void close() { transport_->close(); }

  DatagramSocket(std::shared_ptr<DatagramTransport> transport, std::shared_ptr<detail::DatagramQueue> queue)
      : transport_(std::move(transport)), queue_(std::move(queue)) {}

 private:
  std::shared_ptr<DatagramTransport> transport_;
  std::shared_ptr<detail::DatagramQueue> queue_;
};

}  // namespace asim
