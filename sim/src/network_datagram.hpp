// SPDX-License-Identifier: MIT
// SimDatagramTransport: a UDP endpoint of a simulated host. Each datagram is lost,
// duplicated and delayed by choices of the loop (net_loss, net_duplicate, net_latency);
// copies travel independently, so datagrams may arrive out of order.
#pragma once

#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/sim/network.hpp>
#include <asim/transports.hpp>

#include "network_transport.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace asim::sim {

class SimDatagramTransport final : public FlowControl<DatagramTransport>,
                                   public std::enable_shared_from_this<SimDatagramTransport> {
 public:
  SimDatagramTransport(Network& network, Host& host, std::shared_ptr<DatagramProtocol> protocol,
                       SocketAddress sockname, std::optional<SocketAddress> remote, Host* remote_host)
      : live_(network.live_counts()),
        network_(&network),
        host_(&host),
        protocol_(std::move(protocol)),
        sockname_(std::move(sockname)),
        remote_(std::move(remote)),
        remote_host_(remote_host) {}

  // asyncio: _SelectorDatagramTransport.__init__'s three call_soons, in order.
  void start(Future<void> waiter) {
    auto self = shared_from_this();
    EventLoop& loop = network_->event_loop();
    loop.call_soon([self] {
      HostScope scope(*self->host_);
      if (self->protocol_) self->protocol_->connection_made(self);
    });
    loop.call_soon([self] { self->started_ = true; });
    loop.call_soon([waiter]() mutable {
      if (!waiter.done()) waiter.set_result();
    });
  }

  [[nodiscard]] EventLoop& get_loop() const noexcept override { return network_->event_loop(); }
  [[nodiscard]] bool is_closing() const noexcept override { return closing_; }
  [[nodiscard]] std::optional<SocketAddress> get_extra_info(std::string_view name) const override {
    if (name == "sockname") return sockname_;
    if (name == "peername") return remote_;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept override { return 0; }

  // asyncio: _SelectorDatagramTransport.sendto
  void sendto(std::string_view data, const std::optional<SocketAddress>& addr) override {
    if (data.empty()) return;
    SocketAddress target;
    if (remote_) {
      if (addr && (addr->host != remote_->host || addr->port != remote_->port)) {
        throw ValueError("Invalid address: must be None or ('" + remote_->host + "', " +
                         std::to_string(remote_->port) + ")");
      }
      target = *remote_;
    } else {
      if (!addr) throw ValueError("sendto() needs an address on an unconnected datagram transport");
      target = *addr;
    }
    if (closing_) return;
    network_->send_datagram(*this, target, std::string(data));
  }

  void close() override {
    if (closing_) return;
    closing_ = true;
    network_->unbind_datagram(*host_, sockname_.port, this);
    auto self = shared_from_this();
    network_->event_loop().call_soon([self] {
      HostScope scope(*self->host_);
      std::shared_ptr<DatagramProtocol> protocol = std::move(self->protocol_);
      if (protocol) protocol->connection_lost(nullptr);
    });
  }
  void abort() override { close(); }

  // A datagram arrived from `from` (host `from_host`).
  void receive(const std::string& data, const SocketAddress& from, const Host& from_host) {
    if (closing_ || !started_ || !protocol_) return;
    // A connected endpoint only hears its peer.
    if (remote_ && (remote_host_ != &from_host || remote_->port != from.port)) return;
    protocol_->datagram_received(data, from);
  }
  // The target port was closed: a connected sender hears ECONNREFUSED (ICMP).
  void unreachable() {
    if (closing_ || !protocol_ || !remote_) return;
    protocol_->error_received(make_os_error(ECONNREFUSED, "Connection refused"));
  }

  [[nodiscard]] Host& host() const noexcept { return *host_; }
  [[nodiscard]] const SocketAddress& sockname() const noexcept { return sockname_; }

 private:
  [[nodiscard]] BaseProtocol* flow_protocol() const noexcept override { return protocol_.get(); }

  LiveToken<&Network::LiveCounts::transports> live_;
  Network* network_;
  Host* host_;
  std::shared_ptr<DatagramProtocol> protocol_;
  SocketAddress sockname_;
  std::optional<SocketAddress> remote_;
  Host* remote_host_;
  bool started_ = false;
  bool closing_ = false;
};

}  // namespace asim::sim
