// SPDX-License-Identifier: MIT
// Task<T>: a future that drives a coroutine, one step per wake-up (asyncio: tasks.Task).
#pragma once

#include <asim/context.hpp>
#include <asim/coro.hpp>
#include <asim/detail/frame_allocator.hpp>
#include <asim/detail/runnable.hpp>
#include <asim/detail/task_name.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asim {

class TaskBase;

namespace detail {
// A task's step and wake-up nodes. TaskBase derives from both, so a node finds its
// task by a static cast instead of storing a pointer to it (16 bytes per task).
struct TaskStepNode : Runnable {
  void run() override;
};
// The future that completed is always the task's `fut_waiter_`: the node is added to
// no other future, so it keeps no pointer of its own.
struct TaskWakeupNode : Runnable {
  void run() override;
};
}  // namespace detail

/// The part of a task that does not depend on its value type: the step and wake-up
/// logic of asyncio's `Task.__step` / `Task.__wakeup`, cancellation, the name.
///
/// Ground rules:
/// - A step resumes the coroutine; it runs until it returns or suspends on an asim
///   awaiter, which records what it waits for (a future, or nothing for a bare yield).
///   After `resume()` returns, the step acts on that record exactly as `__step` acts on
///   what the coroutine yielded.
/// - The step and wake-up nodes are embedded here: waking a task allocates nothing.
/// - While pending, the loop holds a reference to the task (asyncio keeps a task alive
///   through the callbacks that will wake it).
class TaskBase : public FutureBase, private detail::TaskStepNode, private detail::TaskWakeupNode {
 public:
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;
  ~TaskBase() override;

  /// Requests cancellation: cancels the future the task waits on, or makes the next
  /// step throw CancelledError into the coroutine. False when the task is done.
  /// asyncio: Task.cancel.
  bool cancel(std::string_view msg = {}) override;
  /// The number of pending cancellation requests. asyncio: Task.cancelling.
  [[nodiscard]] int cancelling() const noexcept { return num_cancels_requested_; }
  /// Withdraws one cancellation request; returns the remaining count. asyncio: Task.uncancel.
  int uncancel() noexcept {
    if (num_cancels_requested_ > 0) --num_cancels_requested_;
    return num_cancels_requested_;
  }
  /// The name given, or "Task-N". asyncio: Task.get_name.
  [[nodiscard]] std::string get_name() const;
  /// The name given, without a copy (a trace line per step reads it); empty when the
  /// task has none and get_name() formats "Task-N".
  [[nodiscard]] std::string_view given_name() const noexcept { return name_.view(); }
  /// Whether the task was given a name, the empty name included (given_name() is then
  /// its name, and get_name() formats no "Task-N").
  [[nodiscard]] bool has_given_name() const noexcept { return name_.has_name(); }
  void set_name(std::string name);

  /// The future this task is suspended on, or nullptr (asyncio: `_fut_waiter`).
  [[nodiscard]] FutureBase* awaiting() const noexcept { return fut_waiter_; }
  /// Loop time (ns) at which the task last suspended.
  [[nodiscard]] std::int64_t suspended_since_ns() const noexcept { return suspended_since_ns_; }
  [[nodiscard]] std::string describe() const override;
  /// asyncio: a Task refuses set_result and set_exception (RuntimeError).
  [[nodiscard]] std::exception_ptr settable_error(const char* operation) const override;

  // The awaiter protocol (see detail::suspend_task_on).
  void suspend_on(FutureBase& future, std::coroutine_handle<> caller) noexcept {
    yield_kind_ = YieldKind::future;
    // What the coroutine yielded; the step validates it before it is really waited on.
    fut_waiter_ = &future;
    resume_point_ = caller;
  }
  void suspend_bare(std::coroutine_handle<> caller) noexcept {
    yield_kind_ = YieldKind::bare;
    resume_point_ = caller;
  }
  void raise_thrown_in() {
    if (step_error_) raise_step_error();
  }
  /// What raise_thrown_in would raise, handed over instead of thrown (nullptr when
  /// nothing is thrown in), for awaiters that give errors back as values: a throw per
  /// cancellation is costly.
  std::exception_ptr take_thrown_in() noexcept;
  /// Makes the awaiter that is resuming now raise `error` (see raise_thrown_in).
  void throw_in(std::exception_ptr error) noexcept { step_error_ = std::move(error); }

