// SPDX-License-Identifier: MIT
// What a pending task awaits in the simulated network, in the words of deadlock and
// limit reports: "read on db1:7000 ← web1 (client end)". Worked out from the live
// connections, listeners and connects when a report is built, so that reads, writes
// and accepts carry no label and allocate nothing for it.
#include <asim/sim/network.hpp>

#include <asim/streams.hpp>

#include "network_transport.hpp"

#include <algorithm>

namespace asim::sim {

namespace {
// "db1:7000 ← web1": the server's host and port, then the client's host.
std::string connection_name(const Host& server, std::uint16_t port, const Host& client) {
  return server.name() + ":" + std::to_string(port) + " \u2190 " + client.name();
}
}  // namespace

void Network::forget_connect(const FutureBase& future) noexcept {
  auto found = std::find_if(connecting_.begin(), connecting_.end(),
                            [&future](const PendingConnect& entry) { return entry.future == &future; });
  if (found != connecting_.end()) connecting_.erase(found);
}

std::string Network::describe_wait(const FutureBase& future) const {
  for (const PendingConnect& entry : connecting_) {
    if (entry.future == &future) return "connect to " + connection_name(*entry.server, entry.port, *entry.client);
  }
  for (const auto& host : hosts_) {
    for (const auto& [port, weak] : host->servers_) {
      auto server = weak.lock();
      if (server && server->serving_forever_future() == &future) {
        return "accept on " + host->name_ + ":" + std::to_string(port);
      }
    }
    for (const auto& weak : host->connections_) {
      auto transport = weak.lock();
      if (!transport) continue;
      const auto* streams = dynamic_cast<const StreamReaderProtocol*>(transport->protocol());
      const char* wait = streams != nullptr ? streams->wait_name(future) : nullptr;
      if (wait == nullptr) continue;
      const auto sockname = transport->get_extra_info("sockname");
      const auto peername = transport->get_extra_info("peername");
      const Host& peer = *transport->peer_host();
      if (transport->accepted()) {
        return std::string(wait) + " on " + connection_name(*host, sockname->port, peer) + " (server end)";
      }
      return std::string(wait) + " on " + connection_name(peer, peername->port, *host) + " (client end)";
    }
  }
  return {};
}

}  // namespace asim::sim
