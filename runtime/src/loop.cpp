// SPDX-License-Identifier: MIT
// The loop core: run_once, run_forever, close and teardown (asyncio: base_events).
#include <asim/loop.hpp>
#include <asim/task.hpp>
#include <asim/thread_pool.hpp>

#include <cstdio>
#include <string>

namespace asim {

namespace {

thread_local EventLoop* this_thread_loop = nullptr;

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

EventLoop::EventLoop(Clock& clock, Poller& poller)
    : clock_(clock), poller_(poller), pool_(new detail::CallbackPool(this)) {}

EventLoop::~EventLoop() {
  shutdown();
  pool_->orphan();
}

void EventLoop::shutdown() noexcept {
  if (shut_down_) return;
  stop_default_executor();
  shut_down_ = true;
  closed_ = true;
  drop_scheduled();
  // Destroy what pending tasks still hold; frames may release futures and handles,
  // which only drops work now that the loop is shut down.
  while (tasks_head_ != nullptr) {
    TaskBase* task = tasks_head_;
    ExceptionContext context{"Task was destroyed but it is pending!", nullptr, task};
    call_exception_handler(context);
    task->destroy_pending();  // unregisters the task and drops the loop's reference
  }
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

void EventLoop::check_closed() const {
  if (closed_) throw RuntimeError("Event loop is closed");
}

void EventLoop::check_running() const {
  if (running_) throw RuntimeError("This event loop is already running");
  if (this_thread_loop != nullptr) {
    throw RuntimeError("Cannot run the event loop while another loop is running");
  }
}

void EventLoop::schedule(detail::Runnable& node) noexcept {
  // A closed loop never runs its ready queue again: drop the claim now rather than
  // hold the node (and what its callable keeps alive) until the loop is destroyed.
  if (closed_) {
    node.drop();
    return;
  }
  ready_.push_back(&node);
}

void EventLoop::arm_timer(detail::CallbackNode& node, std::int64_t when_ns) noexcept {
  node.is_timer_ = true;
  node.when_ = when_ns;
  node.in_heap_ = true;
  const std::uint64_t order = timers_armed_++;
  node.tie_ = instrument_ != nullptr ? instrument_->timer_tie_key(when_ns, order) : order;
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
    threadsafe_pending_ = true;
  }
  poller_.wake();
}

void EventLoop::drain_threadsafe() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(threadsafe_mutex_);
    batch.swap(threadsafe_queue_);
    threadsafe_pending_ = false;
  }
  for (auto& fn : batch) call_soon(std::move(fn));
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
    if (node->is_cancelled()) {
      node->drop();
      continue;
    }
    if (instrument_ != nullptr) instrument_->before_callback(*node);
    try {
      node->run();
    } catch (...) {
      call_exception_handler({"Exception in callback", std::current_exception(), nullptr});
    }
    callback_contexts.after_callback();
    if (instrument_ != nullptr) instrument_->after_callback(*node);
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
  closed_ = true;
  drop_scheduled();
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
  if (!future.done()) throw RuntimeError("Event loop stopped before Future completed.");
}

}  // namespace detail

}  // namespace asim
