// SPDX-License-Identifier: MIT
// EventLoop: the one scheduling core (asyncio: base_events.BaseEventLoop).
#pragma once

#include <asim/clock.hpp>
#include <asim/detail/callback_node.hpp>
#include <asim/detail/clock_frame.hpp>
#include <asim/detail/context_data.hpp>
#include <asim/detail/loop_instrument.hpp>
#include <asim/detail/runnable.hpp>
#include <asim/detail/time_conversion.hpp>
#include <asim/detail/timer_heap.hpp>
#include <asim/errors.hpp>
#include <asim/handle.hpp>
#include <asim/poller.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asim {

class FutureBase;
class TaskBase;
class AnyTask;
template <class T>
class Future;
template <class T>
class Task;
template <class T>
class Coro;

/// A task name given as it is, even empty: asyncio's `loop.create_task(coro, name="")`
/// names the task "" and takes no "Task-N" number, where create_task's plain string
/// argument reads "" as no name (asyncio's name=None).
struct GivenName {
  std::string value;
};

/// What the exception handler receives (asyncio: the handler's `context` dict).
struct ExceptionContext {
  std::string message;
  std::exception_ptr exception;
  /// The future or task concerned, when there is one.
  const FutureBase* future = nullptr;
};

class EventLoop;
class Network;
class ThreadPoolExecutor;
class Context;
namespace detail {
class ExecutorJob;
}
using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;

/// The member templates that make futures and tasks are defined in <asim/future.hpp>
/// and <asim/task.hpp>; include those (or <asim/asim.hpp>) to call them.
///
/// The event loop core: ready queue, timer heap and `run_once`, with the clock and
/// the poller as its only variation points.
///
/// Ground rules:
/// - One iteration is asyncio's `_run_once`: drop cancelled timers at the top of the
///   heap (or compact the heap when they dominate), poll with timeout 0 if anything is
///   ready or the loop is stopping, else until the earliest timer; move every timer
///   with `when < now + resolution` to the ready queue in deadline order; run exactly
///   the callbacks that were ready at that moment, FIFO.
/// - Scheduling, arming and firing allocate nothing once the callback pool is warm.
/// - Single-threaded: only `call_soon_threadsafe` may be called from other threads.
class EventLoop {
 public:
  /// Both must outlive the loop.
  EventLoop(Clock& clock, Poller& poller);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  /// Destroys pending tasks' coroutine frames (reporting each to the exception
  /// handler, as asyncio reports "Task was destroyed but it is pending!").
  virtual ~EventLoop();

  // -- time -------------------------------------------------------------------

  /// The clock of the running code in seconds: the loop's clock, or on SimLoop the
  /// clock of the simulated host the code runs on (its skew and drift). asyncio: loop.time.
  [[nodiscard]] double time() const noexcept { return static_cast<double>(local_time_ns()) / 1e9; }
  /// time() in nanoseconds.
  [[nodiscard]] std::int64_t local_time_ns() const noexcept {
    const std::int64_t now = clock_.now();
    return clock_frame_ == nullptr ? now : clock_frame_->to_local(now);
  }
  /// The loop's own clock in nanoseconds, whatever host the code runs on: the timer
  /// heap, call_at_ns, traces and reports use it (global virtual time on SimLoop).
  [[nodiscard]] std::int64_t time_ns() const noexcept { return clock_.now(); }
  /// The loop time (ns) at which time() will have advanced by `delay_ns` from now.
  [[nodiscard]] std::int64_t deadline_after_ns(std::int64_t delay_ns) const noexcept {
    const std::int64_t now = clock_.now();
    if (clock_frame_ == nullptr) [[likely]]
      return detail::add_saturating(now, delay_ns);
    return clock_frame_->to_loop(detail::add_saturating(clock_frame_->to_local(now), delay_ns));
  }
  /// The loop time (ns) at which time() reads `when_ns`.
  [[nodiscard]] std::int64_t deadline_at_ns(std::int64_t when_ns) const noexcept {
    return clock_frame_ == nullptr ? when_ns : clock_frame_->to_loop(when_ns);
  }
  /// Makes time(), call_later, call_at and sleep read `frame` (nullptr: the loop's own
  /// clock). The simulated loop sets it for the steps and scopes of a host with its own
  /// clock; RealLoop never does, so it pays one predictable branch.
  void set_clock_frame(const detail::ClockFrame* frame) noexcept { clock_frame_ = frame; }
  [[nodiscard]] const detail::ClockFrame* clock_frame() const noexcept { return clock_frame_; }

