// SPDX-License-Identifier: MIT
// The invariants SimLoop checks after every callback: the built-in ones and the user's.
#pragma once

#include <functional>
#include <string>

namespace asim::sim {

class SimLoop;

/// Switches for the built-in invariants; all on by default. A violation raises
/// InvariantViolation with the name given here.
struct BuiltinInvariants {
  /// "no_callback_before_deadline": a timer never fires before its deadline.
  bool no_callback_before_deadline = true;
  /// "time_never_goes_back": loop.time() never decreases.
  bool time_never_goes_back = true;
  /// "future_completes_at_most_once": no future or task completes twice.
  bool future_completes_at_most_once = true;
  /// "one_task_at_a_time": no task steps while another task's step is running.
  bool one_task_at_a_time = true;
};

/// A user invariant: true when it holds. Checked after every callback, so it should
/// be cheap; it may read anything it captured and the loop.
using InvariantFn = std::function<bool(SimLoop&)>;

/// A named user invariant (SimLoop::add_invariant).
struct Invariant {
  std::string name;
  InvariantFn holds;
};

}  // namespace asim::sim
