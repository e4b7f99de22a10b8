// SPDX-License-Identifier: MIT
// Protocols: what a transport calls when bytes, EOF or the end of a connection arrive
// (asyncio: protocols).
#pragma once

#include <asim/socket_address.hpp>

#include <exception>
#include <memory>
#include <string_view>

namespace asim {

class Transport;
class DatagramTransport;

/// asyncio: protocols.BaseProtocol. Every callback runs from the loop as a
/// callback of its own (never inside a user's write()).
class BaseProtocol {
 public:
  virtual ~BaseProtocol() = default;
  /// The transport's buffer went over its high-water mark. asyncio: pause_writing.
  virtual void pause_writing() {}
  /// The buffer drained to its low-water mark. asyncio: resume_writing.
  virtual void resume_writing() {}
  /// The connection is closed: `error` is null for a regular EOF or close, else
  /// what broke it. Called once. asyncio: connection_lost.
  virtual void connection_lost(std::exception_ptr error) { (void)error; }
};

/// A stream protocol (asyncio: protocols.Protocol).
class Protocol : public BaseProtocol {
 public:
  /// The connection is up; `transport` is how to write to it. The protocol must not
  /// own the transport (the transport owns the protocol): keep a weak_ptr or a raw
  /// pointer valid until connection_lost. asyncio: connection_made.
  virtual void connection_made(const std::shared_ptr<Transport>& transport) = 0;
  /// Bytes arrived. asyncio: data_received.
  virtual void data_received(std::string_view data) = 0;
  /// The peer sent EOF. Return true to keep the connection open for writing, false
  /// to have the transport close itself. asyncio: eof_received.
  virtual bool eof_received() { return false; }
};

/// A datagram protocol (asyncio: protocols.DatagramProtocol).
class DatagramProtocol : public BaseProtocol {
 public:
  /// asyncio: connection_made (with the datagram transport).
  virtual void connection_made(const std::shared_ptr<DatagramTransport>& transport) = 0;
  /// A datagram arrived from `addr`. asyncio: datagram_received.
  virtual void datagram_received(std::string_view data, const SocketAddress& addr) = 0;
  /// A send or receive failed (an ICMP "port unreachable" shows as
  /// ConnectionRefusedError). asyncio: error_received.
  virtual void error_received(std::exception_ptr error) { (void)error; }
};

}  // namespace asim
