// SPDX-License-Identifier: MIT
// Five downloads, at most two at a time; each waiting one starts in FIFO order when
// a slot frees up (twin: python/semaphore_limits_concurrency.py).
#include <asim/asim.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

struct Stats {
  int running = 0;
  int peak = 0;
};

asim::Coro<void> download(asim::Semaphore& sem, Stats& stats, int n) {
  std::printf("download %d: queued\n", n);
  auto slot = co_await sem.scoped();  // async with sem:
  stats.running += 1;
  stats.peak = std::max(stats.peak, stats.running);
  std::printf("download %d: started (%d running)\n", n, stats.running);
  // Distinct durations keep every finish at least 50 ms from any other event, so the
  // output does not depend on timer jitter.
  co_await asim::sleep(0.05 * (n + 1));
  stats.running -= 1;
  std::printf("download %d: finished\n", n);
}

asim::Coro<void> main_coro() {
  asim::Semaphore sem(2);
  Stats stats;
  std::vector<asim::Task<void>> tasks;
  for (int n = 0; n < 5; ++n) tasks.push_back(asim::create_task(download(sem, stats, n)));
  for (asim::Task<void>& task : tasks) co_await task;
  std::printf("peak concurrency: %d, semaphore locked: %s\n", stats.peak, sem.locked() ? "True" : "False");
}

}  // namespace

int main() { asim::run(main_coro()); }
