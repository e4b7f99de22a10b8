// SPDX-License-Identifier: MIT
// gather(...): one future for the results of many (asyncio: tasks.gather, tasks._GatheringFuture).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/ref.hpp>
#include <asim/detail/runnable.hpp>
#include <asim/future.hpp>
#include <asim/outcome.hpp>
#include <asim/task.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {

/// The tag that selects gather's `return_exceptions=True` behaviour.
struct ReturnExceptions {
  explicit ReturnExceptions() = default;
};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, Void, T>;

/// The outer future of gather: a plain future whose cancel() cancels the children
/// instead of itself, and which counts its children's completions.
///
/// Each distinct child gets one intrusive done-callback node embedded here. A node
/// holds a reference to this future only while it sits on the ready queue (as
/// asyncio's closure keeps `outer` alive); the destructor unhooks the nodes still
/// waiting in a child's callback list, so an abandoned gather leaves nothing behind.
class GatheringFutureBase : public FutureBase {
 public:
  /// Cancels every child; the outer future itself finishes only when the children do.
  /// asyncio: _GatheringFuture.cancel.
  bool cancel(std::string_view msg = {}) override;
  /// asyncio's public name: users call gather(), never see _GatheringFuture.
  [[nodiscard]] std::string describe() const override { return name().empty() ? "gather" : "gather '" + name() + "'"; }
  /// asyncio: _GatheringFuture._cancel_requested.
  [[nodiscard]] bool cancel_requested() const noexcept { return cancel_requested_; }

 protected:
  GatheringFutureBase(EventLoop& loop, bool return_exceptions, std::size_t max_children);
  ~GatheringFutureBase() override;

  /// Adds one argument's future: a future seen before is only listed again
  /// (asyncio's `arg_to_fut`); a new one gets the done-callback.
  void add_child(const AnyFuture& child);
 public:
  /// For gathers of many children: add_child finds duplicates by a mark on each child
  /// instead of a search. The builder must call unmark_children() when done adding,
  /// also when adding fails (use MarkedChildren).
  void mark_children() noexcept { marking_ = true; }
  void unmark_children() noexcept;
  /// Unmarks on scope exit.
  struct MarkedChildren {
    GatheringFutureBase* gathering;
    explicit MarkedChildren(GatheringFutureBase* g) noexcept : gathering(g) { gathering->mark_children(); }
    ~MarkedChildren() { gathering->unmark_children(); }
    MarkedChildren(const MarkedChildren&) = delete;
    MarkedChildren& operator=(const MarkedChildren&) = delete;
  };

 protected:
  /// Stores the results of all children (all done) and finishes the future.
  virtual void set_results() = 0;
  [[nodiscard]] bool return_exceptions() const noexcept { return return_exceptions_; }
  /// One entry per argument, duplicates included, in argument order.
  [[nodiscard]] const std::vector<AnyFuture>& children() const noexcept { return children_; }

 private:
  struct ChildCallback final : Runnable {
    GatheringFutureBase* outer = nullptr;
    FutureBase* child = nullptr;
    bool scheduled = false;
    void run() override;
    void drop() noexcept override;
    void bind_future(FutureBase* future) noexcept override;
  };

  // asyncio: gather._done_callback
  void on_child_done(FutureBase& fut);

  std::vector<AnyFuture> children_;  // one entry per argument, duplicates included
  std::unique_ptr<ChildCallback[]> callbacks_;
  std::size_t nfuts_ = 0;
  std::size_t nfinished_ = 0;
  bool return_exceptions_;
  bool cancel_requested_ = false;
  bool marking_ = false;  // duplicates are found by FutureBase::gather_mark_
};

/// A child's value as gather reports it.
template <class T>
gather_value_t<T> gather_value(const Future<T>& child) {
  if constexpr (std::is_void_v<T>) {
    child.result();
    return Void{};
  } else {
    return child.result();
  }
}

/// A child's outcome as gather(return_exceptions=True) reports it.
template <class T>
Outcome<T> gather_outcome(const Future<T>& child) {
  if (child.cancelled()) {
    // asyncio: exceptions.CancelledError('' if fut._cancel_message is None else ...)
    return Outcome<T>::failure(std::make_exception_ptr(CancelledError(child.base().cancel_message())));
  }
  if (std::exception_ptr error = child.exception()) return Outcome<T>::failure(error);
  if constexpr (std::is_void_v<T>) {
    return Outcome<void>();
  } else {
    return Outcome<T>(child.result());
  }
}

/// gather over a vector of futures of one type.
template <class T, bool ReturnExc>
class GatheringVector final : public GatheringFutureBase,
                              public ResultSlot<std::vector<std::conditional_t<ReturnExc, Outcome<T>, gather_value_t<T>>>> {
 public:
  using result_type = std::vector<std::conditional_t<ReturnExc, Outcome<T>, gather_value_t<T>>>;
  GatheringVector(EventLoop& loop, std::size_t count) : GatheringFutureBase(loop, ReturnExc, count) {
    typed_.reserve(count);
  }
  void adopt(Future<T> child) {
    add_child(child);
    typed_.push_back(std::move(child));
  }

 private:
  void set_results() override {
    result_type results;
    results.reserve(typed_.size());
    for (const Future<T>& child : typed_) {
      if constexpr (ReturnExc) {
        results.push_back(gather_outcome(child));
      } else {
        results.push_back(gather_value(child));
      }
    }
    Future<result_type>(this, this).set_result(std::move(results));
  }
  std::vector<Future<T>> typed_;
};

