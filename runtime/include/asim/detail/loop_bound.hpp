// SPDX-License-Identifier: MIT
// LoopBound: binds a synchronization primitive to the first loop that waits on it
// (asyncio: mixins._LoopBoundMixin).
#pragma once

#include <asim/loop.hpp>

#include <cstdint>

namespace asim::detail {

/// The loop a primitive belongs to, chosen lazily: the running loop at the first
/// moment the primitive must park a task. Primitives that never block never bind.
class LoopBound {
 public:
  LoopBound() = default;
  LoopBound(const LoopBound&) = delete;
  LoopBound& operator=(const LoopBound&) = delete;

 protected:
  ~LoopBound() = default;
  /// The running loop, binding to it on first use. Throws RuntimeError when no loop
  /// runs, or "<what> is bound to a different event loop" when another loop runs.
  /// asyncio: _LoopBoundMixin._get_loop.
  EventLoop& get_loop(const char* what);

 private:
  // By id, not address: a new loop may live where a destroyed one did.
  std::uint64_t loop_id_ = 0;
};

}  // namespace asim::detail
