// SPDX-License-Identifier: MIT
// The replicated store on SimLoop's simulated network: hosts db1 (primary), db2, db3
// (backups) and client, links of 0.5 ms (sometimes up to 2 ms more), a nemesis that
// cuts links and crashes the primary at moments drawn through the loop's Chooser, and
// the final check that every acknowledged write reads back once the cluster healed.
//
// In CPython's order (every choice 0) the nemesis never strikes, so the store passes.
// A sweep explores strikes: the buggy variant loses a write when the primary crashes
// in the millisecond between its OK and a backup's copy (or after acknowledging writes
// while cut off from both backups); the fixed variant survives every schedule.
#pragma once

#include "client.hpp"
#include "replicated_kv.hpp"

#include <asim/errors.hpp>
#include <asim/loop.hpp>
#include <asim/random.hpp>
#include <asim/sim/network.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <string>
#include <vector>

namespace asim::examples::replicated_kv {

inline constexpr std::uint16_t sim_port = 7000;
/// The workload: writes back to back on one connection while the nemesis carries out
/// its plan and for 20 ms after it (at most this many writes).
inline constexpr int sim_max_writes = 2000;
inline constexpr double sim_write_after_faults = 0.02;
/// A client gives up on a request after 100 ms.
inline constexpr double sim_client_timeout = 0.1;

/// The configuration of each host's replica on the simulated network.
inline Config sim_config(Variant variant, bool primary) {
  Config config;
  config.variant = variant;
  config.listen_host = "0.0.0.0";
  config.port = sim_port;
  if (primary) config.backups = {{"db2", sim_port}, {"db3", sim_port}};
  return config;
}

/// One fault of the nemesis's plan.
struct Fault {
  /// Quiet time before it, in seconds.
  double after = 0;
  /// 0: the primary crashes (and restarts with empty memory); 1: it is cut off from
  /// both backups; 2, 3: from db2, from db3.
  std::size_t kind = 0;
  /// How long it lasts, in seconds.
  double hold = 0;
};

inline constexpr std::size_t nemesis_slots = 4;

/// The nemesis's plan, drawn through the loop's Chooser before anything else runs: up
/// to four faults, each after a quiet spell of 5 to 30 ms, struck one time in two
/// (answer 0: never), lasting 1 to 50 ms. Drawn first so that its choices keep their
/// place in the schedule whatever the network does, which lets a failing schedule
/// shrink to the strike that matters.
inline std::vector<Fault> plan_faults() {
  std::vector<Fault> plan;
  double quiet = 0;
  for (std::size_t slot = 0; slot < nemesis_slots; ++slot) {
    quiet += 0.001 * static_cast<double>(asim::random::uniform_int(5, 30, "nemesis: quiet ms"));
    const bool strike = asim::random::bernoulli(0.5, "nemesis: strike");
    const std::size_t kind =
        asim::random::index(4, "nemesis: fault (crash db1, isolate db1, cut db1-db2, cut db1-db3)");
    const double hold = 0.001 * static_cast<double>(asim::random::uniform_int(1, 50, "nemesis: fault lasts ms"));
    if (!strike) continue;
    plan.push_back({quiet, kind, hold});
    quiet = 0;
  }
  return plan;
}

/// Carries out `plan`: each fault after its quiet spell, undone after its hold.
inline Coro<void> nemesis(asim::sim::Network& network, std::vector<Fault> plan) {
  for (const Fault& fault : plan) {
    co_await asim::sleep(fault.after);
    switch (fault.kind) {
      case 0:
        network.crash("db1");
        co_await asim::sleep(fault.hold);
        network.restart("db1");
        break;
      case 1:
        network.partition({"db1"}, {"db2", "db3"});
        co_await asim::sleep(fault.hold);
        network.heal();
        break;
      default:
        network.partition({"db1"}, {fault.kind == 2 ? "db2" : "db3"});
        co_await asim::sleep(fault.hold);
        network.heal();
        break;
    }
  }
}

/// The simulated network of the running loop; RuntimeError on any other loop.
inline asim::sim::Network& sim_network() {
  auto* network = dynamic_cast<asim::sim::Network*>(&asim::get_running_loop().network());
  if (network == nullptr) throw asim::RuntimeError("replicated_kv's simulation needs a SimLoop");
  return *network;
}

/// Adds db2, db3 and db1 (in that order, so that the primary's recovery finds the
/// backups listening) with their replicas as entries, and starts them.
inline void add_cluster(asim::sim::Network& network, Variant variant) {
  for (const char* name : {"db2", "db3", "db1"}) {
    asim::sim::Host& host = network.add_host(name);
    const Config config = sim_config(variant, std::string(name) == "db1");
    host.set_entry([config] { return run_replica(config); });
    host.start();
  }
}

/// The fault-free twin of run_on_localhost: the same client and replicas on hosts.
inline Coro<ClientRun> run_on_hosts(Variant variant, int count) {
  asim::sim::Network& network = sim_network();
  add_cluster(network, variant);
  const Peer primary{"db1", sim_port};  // named: g++ 12 destroys a braced temporary in a co_await twice
  asim::Task<ClientRun> client = network.add_host("client").spawn(write_then_read(primary, count, 1.0), "client");
  ClientRun run = co_await client;
  for (const char* name : {"db1", "db2", "db3", "client"}) network.crash(name);
  co_await asim::sleep(0.01);
  co_return run;
}

/// The whole run: the cluster, the client's writes under the nemesis, healing, the
/// check (throws asim::RuntimeError on a lost acknowledged write), power off. Returns
/// the client's writes. With `crash_points` > 0 the loop may also crash db1 just
/// before anything reaches it (Network::enable_crashes, that probability per arrival,
/// a restart 20 ms later), which puts crashes between any two messages.
inline Coro<std::vector<Write>> scenario_writes(Variant variant, double crash_points = 0) {
  asim::sim::Network& network = sim_network();
  std::vector<Fault> plan = plan_faults();
  network.set_link_options({.base_latency = 0.0005, .max_extra_latency = 0.002, .extra_latency_probability = 0.1});
  add_cluster(network, variant);
  if (crash_points > 0) network.enable_crashes("db1", crash_points, 0.02);
  asim::sim::Host& client = network.add_host("client");
  const Peer primary{"db1", sim_port};
  asim::Task<void> ready = client.spawn(wait_until_serving(primary, sim_client_timeout), "client.wait");
  co_await ready;
  // The client writes for as long as the nemesis acts, so that every fault lands on
  // writes in flight.
  auto stop = std::make_shared<bool>(false);
  asim::Task<std::vector<Write>> writer =
      client.spawn(write_keys(primary, sim_max_writes, 0, sim_client_timeout, stop), "client.writes");
  asim::Task<void> chaos = asim::create_task(nemesis(network, std::move(plan)), "nemesis");
  co_await chaos;
  co_await asim::sleep(sim_write_after_faults);
  *stop = true;
  std::vector<Write> writes = co_await writer;
  if (crash_points > 0) network.enable_crashes("db1", 0);  // the check runs on a healed, quiet cluster
  network.heal();
  network.restart("db1");  // does nothing when it is up
  // After healing the primary answers within a recovery or two: 100 tries are ample.
  asim::Task<void> check = client.spawn(check_writes(primary, writes, sim_client_timeout, 0.05, 100), "client.check");
  co_await check;
  // Power the cluster off, so that no task outlives the run.
  for (const char* name : {"db1", "db2", "db3", "client"}) network.crash(name);
  co_await asim::sleep(0.01);
  co_return writes;
}

/// scenario_writes without the result: what a sweep and `asim demo` run.
inline Coro<void> scenario(Variant variant) { (void)co_await scenario_writes(variant); }

}  // namespace asim::examples::replicated_kv
