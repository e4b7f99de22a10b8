// SPDX-License-Identifier: MIT
// The loop core: run_once, run_forever, close and teardown (asyncio: base_events).
#include <asim/loop.hpp>
#include <asim/task.hpp>
#include <asim/thread_pool.hpp>

#include <cstdio>
#include <string>

#if defined(__linux__)
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace asim {

namespace {

thread_local EventLoop* this_thread_loop = nullptr;
std::atomic<std::uint64_t> next_loop_id{0};

// asyncio: _MIN_SCHEDULED_TIMER_HANDLES and _MIN_CANCELLED_TIMER_HANDLES_FRACTION.
constexpr std::size_t min_scheduled_timer_handles = 100;

// asyncio: time.get_clock_info('monotonic').resolution on Linux.
constexpr std::int64_t clock_resolution_ns = 1;

}  // namespace

EventLoop* running_loop() noexcept { return this_thread_loop; }

EventLoop& get_running_loop() {
  if (this_thread_loop == nullptr) throw RuntimeError("no running event loop");
  return *this_thread_loop;
}

// asyncio: BaseDefaultEventLoopPolicy.get_event_loop, in a thread without a loop.
EventLoop& get_event_loop() {
  if (this_thread_loop != nullptr) return *this_thread_loop;
  std::string thread = "MainThread";
#if defined(__linux__)
  if (static_cast<pid_t>(::syscall(SYS_gettid)) != ::getpid()) {
    char name[32] = {};
    if (::pthread_getname_np(::pthread_self(), name, sizeof name) != 0 || name[0] == '\0') {
      thread = "Thread-" + std::to_string(static_cast<long>(::syscall(SYS_gettid)));
    } else {
      thread = name;
    }
  }
#endif
  throw RuntimeError("There is no current event loop in thread '" + thread + "'.");
}

EventLoop::EventLoop(Clock& clock, Poller& poller)
    : clock_(clock), poller_(poller), id_(next_loop_id.fetch_add(1) + 1), pool_(new detail::CallbackPool(this)) {}

EventLoop::~EventLoop() {
  shutdown();
  pool_->orphan();
}

void EventLoop::shutdown() noexcept {
  if (shut_down_) return;
  stop_default_executor();
  shut_down_ = true;
  mark_closed();
  drop_scheduled();
  // Destroy what pending tasks still hold; frames may release futures and handles,
  // which only drops work now that the loop is shut down. Reported in creation
  // order, destroyed newest first: a task's destructors may still use the locals of
  // the task that created it (the main coroutine's, typically), as they could while
  // it ran.
  for (TaskBase* task = tasks_head_; task != nullptr; task = task->next_task_) {
    ExceptionContext context{"Task was destroyed but it is pending!", nullptr, task};
    call_exception_handler(context);
  }
  while (tasks_tail_ != nullptr) tasks_tail_->destroy_pending();  // unregisters the task
  release_main_frames();
  drop_scheduled();
  std::lock_guard<std::mutex> lock(threadsafe_mutex_);
  threadsafe_queue_.clear();
}

void EventLoop::drop_scheduled() noexcept {
  while (detail::Runnable* node = ready_.pop_front()) node->drop();
  while (!timers_.empty()) {
    detail::CallbackNode* node = timers_.pop().node;
    node->in_heap_ = false;
    node->release();
  }
  timer_cancelled_count_ = 0;
  cancelled_in_heap_ = 0;
}

void EventLoop::throw_closed() const { throw RuntimeError("Event loop is closed"); }

void EventLoop::check_running() const {
  if (running_) throw RuntimeError("This event loop is already running");
  if (this_thread_loop != nullptr) {
    throw RuntimeError("Cannot run the event loop while another loop is running");
  }
}

void EventLoop::schedule_slow(detail::Runnable& node) noexcept {
  // A closed loop never runs its ready queue again: drop the claim now rather than
  // hold the node (and what its callable keeps alive) until the loop is destroyed.
  if (closed_) {
    node.drop();
    return;
  }
  if (threadsafe_pending_.load(std::memory_order_acquire)) [[unlikely]]
    drain_threadsafe();
  ready_.push_back(&node);
}

void EventLoop::arm_timer(detail::CallbackNode& node, std::int64_t when_ns) noexcept {
  node.is_timer_ = true;
  node.when_ = when_ns;
  node.in_heap_ = true;
  node.tie_ = timers_armed_++;
  // The heap takes over the node's first reference. push can only fail when memory
  // runs out, which a noexcept path turns into termination, like asyncio's
  // MemoryError escaping call_at.
  timers_.push({when_ns, &node});
  if (instrument_ != nullptr) instrument_->on_timer_armed(node);
}

void EventLoop::timer_handle_cancelled(detail::CallbackNode& timer) noexcept {
  ++timer_cancelled_count_;
  ++cancelled_in_heap_;
  if (instrument_ != nullptr) instrument_->on_timer_cancelled(timer);
}

void EventLoop::post_threadsafe(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(threadsafe_mutex_);
    if (closed_) throw RuntimeError("Event loop is closed");
    threadsafe_queue_.push_back(std::move(fn));
    threadsafe_pending_.store(true, std::memory_order_release);
  }
  poller_.wake();
}

