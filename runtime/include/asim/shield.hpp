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
  // collector for the cycle); the outer future's own callback unhooks it first.
  FutureBase* outer_base = &outer.base();
  detail::ResultSlot<T>* outer_slot = outer.slot();
  Handle inner_callback = inner.add_done_callback([outer_base, outer_slot](Future<T> done_inner) {
    Future<T> outer(outer_base, outer_slot);
    if (outer.cancelled()) return;  // mark inner's exception as retrieved: nothing in C++
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
      // Once the outer future is done or gone, a scheduled inner callback has nothing
      // left to do (it would return at `outer.cancelled()`): skip it.
      inner_callback.cancel();
    }
  };
  outer.add_done_callback([unhook = Unhook(AnyFuture(inner), inner_callback)](Future<T>) mutable {
    if (!unhook.inner.done()) unhook.inner.remove_done_callback(unhook.inner_callback);
  });
  return outer;
}

/// shield for a coroutine: it runs in a new task. asyncio: shield(coro).
template <class T>
Future<T> shield(Coro<T> coro) {
  return shield(Future<T>(create_task(std::move(coro))));
}

/// shield for a task (keeps the Task's value type).
template <class T>
Future<T> shield(const Task<T>& task) {
  return shield(Future<T>(task));
}

}  // namespace asim
