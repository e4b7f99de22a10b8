// SPDX-License-Identifier: MIT
// Transports: the seam between the stream classes and where bytes really go
// (asyncio: transports). Sockets implement it on RealLoop; a simulated network
// implements the same interface on SimLoop, and StreamReader/StreamWriter/Server
// work unchanged on either.
#pragma once

#include <asim/protocols.hpp>
#include <asim/socket_address.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace asim {

class EventLoop;
class Protocol;
class DatagramProtocol;
class BaseProtocol;

/// asyncio: transports.BaseTransport.
class BaseTransport {
 public:
  virtual ~BaseTransport() = default;
  /// Closes the transport: buffered data is still sent, then the protocol's
  /// connection_lost(nullptr) runs as a callback. Idempotent. asyncio: close.
  virtual void close() = 0;
  /// True once closing started (close, abort, an error, EOF). asyncio: is_closing.
  [[nodiscard]] virtual bool is_closing() const noexcept = 0;
  /// "peername" and "sockname" give the addresses; other names give nothing.
  /// asyncio: get_extra_info.
  [[nodiscard]] virtual std::optional<SocketAddress> get_extra_info(std::string_view name) const = 0;
  [[nodiscard]] virtual EventLoop& get_loop() const noexcept = 0;
};

/// A stream transport (asyncio: transports.Transport = ReadTransport + WriteTransport).
class Transport : public BaseTransport {
 public:
  /// asyncio: ReadTransport.is_reading / pause_reading / resume_reading.
  [[nodiscard]] virtual bool is_reading() const noexcept = 0;
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;

  /// Queues `data` without blocking; writes after write_eof() throw RuntimeError,
  /// writes after the connection was lost are dropped (as asyncio does).
  /// asyncio: WriteTransport.write.
  virtual void write(std::string_view data) = 0;
  /// asyncio: WriteTransport.writelines (one write of the joined data).
  void writelines(std::span<const std::string_view> lines) {
    std::string joined;
    for (std::string_view line : lines) joined.append(line);
    write(joined);
  }
  void writelines(std::span<const std::string> lines) {
    std::string joined;
    for (const std::string& line : lines) joined.append(line);
    write(joined);
  }
  /// Closes the write side after the buffered data (a TCP FIN). asyncio: write_eof.
  virtual void write_eof() = 0;
  [[nodiscard]] virtual bool can_write_eof() const noexcept = 0;
  /// Closes at once, dropping buffered data. asyncio: abort.
  virtual void abort() = 0;

  /// asyncio: WriteTransport.get_write_buffer_size / set_write_buffer_limits /
  /// get_write_buffer_limits. Limits are (low, high) as asyncio returns them.
  [[nodiscard]] virtual std::size_t get_write_buffer_size() const noexcept = 0;
  virtual void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                       std::optional<std::size_t> low = std::nullopt) = 0;
  [[nodiscard]] virtual std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept = 0;
};

/// A datagram transport (asyncio: transports.DatagramTransport).
class DatagramTransport : public BaseTransport {
 public:
  /// Sends one datagram to `addr`, or to the connected peer when `addr` is empty.
  /// asyncio: sendto.
  virtual void sendto(std::string_view data, const std::optional<SocketAddress>& addr = std::nullopt) = 0;
  /// asyncio: abort.
  virtual void abort() = 0;
  [[nodiscard]] virtual std::size_t get_write_buffer_size() const noexcept = 0;
};

/// The write-side flow control every transport shares: pause the protocol above the
/// high-water mark, resume it at the low one (asyncio: transports._FlowControlMixin).
/// A transport derives from it and calls maybe_pause_protocol() after buffering and
/// maybe_resume_protocol() after sending. Its set_/get_write_buffer_limits override
/// Transport's by signature, so a transport need not forward them.
template <class Base>
class FlowControl : public Base {
 public:
  /// Defaults 64 KiB and a quarter of it; throws ValueError unless high >= low >= 0.
  /// asyncio: _FlowControlMixin._set_write_buffer_limits.
  void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                               std::optional<std::size_t> low = std::nullopt);
  [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const noexcept {
    return {low_water_, high_water_};
  }

 protected:
  /// asyncio: _maybe_pause_protocol.
  void maybe_pause_protocol();
  /// asyncio: _maybe_resume_protocol.
  void maybe_resume_protocol();
  /// The protocol that pause_writing / resume_writing go to (null once lost).
  [[nodiscard]] virtual BaseProtocol* flow_protocol() const noexcept = 0;
  [[nodiscard]] bool protocol_paused() const noexcept { return protocol_paused_; }

 private:
  std::size_t high_water_ = 64 * 1024;
  std::size_t low_water_ = 16 * 1024;
  bool protocol_paused_ = false;
};

namespace detail {
/// Reports an exception a protocol's pause_writing / resume_writing raised.
void report_flow_control_error(EventLoop& loop, const char* what) noexcept;
[[noreturn]] void throw_bad_water_marks(std::size_t high, std::size_t low);
}  // namespace detail

template <class Base>
void FlowControl<Base>::set_write_buffer_limits(std::optional<std::size_t> high, std::optional<std::size_t> low) {
  std::size_t high_value = 0;
  if (high) {
    high_value = *high;
  } else {
    high_value = low ? 4 * *low : 64 * 1024;
  }
  const std::size_t low_value = low ? *low : high_value / 4;
  if (!(high_value >= low_value)) detail::throw_bad_water_marks(high_value, low_value);
  high_water_ = high_value;
  low_water_ = low_value;
  maybe_pause_protocol();
}

template <class Base>
void FlowControl<Base>::maybe_pause_protocol() {
  if (this->get_write_buffer_size() <= high_water_) return;
  if (!protocol_paused_) {
    protocol_paused_ = true;
    if (BaseProtocol* protocol = flow_protocol()) {
      try {
        protocol->pause_writing();
      } catch (...) {
        detail::report_flow_control_error(this->get_loop(), "protocol.pause_writing() failed");
      }
    }
  }
}

template <class Base>
void FlowControl<Base>::maybe_resume_protocol() {
  if (protocol_paused_ && this->get_write_buffer_size() <= low_water_) {
    protocol_paused_ = false;
    if (BaseProtocol* protocol = flow_protocol()) {
      try {
        protocol->resume_writing();
      } catch (...) {
        detail::report_flow_control_error(this->get_loop(), "protocol.resume_writing() failed");
      }
    }
  }
}

}  // namespace asim
