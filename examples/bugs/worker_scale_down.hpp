// SPDX-License-Identifier: MIT
// A job queue drained by a pool of two workers; each job is saved to a store (2 ms
// on the wire). After the morning burst an autoscaler removes one worker when the
// queue is empty, by cancelling it.
//
// The bug: "the queue is empty" does not mean "the worker is idle". A worker that has
// taken the last job out of the queue (get() returned) and is still saving it is
// cancelled in the middle, and its job is in neither the queue nor the store: lost.
// In CPython's order on an idle machine the last job (15 ms) is saved at 17 ms and the
// scale-down comes at 18 ms; a loop running a few milliseconds behind (a late wake-up
// or a stall anywhere along the producer's and the worker's chain postpones everything
// after it) saves it past the scale-down.
//
// The fix: a worker cancelled while it holds a job puts the job back into the queue
// before it stops (another worker finishes it), then re-raises the cancellation.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/queues.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <set>
#include <string>
#include <vector>

namespace asim::examples::bugs::worker_scale_down {

enum class Variant { buggy, fixed };

inline constexpr double save_delay = 0.002;
inline constexpr double job_interval = 0.003;
inline constexpr int job_count = 6;
inline constexpr double scale_down_at = 0.018;

/// The store the workers save jobs to (one hop away).
class JobStore {
 public:
  asim::Coro<void> save(int job) {
    co_await asim::sleep(save_delay);
    saved_.insert(job);
  }
  [[nodiscard]] const std::set<int>& saved() const noexcept { return saved_; }

 private:
  std::set<int> saved_;
};

inline asim::Coro<void> worker(asim::Queue<int>& jobs, JobStore& store, Variant variant) {
  for (;;) {
    const int job = co_await jobs.get();
    try {
      co_await store.save(job);
    } catch (const asim::CancelledError&) {
      if (variant == Variant::fixed) jobs.put_nowait(job);  // hand it to another worker
      jobs.task_done();
      throw;
    }
    jobs.task_done();
  }
}

/// One job every 3 ms.
inline asim::Coro<void> producer(asim::Queue<int>& jobs) {
  for (int job = 1; job <= job_count; ++job) {
    jobs.put_nowait(job);
    if (job < job_count) co_await asim::sleep(job_interval);
  }
}

inline asim::Coro<void> scenario(Variant variant) {
  asim::Queue<int> jobs;
  JobStore store;
  std::vector<asim::Task<void>> pool;
  pool.push_back(asim::create_task(worker(jobs, store, variant), "worker-1"));
  pool.push_back(asim::create_task(worker(jobs, store, variant), "worker-2"));
  asim::Task<void> producing = asim::create_task(producer(jobs), "producer");
  // The autoscaler: at 18 ms, with nothing queued, one worker is enough.
  co_await asim::sleep(scale_down_at);
  if (jobs.empty()) {
    asim::Task<void> removed = pool.back();
    pool.pop_back();
    removed.cancel();
    try {
      co_await removed;
    } catch (const asim::CancelledError&) {
    }
  }
  co_await producing;
  co_await asim::sleep(0.05);  // the remaining workers drain the queue
  for (asim::Task<void>& remaining : pool) remaining.cancel();
  for (asim::Task<void>& remaining : pool) {
    try {
      co_await remaining;
    } catch (const asim::CancelledError&) {
    }
  }
  for (int job = 1; job <= job_count; ++job) {
    if (store.saved().count(job) == 0) {
      throw asim::RuntimeError("job " + std::to_string(job) +
                               " lost: it left the queue but never reached the "
                               "store; the scale-down cancelled the worker that was saving it");
    }
  }
}

}  // namespace asim::examples::bugs::worker_scale_down