  /// Destroys the coroutine frame of a pending task without running it further
  /// (loop teardown); the task ends cancelled with no callbacks run.
  void destroy_pending() noexcept;
  /// Ends a pending task that is not running as a power cut would: its coroutine
  /// frame is destroyed without running further (destructors of its locals run; no
  /// CancelledError is raised in it, no except or finally code runs), a step or
  /// wake-up already queued is dropped, and the task ends cancelled with `msg`, its
  /// done-callbacks scheduled, so whoever awaits it sees CancelledError. Used by the
  /// simulated network's power-cut crash; false when the task is done.
  bool vanish(std::string_view msg) noexcept;

  /// Makes the task keep its coroutine frame when the coroutine ends, until
  /// release_frame(): run_until_complete(coro) keeps the main coroutine's frame while
  /// the tasks it left behind are cancelled, so their cleanup still finds its storage
  /// (asyncio.run's order; Python's collector keeps the state alive instead).
  void keep_frame() noexcept { keep_frame_ = true; }
  /// Destroys a frame kept by keep_frame() once the task is done; a pending task
  /// keeps its frame (the loop's teardown destroys it).
  void release_frame() noexcept;
  /// Makes the task run in `context` instead of the copy it took when created
  /// (asyncio: Task(..., context=context)); before the first step only.
  void use_context(const Context& context) noexcept;
  /// Where the running task keeps its own context's map (see detail::current_context_slot).
  [[nodiscard]] detail::ContextData** own_context_slot() noexcept { return &context_; }

  // Links of the loop's list of pending tasks.
  TaskBase* prev_task_ = nullptr;
  TaskBase* next_task_ = nullptr;

 protected:
  /// `named`: the name is given even when empty (GivenName); else "" is no name.
  TaskBase(EventLoop& loop, std::coroutine_handle<> coro, std::string name, bool named = false);
  /// Schedules the first step and registers the task with the loop.
  void start();
  /// The coroutine returned: store its value and return nullptr, or return the
  /// exception it ended with (not rethrown: a throw per cancellation is costly).
  virtual std::exception_ptr take_coro_result() = 0;
  [[nodiscard]] void* coro_address() const noexcept { return coro_.address(); }

 private:
  enum class YieldKind : std::uint8_t { none, bare, future };
  friend struct detail::TaskStepNode;
  friend struct detail::TaskWakeupNode;

  detail::TaskStepNode& step_node() noexcept { return *this; }
  detail::TaskWakeupNode& wakeup_node() noexcept { return *this; }
  void step();
  [[nodiscard]] detail::ContextObject* shared_context() const noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(context_);
    return (bits & 1) != 0 ? reinterpret_cast<detail::ContextObject*>(bits & ~std::uintptr_t{1}) : nullptr;
  }
  void release_context() noexcept;
  void wakeup(FutureBase& future);
  void schedule_step(std::exception_ptr error) noexcept;
  [[noreturn]] void raise_step_error();

  // Fields are few and packed: a sleeping task is this object, its frame and a
  // 64-byte timer node (see bench/memory_bench.cpp).
  std::coroutine_handle<> coro_;          // the task's own (outermost) coroutine
  std::coroutine_handle<> resume_point_;  // the innermost coroutine, where it suspended
  FutureBase* fut_waiter_ = nullptr;
  // The error the next step throws into the coroutine: set by a wake-up or a
  // scheduled step, taken by the awaiter's raise_thrown_in during the step.
  std::exception_ptr step_error_;
  // A name given by the user; unnamed tasks are "Task-<number_>", formatted when
  // asked for. The cancel message is FutureBase's: asyncio's Task and Future share
  // the `_cancel_message` attribute.
  detail::TaskName name_;
  std::uint64_t number_ = 0;
  std::int64_t suspended_since_ns_ = 0;
  // asyncio: Task._context. The task's own copy of the context current when it was
  // created (a map pointer: taking the copy allocates nothing), or, tagged with bit 0,
  // the Context given to create_task (one word: a task stays in its size class).
  detail::ContextData* context_ = nullptr;
  int num_cancels_requested_ = 0;
  bool must_cancel_ = false;
  // True while cancel() is cancelling fut_waiter_: a nested cancel() of this task
  // means a cancel cycle (it awaits a gather that contains itself).
  bool cancelling_waiter_ = false;
  bool started_ = false;
  bool keep_frame_ = false;
  YieldKind yield_kind_ = YieldKind::none;
};