  // -- scheduling -------------------------------------------------------------

  /// Schedules `fn(args...)` to run in the next iteration, after everything already
  /// scheduled. Throws RuntimeError on a closed loop. asyncio: loop.call_soon.
  template <class F, class... Args>
  Handle call_soon(F&& fn, Args&&... args) {
    check_closed();
    detail::CallbackNode* node = make_node(std::forward<F>(fn), std::forward<Args>(args)...);
    Handle handle(node);
    schedule(*node);  // the ready queue takes over the node's first reference
    return handle;
  }

  /// Schedules `fn(args...)` to run `delay` seconds from now. A negative delay is
  /// like 0. Throws std::invalid_argument for NaN or infinity. asyncio: loop.call_later.
  template <class F, class... Args>
  TimerHandle call_later(double delay, F&& fn, Args&&... args) {
    const std::int64_t delay_ns = detail::seconds_to_ns(delay, "delay");
    return call_at_ns(deadline_after_ns(delay_ns), std::forward<F>(fn), std::forward<Args>(args)...);
  }
  template <class Rep, class Period, class F, class... Args>
  TimerHandle call_later(std::chrono::duration<Rep, Period> delay, F&& fn, Args&&... args) {
    return call_later(detail::to_seconds(delay), std::forward<F>(fn), std::forward<Args>(args)...);
  }

  /// Schedules `fn(args...)` to run when time() reads `when` (seconds). asyncio: loop.call_at.
  template <class F, class... Args>
  TimerHandle call_at(double when, F&& fn, Args&&... args) {
    return call_at_ns(deadline_at_ns(detail::seconds_to_ns(when, "when")), std::forward<F>(fn),
                      std::forward<Args>(args)...);
  }

  /// call_at with a deadline in the loop's own nanoseconds (time_ns(), not time()).
  template <class F, class... Args>
  TimerHandle call_at_ns(std::int64_t when_ns, F&& fn, Args&&... args) {
    check_closed();
    detail::CallbackNode* node = make_node(std::forward<F>(fn), std::forward<Args>(args)...);
    TimerHandle handle(node);
    arm_timer(*node, when_ns);
    return handle;
  }

  /// Like call_soon, callable from any thread; wakes the loop if it is polling. The
  /// callback runs in a copy of the calling thread's context. asyncio: loop.call_soon_threadsafe.
  template <class F, class... Args>
  void call_soon_threadsafe(F&& fn, Args&&... args) {
    auto call = [fn = std::forward<F>(fn), ... args = std::forward<Args>(args)]() mutable { std::invoke(fn, args...); };
    if (detail::current_context_data() == nullptr) {
      post_threadsafe(std::function<void()>(std::move(call)));
    } else {
      post_threadsafe(std::function<void()>(
          [context = detail::CapturedContext(), call = std::move(call)]() mutable { context.run(call); }));
    }
  }

  // -- I/O --------------------------------------------------------------------

  /// Calls `fn(args...)` whenever `fd` is readable (level-triggered), until
  /// remove_reader; a second add_reader replaces the callback. Throws RuntimeError
  /// on a closed loop or when the poller watches no descriptors (the simulated
  /// world has no descriptors). asyncio: loop.add_reader.
  template <class F, class... Args>
  void add_reader(int fd, F&& fn, Args&&... args) {
    poller_.add_reader(fd, io_handle(std::forward<F>(fn), std::forward<Args>(args)...));
  }
  /// Stops watching `fd` for reading; true if it was watched. asyncio: loop.remove_reader.
  bool remove_reader(int fd) { return poller_.remove_reader(fd); }
  /// Calls `fn(args...)` whenever `fd` is writable. asyncio: loop.add_writer.
  template <class F, class... Args>
  void add_writer(int fd, F&& fn, Args&&... args) {
    poller_.add_writer(fd, io_handle(std::forward<F>(fn), std::forward<Args>(args)...));
  }
  /// asyncio: loop.remove_writer.
  bool remove_writer(int fd) { return poller_.remove_writer(fd); }

  /// Where this loop's connections, servers and datagram endpoints come from
  /// (asyncio: loop.create_connection / create_server / create_datagram_endpoint):
  /// sockets on RealLoop, the simulated network on SimLoop. The default throws
  /// RuntimeError: a loop without a world has no network.
  [[nodiscard]] virtual Network& network();

  // -- futures and tasks ------------------------------------------------------

