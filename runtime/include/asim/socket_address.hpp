// SPDX-License-Identifier: MIT
// SocketAddress: a host and port, what asyncio's get_extra_info("peername") returns.
#pragma once

#include <cstdint>
#include <string>

namespace asim {

/// An endpoint address (Python: the `(host, port)` or `(host, port, flowinfo,
/// scope_id)` tuple of a socket address). `host` is the numeric address for real
/// sockets ("127.0.0.1", "::1") and the host's name or address in a simulation.
struct SocketAddress {
  enum class Family : std::uint8_t { unspecified, ipv4, ipv6 };

  std::string host;
  std::uint16_t port = 0;
  Family family = Family::unspecified;

  /// "127.0.0.1:8888", "[::1]:8888".
  [[nodiscard]] std::string to_string() const {
    std::string text = family == Family::ipv6 ? "[" + host + "]" : host;
    return text + ":" + std::to_string(port);
  }
  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

}  // namespace asim