namespace detail {

/// A task's state: the common part, the coroutine's promise type and the value.
/// Allocated like coroutine frames, so creating a task allocates nothing once warm.
template <class T>
class TaskState final : public TaskBase, public ResultSlot<T>, public FrameRecycled {
 public:
  TaskState(EventLoop& loop, Coro<T> coro, std::string name, bool named = false)
      : TaskBase(loop, coro.release(), std::move(name), named) {}
  using TaskBase::start;

 private:
  std::exception_ptr take_coro_result() override;
};

}  // namespace detail

/// A task of any value type (all_tasks, current_task).
class AnyTask : public AnyFuture {
 public:
  AnyTask() = default;
  explicit AnyTask(TaskBase* task) noexcept : AnyFuture(task) {}
  [[nodiscard]] TaskBase& task() const noexcept { return static_cast<TaskBase&>(base()); }
  [[nodiscard]] int cancelling() const noexcept { return task().cancelling(); }
  int uncancel() noexcept { return task().uncancel(); }
  [[nodiscard]] std::string get_name() const { return task().get_name(); }
  void set_name(std::string name) { task().set_name(std::move(name)); }
};

/// A handle to a task whose coroutine returns `T`. It is a Future<T>: awaitable,
/// cancellable, with done-callbacks; `set_result` / `set_exception` raise
/// RuntimeError as in asyncio. asyncio: tasks.Task.
template <class T>
class Task : public Future<T> {
 public:
  Task() = default;
  explicit Task(detail::TaskState<T>* state) noexcept : Future<T>(state, state) {}

  [[nodiscard]] TaskBase& task() const noexcept { return static_cast<TaskBase&>(this->base()); }
  [[nodiscard]] int cancelling() const noexcept { return task().cancelling(); }
  int uncancel() noexcept { return task().uncancel(); }
  [[nodiscard]] std::string get_name() const { return task().get_name(); }
  void set_name(std::string name) { task().set_name(std::move(name)); }
  operator AnyTask() const noexcept { return AnyTask(&task()); }  // NOLINT: implicit by design
};

/// Creates a task on the running loop. asyncio: asyncio.create_task.
template <class T>
Task<T> create_task(Coro<T> coro, std::string name = {}) {
  EventLoop& loop = get_running_loop();
  // asyncio.create_task makes an unnamed task (taking a "Task-N" number) and names
  // it afterwards, so a named task still uses up a number; loop.create_task does not.
  if (!name.empty()) (void)loop.next_task_number();
  return loop.create_task(std::move(coro), std::move(name));
}

/// Same, named `name.value` even when it is empty: asyncio.create_task(coro, name="")
/// names the task "" and, like any name it is given, uses up a number (see GivenName).
template <class T>
Task<T> create_task(Coro<T> coro, GivenName name) {
  EventLoop& loop = get_running_loop();
  (void)loop.next_task_number();
  return loop.create_task(std::move(coro), std::move(name));
}

/// create_task for what asyncio would accept as a coroutine, e.g. `create_task(sleep(d))`.
template <detail::coro_convertible A>
auto create_task(A awaitable, std::string name = {}) {
  return create_task(std::move(awaitable).as_coro(), std::move(name));
}

/// Creates a task on the running loop that runs in `context`.
/// asyncio: asyncio.create_task(coro, name=..., context=context).
template <class T>
Task<T> create_task(Coro<T> coro, std::string name, const Context& context) {
  EventLoop& loop = get_running_loop();
  if (!name.empty()) (void)loop.next_task_number();
  return loop.create_task(std::move(coro), std::move(name), context);
}

