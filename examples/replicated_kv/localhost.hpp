// SPDX-License-Identifier: MIT
// The replicated store on a real loop over loopback: three replicas in one process on
// ports the kernel picks (the backups first, so that the primary's configuration can
// name their ports), a client writing and reading through the primary.
#pragma once

#include "client.hpp"
#include "replicated_kv.hpp"

#include <asim/server.hpp>

#include <memory>
#include <string>
#include <vector>

namespace asim::examples::replicated_kv {

/// Starts the three replicas on 127.0.0.1 (ephemeral ports), writes `count` keys
/// through the primary, reads each back, checks them, and closes the servers.
/// Timeouts are generous: nothing fails on loopback, however loaded the machine.
inline Coro<ClientRun> run_on_localhost(Variant variant, int count) {
  const double timeout = 30;
  std::vector<std::shared_ptr<asim::Server>> servers;
  std::vector<Peer> backups;
  for (int i = 0; i < 2; ++i) {
    Config backup;
    backup.variant = variant;
    backup.listen_host = "127.0.0.1";
    backup.port = 0;
    servers.push_back(co_await start_replica(backup));
    backups.push_back({"127.0.0.1", servers.back()->sockets().at(0).port});
  }
  Config primary_config;
  primary_config.variant = variant;
  primary_config.listen_host = "127.0.0.1";
  primary_config.port = 0;
  primary_config.backups = backups;
  primary_config.replication_timeout = timeout;
  servers.push_back(co_await start_replica(primary_config));
  const Peer primary{"127.0.0.1", servers.back()->sockets().at(0).port};

  ClientRun run = co_await write_then_read(primary, count, timeout);
  for (const auto& server : servers) {
    server->close();
    co_await server->wait_closed();
  }
  co_return run;
}

}  // namespace asim::examples::replicated_kv