/// gather over arguments of different types.
template <bool ReturnExc, class... Ts>
class GatheringTuple final
    : public GatheringFutureBase,
      public ResultSlot<std::tuple<std::conditional_t<ReturnExc, Outcome<Ts>, gather_value_t<Ts>>...>> {
 public:
  using result_type = std::tuple<std::conditional_t<ReturnExc, Outcome<Ts>, gather_value_t<Ts>>...>;
  explicit GatheringTuple(EventLoop& loop) : GatheringFutureBase(loop, ReturnExc, sizeof...(Ts)) {}
  template <class T>
  Future<T> adopt(Future<T> child) {
    add_child(child);
    return child;
  }
  void set_children(std::tuple<Future<Ts>...> children) { typed_ = std::move(children); }

 private:
  void set_results() override {
    result_type results = std::apply(
        [](const Future<Ts>&... child) {
          if constexpr (ReturnExc) {
            return result_type(gather_outcome(child)...);
          } else {
            return result_type(gather_value(child)...);
          }
        },
        typed_);
    Future<result_type>(this, this).set_result(std::move(results));
  }
  std::tuple<Future<Ts>...> typed_;
};

/// gather over type-erased futures: `collect(children, return_exceptions)` builds the
/// result from the children (all done; with return_exceptions false, all succeeded).
template <class R, class Collect>
class GatheringAny final : public GatheringFutureBase, public ResultSlot<R> {
 public:
  GatheringAny(EventLoop& loop, std::size_t count, bool return_exceptions, Collect collect)
      : GatheringFutureBase(loop, return_exceptions, count), collect_(std::move(collect)) {}
  void adopt(const AnyFuture& child) { add_child(child); }

 private:
  void set_results() override {
    R result = collect_(children(), return_exceptions());
    Future<R>(this, this).set_result(std::move(result));
  }
  Collect collect_;
};

/// The value type of a gather argument: Future<T>, Task<T> or Coro<T>.
template <class A>
struct gather_arg {};
template <class T>
struct gather_arg<Future<T>> {
  using type = T;
};
template <class T>
struct gather_arg<Task<T>> {
  using type = T;
};
template <class T>
struct gather_arg<Coro<T>> {
  using type = T;
};
// What asyncio takes as a coroutine, e.g. sleep(d).
template <class A>
  requires coro_convertible<A>
struct gather_arg<A> {
  using type = typename to_coro_t<A>::value_type;
};
template <class A>
using gather_arg_t = typename gather_arg<std::remove_cvref_t<A>>::type;
template <class A>
concept gather_argument = requires { typename gather_arg_t<A>; };

/// asyncio: _ensure_future(arg, loop=loop) refuses a future of another loop.
[[noreturn]] void throw_future_of_another_loop();
template <class F>
void check_gather_loop(const EventLoop& loop, const F& future) {
  if constexpr (!coroutine_like<F>) {  // a coroutine becomes a task of the gather's loop
    if (future && &future.get_loop() != &loop) throw_future_of_another_loop();
  }
}

/// The loop of the gather: the first argument's if it is a future, else the running one.
template <class A>
EventLoop& gather_loop(const A& first) {
  if constexpr (coroutine_like<A>) {
    return get_event_loop();
  } else {
    if (!first) throw ValueError("gather() got an empty future handle");
    return first.get_loop();
  }
}

/// asyncio: _ensure_future for a gather argument (a coroutine becomes a task).
template <class A>
Future<gather_arg_t<A>> gather_to_future(A&& arg) {
  using Arg = std::remove_cvref_t<A>;
  if constexpr (coroutine_like<Arg>) {
    return get_event_loop().create_task(to_coro(std::move(arg)));
  } else {
    if (!arg) throw ValueError("gather() got an empty future handle");
    return Future<gather_arg_t<A>>(arg);
  }
}

/// The futures among gather's arguments must belong to its loop (checked before any
/// is hooked, so a refused gather leaves nothing behind).
template <class A>
void check_variadic_loop(const EventLoop& loop, const A& arg) {
  if constexpr (!std::is_same_v<std::remove_cvref_t<A>, Coro<gather_arg_t<A>>>) check_gather_loop(loop, arg);
}

template <bool ReturnExc, class T>
auto gather_range(std::vector<Future<T>> futures) {
  using State = GatheringVector<T, ReturnExc>;
  using Result = typename State::result_type;
  if (futures.empty()) {
    // asyncio: an empty gather is a future that is already done.
    Future<Result> outer = get_event_loop().template create_future<Result>();
    outer.set_result(Result{});
    return outer;
  }
  for (const Future<T>& f : futures) {
    if (!f) throw ValueError("gather() got an empty future handle");
    check_gather_loop(futures.front().get_loop(), f);
  }
  auto* state = new State(futures.front().get_loop(), futures.size());
  Future<Result> outer(state, state);
  {
    typename State::MarkedChildren marked(state);
    for (Future<T>& f : futures) state->adopt(std::move(f));
  }
  return outer;
}