// asyncio appends a call_soon_threadsafe callback to `_ready` at once. Another thread
// may not touch the ready queue, so its callbacks wait in threadsafe_queue_, and the
// loop thread moves them over before it appends anything itself (schedule) and
// before it runs a batch: whatever was posted before a call_soon runs before it.
// The two buffers are swapped, never reallocated, so a warm loop allocates nothing.
void EventLoop::drain_threadsafe() noexcept {
  {
    std::lock_guard<std::mutex> lock(threadsafe_mutex_);
    threadsafe_draining_.swap(threadsafe_queue_);
    threadsafe_pending_.store(false, std::memory_order_relaxed);
  }
  for (auto& fn : threadsafe_draining_) {
    if (closed_) break;
    detail::CallbackNode* node = make_node(std::move(fn));
    ready_.push_back(node);  // the queue takes the node's first reference
  }
  threadsafe_draining_.clear();
}

// asyncio: BaseEventLoop._run_once
void EventLoop::run_once() {
  // Tasks stepped by a bare run_once (tests, step-by-step drivers) find their loop
  // through running_loop(), as under run_forever.
  struct ThisThreadLoop {
    EventLoop* previous;
    explicit ThisThreadLoop(EventLoop* loop) noexcept : previous(std::exchange(this_thread_loop, loop)) {}
    ~ThisThreadLoop() { this_thread_loop = previous; }
  } this_thread_guard{this};
  // Callbacks scheduled with no context variable set each run in an empty context
  // (asyncio: each Handle runs in its own copy of the context it was made in).
  detail::CallbackContexts callback_contexts;
  ++iteration_;
  const std::size_t sched_count = timers_.size();
  if (sched_count > min_scheduled_timer_handles && timer_cancelled_count_ * 2 > sched_count) {
    // Remove delayed calls that were cancelled if their number is too high.
    timers_.compact([](const detail::TimerHeap::Entry& entry) {
      if (!entry.node->cancelled_) return false;
      entry.node->in_heap_ = false;
      entry.node->release();
      return true;
    });
    timer_cancelled_count_ = 0;
    cancelled_in_heap_ = 0;
  } else {
    // Remove delayed calls that were cancelled from the head of the queue.
    while (!timers_.empty() && timers_.top().node->cancelled_) {
      --timer_cancelled_count_;
      --cancelled_in_heap_;
      detail::CallbackNode* node = timers_.pop().node;
      node->in_heap_ = false;
      node->release();
    }
  }

  const bool threadsafe_waiting = threadsafe_pending_.load(std::memory_order_acquire);
  std::int64_t timeout = Poller::forever;
  if (!ready_.empty() || stopping_ || threadsafe_waiting) {
    timeout = 0;
  } else if (!timers_.empty()) {
    const std::int64_t wait = timers_.top().when - clock_.now();
    timeout = wait > 0 ? wait : 0;
  }
  poller_.poll(*this, timeout);
  if (threadsafe_pending_.load(std::memory_order_acquire)) drain_threadsafe();

  // Handle 'later' callbacks that are ready. (asyncio reads the clock even with no
  // timers; the value would go unused, and a real clock read costs a system call's
  // worth of time on some machines.)
  if (!timers_.empty()) {
    const std::int64_t end_time = detail::add_saturating(clock_.now(), clock_resolution_ns);
    while (!timers_.empty() && timers_.top().when < end_time) {
      if (instrument_ != nullptr) {
        move_due_group();
        continue;
      }
      detail::CallbackNode* node = timers_.pop().node;
      node->in_heap_ = false;
      if (node->cancelled_) --cancelled_in_heap_;  // asyncio's counter keeps it (see loop.hpp)
      if (instrument_ != nullptr && !node->cancelled_) instrument_->on_timer_fired(*node);
      ready_.push_back(node);  // the heap's reference moves to the ready queue
    }
  }

  // Run exactly the callbacks that are ready now; what they schedule waits for the
  // next iteration.
  for (std::size_t ntodo = ready_.size(); ntodo > 0; --ntodo) {
    detail::Runnable* node = ready_.pop_front();
    // Without an instrument a cancelled node is simply run: its run() gives the
    // queue's claim back and nothing else, as drop() does (runnable.hpp), and asking
    // first is a virtual call per callback. The instrument must not see it.
    if (instrument_ != nullptr) [[unlikely]] {
      if (node->is_cancelled()) {
        node->drop();
        continue;
      }
      instrument_->before_callback(*node);
    }
    try {
      node->run();
    } catch (...) {
      call_exception_handler({"Exception in callback", std::current_exception(), nullptr});
    }
    callback_contexts.after_callback();
    if (instrument_ != nullptr) instrument_->after_callback(*node);
  }
}

