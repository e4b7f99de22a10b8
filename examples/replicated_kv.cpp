// SPDX-License-Identifier: MIT
// The replicated key-value store of replicated_kv/ run twice, unchanged: on RealLoop
// with three replicas on loopback ports the kernel picks, and on SimLoop's simulated
// network with hosts db1 (primary), db2 and db3 (backups) on port 7000. The client
// writes five keys through the primary and reads them back; both runs print the same
// answers. `asim demo replicated_kv` sweeps the buggy variant under crashes and
// partitions and finds the write it loses.
#include <asim/real_loop.hpp>
#include <asim/sim/sim_loop.hpp>

#include "replicated_kv/localhost.hpp"
#include "replicated_kv/simulation.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace kv = asim::examples::replicated_kv;

namespace {

std::vector<std::string> lines(const kv::ClientRun& run) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < run.writes.size(); ++i) {
    const kv::Write& write = run.writes[i];
    out.push_back("PUT " + write.key + " " + write.value + " -> " + write.answer + "; GET " + write.key + " -> " +
                  run.reads.at(i));
  }
  return out;
}

}  // namespace

int main() {
  const kv::ClientRun real = asim::run(kv::run_on_localhost(kv::Variant::fixed, 5));
  std::puts("RealLoop, three replicas on 127.0.0.1 (ephemeral ports):");
  for (const std::string& line : lines(real)) std::printf("  %s\n", line.c_str());

  asim::sim::SimLoop loop(0, asim::sim::SimOptions::cpython());
  const kv::ClientRun simulated = loop.run_until_complete(kv::run_on_hosts(kv::Variant::fixed, 5));
  std::puts("SimLoop, hosts db1, db2, db3 on port 7000 of the simulated network:");
  for (const std::string& line : lines(simulated)) std::printf("  %s\n", line.c_str());

  const bool same = lines(real) == lines(simulated);
  std::printf("same answers on both loops: %s\n", same ? "yes" : "no");
  return same ? 0 : 1;
}