  /// A new pending future bound to this loop, named `name` in reports and traces
  /// when given. Works on a closed loop, as asyncio's. asyncio: loop.create_future.
  template <class T = void>
  Future<T> create_future(std::string name = {});

  /// Wraps `coro` in a Task and schedules its first step with call_soon.
  /// An empty `name` gives "Task-N". asyncio: loop.create_task.
  template <class T>
  Task<T> create_task(Coro<T> coro, std::string name = {});
  /// create_task for what asyncio takes as a coroutine, e.g. `create_task(sleep(d))`.
  template <class A>
    requires requires(A&& a) { std::move(a).as_coro(); }
  auto create_task(A awaitable, std::string name = {}) {
    return create_task(std::move(awaitable).as_coro(), std::move(name));
  }
  /// Same, named `name.value` even when it is empty (see GivenName).
  template <class T>
  Task<T> create_task(Coro<T> coro, GivenName name);
  /// Same, the task running in `context` instead of a copy of the current one.
  /// asyncio: loop.create_task(coro, name=..., context=...).
  template <class T>
  Task<T> create_task(Coro<T> coro, std::string name, const Context& context);

  /// Runs the loop until `future` is done and returns its result (or throws its
  /// exception). asyncio: loop.run_until_complete.
  template <class T>
  T run_until_complete(Future<T> future);
  /// Wraps `coro` in a task (the main task) and runs until it is done; then, as
  /// asyncio.run does, cancels the tasks still pending and runs them to completion,
  /// reporting their exceptions to the exception handler, and only then destroys
  /// the main coroutine's frame, so their cleanup never finds it freed. (asyncio's
  /// loop.run_until_complete leaves them pending; Python's collector keeps the
  /// state they use alive, C++ cannot.) When the loop itself fails (a simulated
  /// deadlock, a limit), nothing more runs: pending tasks are destroyed at loop
  /// teardown, newest first.
  template <class T>
  T run_until_complete(Coro<T> coro);

  /// Runs iterations until `stop()`. asyncio: loop.run_forever.
  void run_forever();
  /// Makes run_forever return after the current iteration. asyncio: loop.stop.
  void stop() noexcept { stopping_ = true; }
  /// Drops every scheduled callback and timer; the loop can no longer be used.
  /// Throws RuntimeError while running. asyncio: loop.close.
  void close();
  [[nodiscard]] bool is_running() const noexcept { return running_; }
  [[nodiscard]] bool is_closed() const noexcept { return closed_; }
  /// True once the loop's destructor began tearing it down.
  [[nodiscard]] bool is_shut_down() const noexcept { return shut_down_; }

  /// Runs one iteration (asyncio: `_run_once`). For tests and step-by-step drivers.
  void run_once();

  // -- executor (defined in <asim/executor.hpp> and executor.cpp) ------------

  /// Runs `fn(args...)` in the default executor; returns a Future of its result.
  /// asyncio: loop.run_in_executor(None, fn, *args).
  template <class F, class... Args>
  auto run_in_executor(F fn, Args... args);
  /// Shuts the default executor down and waits for its threads without blocking the
  /// loop; run_in_executor raises RuntimeError afterwards.
  /// asyncio: loop.shutdown_default_executor.
  Coro<void> shutdown_default_executor();
  /// Where run_in_executor sends its work: this loop's default executor (a thread
  /// pool made on first use), completing the future on the loop's thread. The
  /// simulated loop overrides it to run the work on its own thread and complete it
  /// at a virtual time its chooser picks.
  virtual void submit_to_executor(std::unique_ptr<detail::ExecutorJob> job);

  // -- errors -----------------------------------------------------------------