template <bool ReturnExc, class... Args>
auto gather_variadic(Args&&... args) {
  using State = GatheringTuple<ReturnExc, gather_arg_t<Args>...>;
  using Result = typename State::result_type;
  if constexpr (sizeof...(Args) == 0) {
    Future<Result> outer = get_event_loop().template create_future<Result>();
    outer.set_result(Result{});
    return outer;
  } else {
    // The outer future is created first so that each argument can be hooked as soon as
    // it is a future, interleaved with the creation of the next task, as in asyncio's
    // loop.
    EventLoop& loop = gather_loop(std::get<0>(std::forward_as_tuple(args...)));
    (check_variadic_loop(loop, args), ...);
    auto* state = new State(loop);
    Future<Result> outer(state, state);
    // Braced initialisation evaluates left to right.
    std::tuple<Future<gather_arg_t<Args>>...> children{state->adopt(gather_to_future(std::forward<Args>(args)))...};
    state->set_children(std::move(children));
    return outer;
  }
}

}  // namespace detail

/// A future for the values of all `futures`, in their order (not in completion
/// order). The first child to fail (or to be cancelled on its own) finishes it with
/// that exception (CancelledError for a cancelled child); the other children go on.
/// Cancelling it cancels every child; it then ends with CancelledError once all are
/// done. An empty vector gives a future that is already done. `void` children give
/// `Void`. asyncio: asyncio.gather(*fs).
template <class T>
Future<std::vector<detail::gather_value_t<T>>> gather(std::vector<Future<T>> futures) {
  return detail::gather_range<false>(std::move(futures));
}
/// Like gather(futures), but every child's outcome (value or exception) is reported in
/// the vector and no child's failure finishes the gather early.
/// asyncio: asyncio.gather(*fs, return_exceptions=True).
template <class T>
Future<std::vector<Outcome<T>>> gather(std::vector<Future<T>> futures, ReturnExceptions /*tag*/) {
  return detail::gather_range<true>(std::move(futures));
}
/// gather over tasks.
template <class T>
Future<std::vector<detail::gather_value_t<T>>> gather(const std::vector<Task<T>>& tasks) {
  return gather(std::vector<Future<T>>(tasks.begin(), tasks.end()));
}
template <class T>
Future<std::vector<Outcome<T>>> gather(const std::vector<Task<T>>& tasks, ReturnExceptions tag) {
  return gather(std::vector<Future<T>>(tasks.begin(), tasks.end()), tag);
}

/// gather over futures of any value types (`AnyFuture`), for callers that know the
/// types only at run time (an interpreter). It is asyncio's _GatheringFuture exactly
/// as the typed forms are: same callbacks, same cancellation, same iterations; only
/// the result is left to the caller: when every child is done (and, without
/// `return_exceptions`, none failed), `collect(children, return_exceptions)` returns
/// the value, where `children` holds one entry per argument in argument order,
/// duplicates included. `collect` must not throw. An empty vector gives a future
/// already done with `collect({}, return_exceptions)`.
/// asyncio: asyncio.gather(*fs, return_exceptions=return_exceptions).
template <class R, class Collect>
Future<R> gather_any(std::vector<AnyFuture> futures, bool return_exceptions, Collect collect) {
  if (futures.empty()) {
    Future<R> outer = get_event_loop().template create_future<R>();
    outer.set_result(collect(std::vector<AnyFuture>{}, return_exceptions));
    return outer;
  }
  for (const AnyFuture& f : futures) {
    if (!f) throw ValueError("gather() got an empty future handle");
    if (&f.base().get_loop() != &futures.front().base().get_loop()) detail::throw_future_of_another_loop();
  }
  using State = detail::GatheringAny<R, Collect>;
  auto* state = new State(futures.front().base().get_loop(), futures.size(), return_exceptions, std::move(collect));
  Future<R> outer(state, state);
  {
    typename State::MarkedChildren marked(state);
    for (const AnyFuture& f : futures) state->adopt(f);
  }
  return outer;
}

/// gather over arguments of mixed types: Future<T>, Task<T>, or Coro<T> (wrapped in a
/// task, in argument order). The result is a tuple, `Void` for void children.
/// asyncio: asyncio.gather(a, b, ...).
template <detail::gather_argument... Args>
Future<std::tuple<detail::gather_value_t<detail::gather_arg_t<Args>>...>> gather(Args&&... args) {
  return detail::gather_variadic<false>(std::forward<Args>(args)...);
}
/// gather(a, b, ...) with return_exceptions=True: a tuple of Outcome<T>.
template <detail::gather_argument... Args>
Future<std::tuple<Outcome<detail::gather_arg_t<Args>>...>> gather(ReturnExceptions /*tag*/, Args&&... args) {
  return detail::gather_variadic<true>(std::forward<Args>(args)...);
}

}  // namespace asim