// The timers due at the deadline at the top of the heap, moved to the ready queue in
// the order the instrument picks (asyncio leaves the order of equal deadlines to heapq's
// tie-break, which is not part of its contract).
void EventLoop::move_due_group() noexcept {
  constexpr std::size_t max_group = 32;  // a larger group is ordered 32 at a time
  detail::CallbackNode* group[max_group];
  std::size_t count = 0;
  const std::int64_t when = timers_.top().when;
  while (count < max_group && !timers_.empty() && timers_.top().when == when) {
    detail::CallbackNode* node = timers_.pop().node;
    node->in_heap_ = false;
    if (node->cancelled_) {
      --cancelled_in_heap_;
      ready_.push_back(node);  // dropped unrun when its turn comes
      continue;
    }
    group[count++] = node;
  }
  if (count > 1) instrument_->order_due_timers(group, count);
  for (std::size_t i = 0; i < count; ++i) {
    instrument_->on_timer_fired(*group[i]);
    ready_.push_back(group[i]);
  }
}

// asyncio: BaseEventLoop.run_forever
void EventLoop::run_forever() {
  check_closed();
  check_running();
  running_ = true;
  this_thread_loop = this;
  struct Reset {
    EventLoop* loop;
    ~Reset() {
      loop->stopping_ = false;
      loop->running_ = false;
      this_thread_loop = nullptr;
      if (loop->instrument_ != nullptr) loop->instrument_->on_run_end();
    }
  } reset{this};
  while (true) {
    run_once();
    if (stopping_) break;
  }
}

// asyncio: BaseEventLoop.close
void EventLoop::close() {
  if (running_) throw RuntimeError("Cannot close a running event loop");
  if (closed_) return;
  stop_default_executor();
  mark_closed();
  drop_scheduled();
}

// Another thread may be in post_threadsafe, which reads closed_ under the same lock:
// once this returns, every later post raises and no posted callback is lost silently.
void EventLoop::mark_closed() noexcept {
  std::lock_guard<std::mutex> lock(threadsafe_mutex_);
  closed_ = true;
}

