// SPDX-License-Identifier: MIT
// The errors that end a simulated run: deadlock, limits, invariant violations.
#pragma once

#include <asim/errors.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace asim::sim {

/// Base of the simulator's own errors. Each carries the seed, the virtual time and
/// the step (callbacks run so far) at which the run stopped; `what()` names them too.
class SimError : public RuntimeError {
 public:
  SimError(const std::string& message, std::uint64_t seed, std::int64_t time_ns, std::uint64_t step)
      : RuntimeError(message), seed_(seed), time_ns_(time_ns), step_(step) {}
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] std::int64_t virtual_time_ns() const noexcept { return time_ns_; }
  [[nodiscard]] std::uint64_t step() const noexcept { return step_; }

 private:
  std::uint64_t seed_;
  std::int64_t time_ns_;
  std::uint64_t step_;
};

/// One pending task in a deadlock report.
struct PendingTask {
  std::string name;
  /// What it awaits: "Task 'x'", "Future", "Lock.acquire", ... or "" when it is
  /// scheduled to step (not waiting).
  std::string awaiting;
  /// Loop time (ns) at which it suspended.
  std::int64_t since_ns = 0;
};

/// Nothing is ready and no timer is armed, yet the loop was asked to keep running.
class DeadlockError : public SimError {
 public:
  DeadlockError(const std::string& message, std::uint64_t seed, std::int64_t time_ns, std::uint64_t step,
                std::vector<PendingTask> tasks)
      : SimError(message, seed, time_ns, step), tasks_(std::move(tasks)) {}
  /// The pending tasks, in creation order.
  [[nodiscard]] const std::vector<PendingTask>& pending_tasks() const noexcept { return tasks_; }

 private:
  std::vector<PendingTask> tasks_;
};

/// A run exceeded `max_steps` or `max_virtual_time` (a livelock or a runaway).
class LimitError : public SimError {
 public:
  using SimError::SimError;
};
/// More callbacks ran than SimOptions::max_steps allows.
class StepLimitError : public LimitError {
 public:
  using LimitError::LimitError;
};
/// Virtual time would pass SimOptions::max_virtual_time.
class TimeLimitError : public LimitError {
 public:
  using LimitError::LimitError;
};

/// An invariant (built in or added with SimLoop::add_invariant) did not hold.
class InvariantViolation : public SimError {
 public:
  InvariantViolation(const std::string& message, std::string name, std::uint64_t seed, std::int64_t time_ns,
                     std::uint64_t step)
      : SimError(message, seed, time_ns, step), name_(std::move(name)) {}
  /// The invariant's name, e.g. "time_never_goes_back" or the user's.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
};

/// Formats loop nanoseconds as seconds with nine decimals ("12.500000000"), by
/// integer arithmetic so that the text is the same everywhere.
[[nodiscard]] std::string format_time(std::int64_t ns);

}  // namespace asim::sim
