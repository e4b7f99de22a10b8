// SPDX-License-Identifier: MIT
// TaskGroup: tasks that end together, the first failure cancelling the rest (asyncio: taskgroups.TaskGroup).
#pragma once

#include <asim/context.hpp>
#include <asim/coro.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {

/// A group of child tasks owned by a scope of the parent task. asyncio: asyncio.TaskGroup.
///
/// Use: `co_await asim::task_group([](asim::TaskGroup& tg, Args... args) -> asim::Coro<T> {
/// tg.create_task(...); ... }, args...)`. The body runs inline in the current (parent)
/// task; then the group waits for every child. The first child to fail cancels the
/// other children and the parent task (so the body's pending await raises
/// CancelledError); at the end all errors, in the order they happened (the body's own
/// error last), are raised together as one ExceptionGroup. A CancelledError from
/// outside the group propagates once the children are done.
///
/// `enter()` / `exit(error)` are the two halves of `async with` for drivers that need
/// them apart; `exit` is awaited with the exception the body ended with (or nullptr),
/// and if it returns, the caller rethrows that exception itself.
///
/// Differences from asyncio: children are cancelled in creation order (asyncio walks a
/// set); there are no SystemExit / KeyboardInterrupt "base errors" in C++.
class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  /// Unhooks its callbacks from children still pending (only if exit never finished).
  ~TaskGroup();

  /// Creates a child task. RuntimeError before enter(), after the group finished, or
  /// while it is shutting down. asyncio: TaskGroup.create_task, which creates an
  /// unnamed task and names it afterwards: a named child still uses up a "Task-N"
  /// number, as with asim::create_task.
  template <class T>
  Task<T> create_task(Coro<T> coro, std::string name = {}) {
    check_can_create();
    if (!name.empty()) (void)loop_->next_task_number();
    Task<T> task = loop_->create_task(std::move(coro), std::move(name));
    track(AnyTask(task));
    return task;
  }
  /// Same, named `name.value` even when it is empty (asyncio's name=""; see GivenName).
  template <class T>
  Task<T> create_task(Coro<T> coro, GivenName name) {
    check_can_create();
    (void)loop_->next_task_number();
    Task<T> task = loop_->create_task(std::move(coro), std::move(name));
    track(AnyTask(task));
    return task;
  }

  /// Same, the child running in `context` instead of a copy of the current one.
  /// asyncio: TaskGroup.create_task(coro, name=..., context=...).
  template <class T>
  Task<T> create_task(Coro<T> coro, std::string name, const Context& context) {
    check_can_create();
    if (!name.empty()) (void)loop_->next_task_number();
    Task<T> task = loop_->create_task(std::move(coro), std::move(name), context);
    track(AnyTask(task));
    return task;
  }

  /// create_task for what asyncio takes as a coroutine, e.g. `create_task(sleep(d))`.
  template <detail::coro_convertible A>
  auto create_task(A awaitable, std::string name = {}) {
    return create_task(std::move(awaitable).as_coro(), std::move(name));
  }
  /// asyncio: TaskGroup.__aenter__.
  void enter();
  /// asyncio: TaskGroup.__aexit__.
  Coro<void> exit(std::exception_ptr error);

  /// The children not yet done, in creation order.
  [[nodiscard]] std::size_t size() const noexcept { return tasks_.size(); }
  /// "<TaskGroup tasks=2 errors=1 cancelling>" as asyncio's repr.
  [[nodiscard]] std::string repr() const;

 private:
  struct Child {
    AnyTask task;
    Handle callback;
  };

  void check_can_create() const;
  void track(AnyTask task);
  // asyncio: TaskGroup._abort
  void abort();
  // asyncio: TaskGroup._on_task_done
  void on_task_done(FutureBase& task);

  bool entered_ = false;
  bool exiting_ = false;
  bool aborting_ = false;
  EventLoop* loop_ = nullptr;
  AnyTask parent_task_;
  bool parent_cancel_requested_ = false;
  std::vector<Child> tasks_;
  std::vector<std::exception_ptr> errors_;
  Future<void> on_completed_fut_;
};

namespace detail {

template <class F, class... Args>
using task_group_result_t = typename std::invoke_result_t<F&, TaskGroup&, Args&...>::value_type;

// `async with TaskGroup() as tg: return await fn(tg, *args)`
template <class F, class... Args>
Coro<task_group_result_t<F, Args...>> run_task_group(F fn, Args... args) {
  using R = task_group_result_t<F, Args...>;
  TaskGroup group;
  group.enter();
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await std::invoke(fn, group, args...);
      result.emplace(true);
    } else {
      result.emplace(co_await std::invoke(fn, group, args...));
    }
  } catch (...) {
    error = std::current_exception();
  }
  co_await group.exit(error);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace detail

/// Runs `fn(group, args...)` (a coroutine) inline with a fresh TaskGroup, then waits for
/// the group's children as `async with asyncio.TaskGroup()` does; returns what the body
/// returned. `fn` and `args` are kept in the coroutine frame until it ends.
template <class F, class... Args>
  requires std::invocable<F&, TaskGroup&, Args&...> Coro<detail::task_group_result_t<F, Args...>> task_group(
      F fn, Args... args) {
    return detail::run_task_group(std::move(fn), std::move(args)...);
  }

}  // namespace asim