/// A future for `awaitable`: a future as is, a coroutine wrapped in a task on the
/// running loop. asyncio: asyncio.ensure_future.
template <class T>
Future<T> ensure_future(Future<T> future) {
  return future;
}
template <class T>
Task<T> ensure_future(Coro<T> coro) {
  return get_event_loop().create_task(std::move(coro));
}
template <detail::coro_convertible A>
auto ensure_future(A awaitable) {
  return create_task(std::move(awaitable).as_coro());
}

namespace detail {
/// The name of a task a combinator creates for its caller: "<caller's name>.<what>"
/// ("main.wait_for"), so reports link it to the task that created it; "" (Task-N)
/// outside a task. It takes a Task-N number all the same, as asyncio's unnamed task.
std::string inner_task_name(EventLoop& loop, const char* what);
}  // namespace detail

/// The task running now on this thread's loop, or an empty AnyTask when the loop is
/// running a plain callback. Throws RuntimeError("no running event loop") when no
/// loop runs. asyncio: asyncio.current_task.
AnyTask current_task();
/// The pending tasks of the running loop. asyncio: asyncio.all_tasks.
std::vector<AnyTask> all_tasks();

// -- inline definitions ---------------------------------------------------------

template <class T>
std::exception_ptr detail::TaskState<T>::take_coro_result() {
  auto handle = std::coroutine_handle<CoroPromise<T>>::from_address(coro_address());
  if (handle.promise().exception_) return std::exchange(handle.promise().exception_, nullptr);
  if constexpr (!std::is_void_v<T>) this->value.emplace(handle.promise().take_result());
  return nullptr;
}

template <class T>
Task<T> EventLoop::create_task(Coro<T> coro, std::string name) {
  check_closed();
  if (!coro.valid()) throw RuntimeError("create_task() needs a coroutine");
  auto* state = new detail::TaskState<T>(*this, std::move(coro), std::move(name));
  Task<T> task(state);
  state->start();
  return task;
}

namespace detail {
/// run_until_complete for any future: runs the loop until `future` is done.
void run_until_done(EventLoop& loop, FutureBase& future);
/// run_until_done without its "stopped before Future completed" error: false when the
/// loop stopped with `future` still pending (a simulated loop told to stop on a
/// deadlock rather than raise, for one).
bool run_until_done_or_stopped(EventLoop& loop, FutureBase& future);
/// asyncio.run's `_cancel_all_tasks`: cancels what is pending, runs until it is all
/// done and reports the exceptions of those that did not end cancelled.
void cancel_all_tasks(EventLoop& loop);
/// Runs until `main` is done, then cancels the tasks left and runs them to
/// completion before `main`'s coroutine frame is destroyed (asyncio.run's order).
void run_main_task(EventLoop& loop, TaskBase& main);
/// Raises the CancelledError of the cancelled `future`, naming it (CancelledError::task).
[[noreturn]] void raise_cancelled(FutureBase& future);
}  // namespace detail

// asyncio: runners.Runner.run (run_until_complete, then _cancel_all_tasks)
template <class T>
Task<T> EventLoop::create_task(Coro<T> coro, GivenName name) {
  check_closed();
  if (!coro.valid()) throw RuntimeError("create_task() needs a coroutine");
  auto* state = new detail::TaskState<T>(*this, std::move(coro), std::move(name.value), true);
  Task<T> task(state);
  state->start();
  return task;
}

template <class T>
Task<T> EventLoop::create_task(Coro<T> coro, std::string name, const Context& context) {
  check_closed();
  if (!coro.valid()) throw RuntimeError("create_task() needs a coroutine");
  auto* state = new detail::TaskState<T>(*this, std::move(coro), std::move(name));
  Task<T> task(state);
  state->use_context(context);
  state->start();
  return task;
}

template <class T>
T EventLoop::run_until_complete(Coro<T> coro) {
  check_closed();
  check_running();
  Task<T> main = create_task(std::move(coro));
  main.task().keep_frame();
  detail::run_main_task(*this, main.task());
  if (main.cancelled()) detail::raise_cancelled(main.task());
  return main.result();
}

template <class T>
T EventLoop::run_until_complete(Future<T> future) {
  detail::run_until_done(*this, future.base());
  if (future.cancelled()) detail::raise_cancelled(future.base());
  return future.result();
}

}  // namespace asim