  /// `handler` receives errors that no one can catch: exceptions escaping
  /// callbacks, tasks destroyed while pending. An empty handler restores the default.
  void set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }
  [[nodiscard]] const ExceptionHandler& get_exception_handler() const noexcept { return exception_handler_; }
  /// Calls the handler (or the default one); never throws.
  void call_exception_handler(const ExceptionContext& context) noexcept;
  /// Writes the context to stderr. asyncio: loop.default_exception_handler.
  void default_exception_handler(const ExceptionContext& context) noexcept;

  // -- introspection ----------------------------------------------------------

  /// The task whose step is running, or nullptr. asyncio: asyncio.current_task.
  [[nodiscard]] TaskBase* current_task() const noexcept { return current_task_; }
  /// The tasks not yet done, in creation order. asyncio: asyncio.all_tasks.
  [[nodiscard]] std::vector<AnyTask> all_tasks() const;
  /// Callbacks in the ready queue, cancelled ones included.
  [[nodiscard]] std::size_t ready_count() const noexcept { return ready_.size(); }
  /// Timers in the heap that are not cancelled.
  [[nodiscard]] std::size_t timer_count() const noexcept { return timers_.size() - cancelled_in_heap_; }
  /// Callback nodes handed out and not yet returned to the pool (a leak check).
  [[nodiscard]] std::size_t callbacks_in_use() const noexcept { return pool_->outstanding(); }

  // -- for the library's own machinery ----------------------------------------

  /// Appends `node` to the ready queue; the queue owns one claim on it. noexcept:
  /// on a closed loop the claim is dropped at once.
  void schedule(detail::Runnable& node) noexcept {
    // Inline for the common case (open loop, nothing posted from another thread):
    // every call_soon, task step and wake-up passes here.
    if (closed_ || threadsafe_pending_.load(std::memory_order_acquire)) [[unlikely]] {
      schedule_slow(node);
      return;
    }
    ready_.push_back(&node);
  }
  /// Takes `node` off the ready queue if it is there (a linear search: for rare
  /// events such as a simulated power cut, never on a hot path).
  bool unschedule(detail::Runnable& node) noexcept { return ready_.remove(&node); }
  /// A pooled node holding `fn` (called with no arguments) and one reference.
  template <class F, class... Args>
  detail::CallbackNode* make_node(F&& fn, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      return make_raw_node([fn = std::forward<F>(fn)](detail::CallbackNode&) mutable { std::invoke(fn); });
    } else {
      return make_raw_node([fn = std::forward<F>(fn), ... args = std::forward<Args>(args)](detail::CallbackNode&) mutable {
        std::invoke(fn, args...);
      });
    }
  }
  /// A pooled node holding `fn`, called with the node itself (for done-callbacks).
  /// While a context variable is set, the node also keeps a copy of the current
  /// context and runs `fn` in it (asyncio: Handle's `context=copy_context()`); with
  /// none set, callbacks run in the loop's per-callback empty context.
  ///
  /// Forced inline, the capturing case kept out of line and given `fn` by value:
  /// every call_soon, timer and done-callback passes here. With both cases inline
  /// clang stopped inlining it (a call and a frame per callback), and a reference to
  /// `fn` escaping into the cold case keeps the callable in memory: it is then
  /// stored field by field and reloaded whole, a store-forwarding stall per
  /// callback (call_soon_batch +25 %).
  template <class F>
  [[gnu::always_inline]] detail::CallbackNode* make_raw_node(F&& fn) {
    if (detail::current_context_data() != nullptr) [[unlikely]]
      return make_context_node<std::decay_t<F>>(std::forward<F>(fn));
    return make_plain_node(std::forward<F>(fn));
  }
  template <class Fn>
  [[gnu::noinline]] detail::CallbackNode* make_context_node(Fn fn) {
    return make_plain_node(
        [context = detail::CapturedContext(), fn = std::move(fn)](detail::CallbackNode& node) mutable {
          auto call = [&fn, &node] { fn(node); };
          context.run(call);
        });
  }
  template <class F>
  [[gnu::always_inline]] detail::CallbackNode* make_plain_node(F&& fn) {
    detail::CallbackNode* node = pool_->acquire(detail::CallbackNode::block_for<std::decay_t<F>>());
    node->emplace(std::forward<F>(fn));
    return node;
  }
  void timer_handle_cancelled(detail::CallbackNode& timer) noexcept;
  /// Tells the instrument (the simulator) that `timer` guards an awaited operation as
  /// its timeout, so that it can explore the timeout expiring with the result.
  void mark_timeout(const Handle& timer) noexcept {
    if (instrument_ != nullptr && timer.node() != nullptr) instrument_->on_timeout_armed(*timer.node());
  }
  void set_instrument(detail::LoopInstrument* instrument) noexcept { instrument_ = instrument; }
  [[nodiscard]] detail::LoopInstrument* instrument() const noexcept { return instrument_; }
  void check_closed() const {
    if (closed_) [[unlikely]]
      throw_closed();
  }
  /// asyncio: _enter_task. Throws RuntimeError while another task's step runs.
  void enter_task(TaskBase& task) {
    if (current_task_ != nullptr) throw_nested_task(task);
    current_task_ = &task;
  }
  /// asyncio: _leave_task.
  void leave_task(TaskBase& task) noexcept {
    if (current_task_ == &task) current_task_ = nullptr;
  }
  void register_task(TaskBase& task) noexcept;
  void unregister_task(TaskBase& task) noexcept;
  /// Holds a done main task whose coroutine frame is kept (TaskBase::keep_frame)
  /// because tasks it left are still pending: the frame is destroyed at shutdown,
  /// after theirs, or once no task is pending at the end of a later run.
  void keep_main_frame(TaskBase& task);
  /// Releases the frames held by keep_main_frame if no task is pending any more.
  void release_main_frames() noexcept;
  [[nodiscard]] std::uint64_t next_task_number() noexcept { return ++task_counter_; }
  /// The clock and poller this loop was built with.
  [[nodiscard]] Clock& clock() const noexcept { return clock_; }
  [[nodiscard]] Poller& poller() const noexcept { return poller_; }
  /// A number no other loop of this process has had (loops may reuse addresses).
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  /// Iterations run so far.
  [[nodiscard]] std::uint64_t iteration() const noexcept { return iteration_; }

 protected:
  /// Destroys pending tasks and drops queued work; derived loops call it first in
  /// their destructor when their clock or poller is about to go.
  void shutdown() noexcept;
  /// A Handle owning a pooled node for an I/O watch or a signal handler: each
  /// readiness adds a queue claim.
  template <class F, class... Args>
  Handle io_handle(F&& fn, Args&&... args) {
    check_closed();
    detail::CallbackNode* node = make_node(std::forward<F>(fn), std::forward<Args>(args)...);
    Handle handle(node);
    node->release();  // the Handle is the only owner
    return handle;
  }

 private:
  void arm_timer(detail::CallbackNode& node, std::int64_t when_ns) noexcept;
  void schedule_slow(detail::Runnable& node) noexcept;
  [[noreturn]] void throw_closed() const;
  void move_due_group() noexcept;
  void post_threadsafe(std::function<void()> fn);
  void drain_threadsafe() noexcept;
  void mark_closed() noexcept;
  [[noreturn]] void throw_nested_task(TaskBase& task) const;
  void check_running() const;
  void drop_scheduled() noexcept;
  /// Cancels the default executor's queued work and joins its threads (close and
  /// teardown: worker threads must not outlive the loop they post to).
  void stop_default_executor() noexcept;

  Clock& clock_;
  Poller& poller_;
  std::uint64_t id_;
  detail::CallbackPool* pool_;
  detail::RunnableQueue ready_;
  detail::TimerHeap timers_;
  // asyncio's `_timer_cancelled_count`: it drives compaction and, as in asyncio, is not
  // decreased when a cancelled timer leaves the heap by coming due.
  std::size_t timer_cancelled_count_ = 0;
  // The exact number of cancelled timers still in the heap, for timer_count().
  std::size_t cancelled_in_heap_ = 0;
  std::uint64_t timers_armed_ = 0;
  std::uint64_t iteration_ = 0;
  std::uint64_t task_counter_ = 0;
  bool stopping_ = false;
  bool running_ = false;
  bool closed_ = false;
  bool shut_down_ = false;
  TaskBase* current_task_ = nullptr;
  TaskBase* tasks_head_ = nullptr;  // pending tasks, creation order
  TaskBase* tasks_tail_ = nullptr;
  std::vector<TaskBase*> kept_main_tasks_;  // each holds one reference
  ExceptionHandler exception_handler_;
  detail::LoopInstrument* instrument_ = nullptr;
  const detail::ClockFrame* clock_frame_ = nullptr;
  std::mutex threadsafe_mutex_;
  std::vector<std::function<void()>> threadsafe_queue_;
  std::vector<std::function<void()>> threadsafe_draining_;  // loop thread only
  std::atomic<bool> threadsafe_pending_{false};
  std::unique_ptr<ThreadPoolExecutor> default_executor_;
  bool executor_shutdown_called_ = false;
};

/// The loop running on this thread. Throws RuntimeError when none is.
/// asyncio: asyncio.get_running_loop.
EventLoop& get_running_loop();
/// The loop running on this thread, or nullptr.
EventLoop* running_loop() noexcept;
/// The loop running on this thread. asim has no per-thread default loop to create, so
/// without a running one it raises what asyncio raises in a thread that has none:
/// RuntimeError("There is no current event loop in thread 'MainThread'.").
/// asyncio: asyncio.get_event_loop (what ensure_future, gather and shield use).
EventLoop& get_event_loop();

}  // namespace asim
