// SPDX-License-Identifier: MIT
// A read-through cache with a writer that updates the backend and invalidates the
// cache (twin: python/stale_cache.py). On this schedule the cache ends consistent;
// `asim demo` finds the schedules where it does not (see stale_cache/stale_cache.hpp).
#include <asim/real_loop.hpp>

#include "stale_cache/stale_cache.hpp"

#include <cstdio>

int main() {
  stale_cache::Journal journal(/*echo=*/true);
  asim::RealLoop event_loop;
  const stale_cache::Outcome outcome =
      event_loop.run_until_complete(stale_cache::service(stale_cache::Variant::racy, journal));
  event_loop.close();
  std::printf("consistent: %s\n", outcome.consistent() ? "True" : "False");
  return outcome.consistent() ? 0 : 1;
}
