// SPDX-License-Identifier: MIT
// run_in_executor on the simulated loop: the function runs at once on the loop's
// thread, and its future completes at a virtual time the chooser picks.
#include <asim/executor.hpp>
#include <asim/sim/sim_loop.hpp>

#include <cstdint>
#include <memory>

namespace asim::sim {

namespace detail {

/// The longest simulated run of an executor job: answers spread completions over
/// [0, 1 ms) of virtual time; 0, the shrunk answer, completes in the next iteration,
/// as a thread pool on an idle machine.
constexpr std::uint64_t executor_delay_bound_ns = 1'000'000;

/// How long (virtual nanoseconds) the executor job submitted now takes. The one place
/// the simulator decides it. (Placeholder kind until the chooser has its own
/// `executor` kind.)
std::int64_t executor_delay_ns(SimLoop& loop) noexcept {
  return static_cast<std::int64_t>(loop.choose(ChoiceKind::io_order, executor_delay_bound_ns));
}

}  // namespace detail

// asyncio: run_in_executor, with the thread pool replaced by the simulator's choice.
void SimLoop::submit_to_executor(std::unique_ptr<asim::detail::ExecutorJob> job) {
  job->run();
  std::shared_ptr<asim::detail::ExecutorJob> shared(std::move(job));
  call_at_ns(time_ns() + detail::executor_delay_ns(*this), [shared] { shared->complete(); });
}

}  // namespace asim::sim
