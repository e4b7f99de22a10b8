// SPDX-License-Identifier: MIT
// wait() and _cancel_and_wait() (asyncio: tasks.wait, tasks._wait, tasks._cancel_and_wait).
#include <asim/wait.hpp>

#include <asim/detail/settle.hpp>

#include <algorithm>
#include <cstddef>
#include <utility>

namespace asim {

namespace {

using detail::release_waiter;

/// The state `_wait` shares with its `_on_completion` closures. It lives in the
/// coroutine frame; the closures are pool nodes that are removed from the futures and
/// cancelled (in case they are already on the ready queue) before the frame goes.
struct WaitState {
  Future<void> waiter;
  TimerHandle timeout_handle;
  std::size_t counter = 0;
  ReturnWhen return_when = ALL_COMPLETED;

  // asyncio: _wait._on_completion
  void on_completion(FutureBase& f) {
    --counter;
    if (counter == 0 || return_when == FIRST_COMPLETED ||
        (return_when == FIRST_EXCEPTION && !f.cancelled() && f.exception() != nullptr)) {
      timeout_handle.cancel();
      release_waiter(waiter);
    }
  }
};

/// The `finally:` of `_wait`: cancel the timer and take every closure back.
struct WaitCleanup {
  WaitState& state;
  std::vector<AnyFuture>& futures;
  std::vector<Handle>& callbacks;
  ~WaitCleanup() {
    state.timeout_handle.cancel();
    for (std::size_t i = 0; i < callbacks.size(); ++i) {
      futures[i].remove_done_callback(callbacks[i]);
      callbacks[i].cancel();  // a closure already on the ready queue would see a dead frame
    }
  }
};

// asyncio: tasks._wait (the error of its wait given back: see wait_outcome)
Coro<Outcome<WaitResult>> wait_impl(std::vector<AnyFuture> fs, std::optional<double> timeout,
                                    ReturnWhen return_when, EventLoop& loop) {
  WaitState state;
  state.waiter = loop.create_future<void>();
  state.return_when = return_when;
  if (timeout) {
    state.timeout_handle = loop.call_later(*timeout, [waiter = state.waiter] { release_waiter(waiter); });
    loop.mark_timeout(state.timeout_handle);
  }
  state.counter = fs.size();
  std::vector<Handle> callbacks;
  callbacks.reserve(fs.size());
  std::exception_ptr error;
  {
    WaitCleanup cleanup{state, fs, callbacks};
    for (AnyFuture& f : fs) {
      WaitState* shared = &state;
      callbacks.push_back(f.base().add_done_callback([shared](FutureBase& done) { shared->on_completion(done); }));
    }
    error = co_await detail::settle_await(state.waiter.base());
  }
  if (error) co_return Outcome<WaitResult>::failure(std::move(error));
  WaitResult result;
  for (AnyFuture& f : fs) (f.done() ? result.done : result.pending).push_back(f);
  co_return Outcome<WaitResult>(std::move(result));
}

}  // namespace

// asyncio: tasks.wait
Coro<WaitResult> wait(std::vector<AnyFuture> futures, std::optional<double> timeout, ReturnWhen return_when) {
  Outcome<WaitResult> result = co_await detail::wait_outcome(std::move(futures), timeout, return_when);
  co_return std::move(result).value();
}

namespace detail {

Coro<Outcome<WaitResult>> wait_outcome(std::vector<AnyFuture> futures, std::optional<double> timeout,
                                       ReturnWhen return_when) {
  if (futures.empty()) throw ValueError("Set of Tasks/Futures is empty.");
  if (return_when != FIRST_COMPLETED && return_when != FIRST_EXCEPTION && return_when != ALL_COMPLETED) {
    throw ValueError("Invalid return_when value: " + std::to_string(static_cast<int>(return_when)));
  }
  // fs = set(fs): one entry per future, kept in input order for a deterministic result.
  std::vector<AnyFuture> unique;
  unique.reserve(futures.size());
  for (AnyFuture& f : futures) {
    if (!f) throw ValueError("wait() got an empty future handle");
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(std::move(f));
  }
  EventLoop& loop = get_running_loop();
  co_return co_await wait_impl(std::move(unique), timeout, return_when, loop);
}

// asyncio: tasks._cancel_and_wait
Coro<void> cancel_and_wait(AnyFuture fut) {
  EventLoop& loop = get_running_loop();
  Future<void> waiter = loop.create_future<void>();
  Handle cb = fut.base().add_done_callback([waiter](FutureBase&) { release_waiter(waiter); });
  struct Finally {
    AnyFuture& fut;
    Handle& cb;
    ~Finally() { fut.remove_done_callback(cb); }
  } finally{fut, cb};
  fut.cancel();
  co_await waiter;
}

}  // namespace detail

}  // namespace asim