void EventLoop::call_exception_handler(const ExceptionContext& context) noexcept {
  if (!exception_handler_) {
    default_exception_handler(context);
    return;
  }
  try {
    exception_handler_(*this, context);
  } catch (...) {
    // asyncio: an exception in the handler is reported by the default handler.
    default_exception_handler({"Unhandled error in exception handler", std::current_exception(), context.future});
    default_exception_handler(context);
  }
}

void EventLoop::default_exception_handler(const ExceptionContext& context) noexcept {
  try {
    std::string line = context.message.empty() ? std::string("Unhandled exception in event loop") : context.message;
    if (context.future != nullptr) line += "\nfuture: " + context.future->describe();
    if (context.exception) line += "\nexception: " + describe_exception(context.exception);
    std::fprintf(stderr, "%s\n", line.c_str());
  } catch (...) {
    std::fprintf(stderr, "%s\n", "asim: error while reporting an error");
  }
}

std::vector<AnyTask> EventLoop::all_tasks() const {
  std::vector<AnyTask> tasks;
  for (TaskBase* task = tasks_head_; task != nullptr; task = task->next_task_) tasks.emplace_back(task);
  return tasks;
}

void EventLoop::throw_nested_task(TaskBase& task) const {
  throw RuntimeError("Cannot enter into task " + task.describe() + " while another task " +
                     current_task_->describe() + " is being executed.");
}

void EventLoop::register_task(TaskBase& task) noexcept {
  task.add_ref();
  task.prev_task_ = tasks_tail_;
  task.next_task_ = nullptr;
  if (tasks_tail_ != nullptr) {
    tasks_tail_->next_task_ = &task;
  } else {
    tasks_head_ = &task;
  }
  tasks_tail_ = &task;
  if (instrument_ != nullptr) instrument_->on_task_created(task);
}

void EventLoop::keep_main_frame(TaskBase& task) {
  kept_main_tasks_.reserve(kept_main_tasks_.size() + 1);
  task.add_ref();
  kept_main_tasks_.push_back(&task);
}

void EventLoop::release_main_frames() noexcept {
  if (tasks_head_ != nullptr) return;
  // Newest first, as at teardown.
  while (!kept_main_tasks_.empty()) {
    TaskBase* task = kept_main_tasks_.back();
    kept_main_tasks_.pop_back();
    task->release_frame();
    task->release();
  }
}

void EventLoop::unregister_task(TaskBase& task) noexcept {
  if (task.prev_task_ != nullptr) {
    task.prev_task_->next_task_ = task.next_task_;
  } else if (tasks_head_ == &task) {
    tasks_head_ = task.next_task_;
  }
  if (task.next_task_ != nullptr) {
    task.next_task_->prev_task_ = task.prev_task_;
  } else if (tasks_tail_ == &task) {
    tasks_tail_ = task.prev_task_;
  }
  task.prev_task_ = task.next_task_ = nullptr;
  task.release();
}

namespace detail {

// asyncio: BaseEventLoop.run_until_complete
void run_until_done(EventLoop& loop, FutureBase& future) {
  if (!run_until_done_or_stopped(loop, future)) throw RuntimeError("Event loop stopped before Future completed.");
}

bool run_until_done_or_stopped(EventLoop& loop, FutureBase& future) {
  loop.check_closed();
  if (loop.is_running()) throw RuntimeError("This event loop is already running");
  if (&future.get_loop() != &loop) throw ValueError("The future belongs to a different loop than the one specified");
  // asyncio: _run_until_complete_cb, a done-callback that stops the loop.
  Handle stopper = future.add_done_callback([](FutureBase& done) { done.get_loop().stop(); });
  struct Remove {
    FutureBase& future;
    Handle& stopper;
    ~Remove() { future.remove_done_callback(stopper); }
  } remove{future, stopper};
  loop.run_forever();
  return future.done();
}

void raise_cancelled(FutureBase& future) {
  // Say which task was cancelled: a CancelledError escaping a test body names it.
  std::exception_ptr error = future.make_cancelled_error();
  try {
    std::rethrow_exception(error);
  } catch (CancelledError& cancelled) {
    if (cancelled.task().empty()) cancelled.set_task(future.describe());
    throw;
  }
}

}  // namespace detail

}  // namespace asim
