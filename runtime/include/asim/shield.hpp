// SPDX-License-Identifier: MIT
// shield(future): await a future without passing a cancellation on to it (asyncio: tasks.shield).
#pragma once

#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>

#include <utility>

namespace asim {

/// A new future that follows `inner`: cancelling it (for example by cancelling the
/// task that awaits it) does not cancel `inner`, which goes on; `inner` being
/// cancelled by other means cancels it. Returns `inner` itself when it is already
/// done. asyncio: asyncio.shield.
///
/// The two futures refer to each other only through their done-callbacks, so once
/// either is done nothing of the pair stays registered.
template <class T>
Future<T> shield(Future<T> inner) {
  if (!inner) throw ValueError("shield() got an empty future handle");
  if (inner.done()) return inner;
  Future<T> outer = inner.get_loop().template create_future<T>();

  // asyncio: shield._inner_done_callback. It holds the outer future weakly, so a
  // pending pair that nobody holds any more is freed (asyncio relies on its garbage
  // collector for the cycle); the outer future's own callback unhooks it first, or
  // keeps the outer future alive until this callback has run.
  FutureBase* outer_base = &outer.base();
  detail::ResultSlot<T>* outer_slot = outer.slot();
  detail::ResultSlot<T>* inner_slot = inner.slot();
  detail::CallbackNode* node =
      inner.get_loop().make_raw_node([outer_base, outer_slot, inner_slot](detail::CallbackNode& self) {
        // Cancelling itself while it runs marks the callback as run, for the outer's
        // callback below; the callable stays until it returns.
        self.cancel();
        Future<T> done_inner(self.bound_future(), inner_slot);
        Future<T> outer(outer_base, outer_slot);
        if (outer.cancelled()) return;  // mark inner's exception as retrieved: nothing in C++
        // An outer future the program completed itself raises InvalidStateError here,
        // which goes to the loop's exception handler, as in asyncio.
        if (done_inner.cancelled()) {
          outer.cancel();
        } else if (std::exception_ptr exc = done_inner.exception()) {
          outer.set_exception(exc);
        } else if constexpr (std::is_void_v<T>) {
          outer.set_result();
        } else {
          outer.set_result(done_inner.result());
        }
      });
  Handle inner_callback(node);
  inner.base().add_done_node(*node);  // the list (or the ready queue) takes the first reference

  // asyncio: shield._outer_done_callback. Its state unhooks the inner callback both
  // when it runs and when the outer future is destroyed while still pending.
  struct Unhook {
    AnyFuture inner;
    Handle inner_callback;
    Unhook(AnyFuture future, Handle callback) : inner(std::move(future)), inner_callback(std::move(callback)) {}
    Unhook(Unhook&&) noexcept = default;
    Unhook& operator=(Unhook&&) noexcept = default;
    ~Unhook() {
      if (!inner) return;
      if (!inner.done()) inner.remove_done_callback(inner_callback);
      // The inner callback holds the outer future weakly: once the outer callback has
      // run (and made other arrangements) or the outer future is gone, it must not run.
      inner_callback.cancel();
    }
  };
  outer.add_done_callback([unhook = Unhook(AnyFuture(inner), inner_callback)](Future<T> done_outer) mutable {
    if (!unhook.inner.done()) {
      unhook.inner.remove_done_callback(unhook.inner_callback);
    } else if (!done_outer.cancelled() && !unhook.inner_callback.cancelled()) {
      // The program completed the outer future itself and the inner one is done too:
      // the inner callback is queued and will still call set_result on it. Keep the
      // outer future alive until that has run (a callback queued now runs after it),
      // and let it run.
      done_outer.get_loop().call_soon([keep = std::move(done_outer)] { (void)keep; });
      unhook.inner_callback = Handle();
    }
  });
  return outer;
}

/// shield for a coroutine: it runs in a new task. asyncio: shield(coro).
template <class T>
Future<T> shield(Coro<T> coro) {
  return shield(Future<T>(get_event_loop().create_task(std::move(coro))));
}

/// shield for a task (keeps the Task's value type).
template <class T>
Future<T> shield(const Task<T>& task) {
  return shield(Future<T>(task));
}

}  // namespace asim
