// SPDX-License-Identifier: MIT
// run_in_executor on the simulated loop: the function runs at once on the loop's
// thread, and its future completes at a virtual time the chooser picks.
#include <asim/executor.hpp>
#include <asim/sim/sim_loop.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace asim::sim {

namespace detail {

/// How long (virtual nanoseconds) the executor job submitted now takes: a rung of the
/// lateness ladder up to SimOptions::max_executor_delay, uniformly (so the completion
/// order of jobs is explored); 0, the shrunk answer, completes in the next iteration,
/// as a thread pool on an idle machine. The one place the simulator decides it.
std::int64_t executor_delay_ns(SimLoop& loop) noexcept {
  const double max_delay = loop.options().max_executor_delay;
  if (!(max_delay > 0)) return 0;
  const auto max_ns = static_cast<std::int64_t>(max_delay * 1e9);
  const bool labels = loop.options().label_choices || loop.options().trace;
  const std::uint64_t rung = loop.choose(
      {ChoiceKind::executor, SimLoop::ladder_size, 0,
       labels ? "an executor job submitted at " + format_time(loop.time_ns()) + " s completes after" : std::string()});
  return SimLoop::ladder_ns(max_ns, rung);
}

}  // namespace detail

// asyncio: run_in_executor, with the thread pool replaced by the simulator's choice.
void SimLoop::submit_to_executor(std::unique_ptr<asim::detail::ExecutorJob> job) {
  job->run();
  std::shared_ptr<asim::detail::ExecutorJob> shared(std::move(job));
  call_at_ns(time_ns() + detail::executor_delay_ns(*this), [shared] { shared->complete(); });
}

}  // namespace asim::sim
