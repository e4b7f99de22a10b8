// SPDX-License-Identifier: MIT
// TaskBase: stepping, waking and cancelling a task (asyncio: tasks.Task).
#include <asim/task.hpp>

#include <charconv>

namespace asim {

TaskBase::TaskBase(EventLoop& loop, std::coroutine_handle<> coro, std::string name, bool named)
    : FutureBase(loop), coro_(coro), resume_point_(coro) {
  // asyncio: self._context = contextvars.copy_context()
  context_ = detail::current_context_data();
  detail::ContextData::add_ref(context_);
  if (name.empty() && !named) {
    // asyncio: f'Task-{_task_name_counter()}', taken now and formatted when asked for.
    number_ = loop.next_task_number();
  } else {
    name_.set(std::move(name));
  }
}

std::string TaskBase::get_name() const {
  if (name_.has_name()) return std::string(name_.view());
  char buffer[32] = "Task-";
  char* end = std::to_chars(buffer + 5, buffer + sizeof buffer, number_).ptr;
  return std::string(buffer, end);
}

void TaskBase::set_name(std::string name) { name_.set(std::move(name)); }

TaskBase::~TaskBase() {
  if (coro_) coro_.destroy();
  release_context();
}

void TaskBase::release_context() noexcept {
  if (detail::ContextObject* shared = shared_context()) {
    shared->release();
  } else {
    detail::ContextData::release(context_);
  }
  context_ = nullptr;
}

void TaskBase::use_context(const Context& context) noexcept {
  release_context();
  detail::ContextObject* shared = context.object();
  shared->add_ref();
  static_assert(alignof(detail::ContextObject) >= 2, "bit 0 of its address tags a shared context");
  context_ = reinterpret_cast<detail::ContextData*>(reinterpret_cast<std::uintptr_t>(shared) | 1);
}

// asyncio: Task.__init__ (call_soon of the first step, then _register_task)
void TaskBase::start() {
  EventLoop& loop = get_loop();
  loop.schedule(step_node());
  loop.register_task(*this);
}

std::string TaskBase::describe() const { return "Task '" + get_name() + "'"; }

std::exception_ptr TaskBase::settable_error(const char* operation) const {
  return std::make_exception_ptr(RuntimeError(std::string("Task does not support ") + operation + "() operation"));
}

// asyncio: Task.cancel
bool TaskBase::cancel(std::string_view msg) {
  if (done()) return false;
  if (cancelling_waiter_) {
    // asyncio recurses here until RecursionError; a C++ stack would overflow.
    throw RuntimeError("Cancel cycle: " + describe() +
                       " awaits a future (a gather) that contains the task itself, so cancelling it "
                       "cancels the task again");
  }
  ++num_cancels_requested_;
  if (detail::LoopInstrument* instrument = get_loop().instrument()) instrument->on_cancel_requested(*this);
  // These two lines are controversial in asyncio too; see its comments on gh-93731.
  if (fut_waiter_ != nullptr) {
    struct Guard {
      bool& flag;
      ~Guard() { flag = false; }
    } guard{cancelling_waiter_};
    cancelling_waiter_ = true;
    if (fut_waiter_->cancel(msg)) {
      // Leave self._fut_waiter; it may be a Task that catches and ignores the
      // cancellation so we may have to cancel it again later.
      return true;
    }
  }
  // It must be the case that self.__step is already scheduled.
  must_cancel_ = true;
  set_cancel_message(msg);
  return true;
}

void TaskBase::schedule_step(std::exception_ptr error) noexcept {
  step_error_ = std::move(error);
  get_loop().schedule(step_node());
}

void TaskBase::raise_step_error() {
  std::exception_ptr error = std::exchange(step_error_, nullptr);
  if (detail::LoopInstrument* instrument = get_loop().instrument()) {
    if (is_cancelled_error(error)) instrument->on_cancel_delivered(*this);
  }
  std::rethrow_exception(error);
}

std::exception_ptr TaskBase::take_thrown_in() noexcept {
  if (!step_error_) return nullptr;
  std::exception_ptr error = std::exchange(step_error_, nullptr);
  if (detail::LoopInstrument* instrument = get_loop().instrument()) {
    if (is_cancelled_error(error)) instrument->on_cancel_delivered(*this);
  }
  return error;
}

// asyncio: Task.__wakeup
void TaskBase::wakeup(FutureBase& future) {
  // The exception future.result() would raise, taken without throwing it: the
  // same object (the stored exception, or the future's CancelledError).
  if (future.state() == State::finished) {
    if (const std::exception_ptr& error = future.stored_exception()) step_error_ = error;
    step();
    return;
  }
  try {
    if (future.cancelled()) {
      step_error_ = future.make_cancelled_error();
    } else {
      future.check_result();
    }
  } catch (...) {
    // This may also be a cancellation.
    step_error_ = std::current_exception();
  }
  step();
}

namespace {
// asyncio: each step and wake-up is scheduled with `context=self._context`, so the
// coroutine always runs in the task's context: its own map, or a shared Context
// (entered like Context.run: RuntimeError if it is entered elsewhere).
//
// The common case costs no write: when no variable is set anywhere (the task's map
// and the thread's own context are both empty), the step runs with the thread's own
// context current, and a `set` during the step switches to the task's slot then
// (detail::current_context_slot finds the running task); the guard's end undoes that.
class TaskContextScope {
 public:
  TaskContextScope(detail::ContextData** own, detail::ContextObject* shared, const TaskBase* task) : shared_(shared) {
    detail::CurrentContext& current = detail::context_state().current;
    if (shared == nullptr && *own == nullptr && current.data == nullptr && current.slot == nullptr) [[likely]] {
      return;
    }
    saved_ = current;
    if (shared != nullptr) {
      if (shared->entered.exchange(true, std::memory_order_acquire)) {
        throw RuntimeError("cannot enter context: <Context> is already entered");
      }
      current = detail::CurrentContext{shared->data, &shared->data, shared->identity()};
    } else {
      current = detail::CurrentContext{*own, own, reinterpret_cast<std::uintptr_t>(task)};
    }
    entered_ = true;
  }
  TaskContextScope(const TaskContextScope&) = delete;
  TaskContextScope& operator=(const TaskContextScope&) = delete;
  ~TaskContextScope() {
    detail::CurrentContext& current = detail::context_state().current;
    if (!entered_) [[likely]] {
      // The step set a variable: back to the thread's own (empty) context.
      if (current.slot != nullptr) [[unlikely]] {
        current = detail::CurrentContext{};
      }
      return;
    }
    current = saved_;
    if (shared_ != nullptr) shared_->entered.store(false, std::memory_order_release);
  }

 private:
  detail::ContextObject* shared_;
  detail::CurrentContext saved_;
  bool entered_ = false;
};
}  // namespace

// asyncio: Task.__step
void TaskBase::step() {
  TaskContextScope context_scope(&context_, shared_context(), this);
  detail::Ref<FutureBase> keep_alive(this);
  EventLoop& loop = get_loop();
  if (done()) throw InvalidStateError("_step(): already done: " + describe());
  std::exception_ptr error = std::exchange(step_error_, nullptr);
  if (must_cancel_) {
    if (!is_cancelled_error(error)) error = std::make_exception_ptr(CancelledError(cancel_message()));
    must_cancel_ = false;
  }
  fut_waiter_ = nullptr;
  loop.enter_task(*this);
  detail::LoopInstrument* instrument = loop.instrument();
  if (instrument != nullptr) instrument->on_task_step_start(*this);

  yield_kind_ = YieldKind::none;
  bool returned = false;
  std::exception_ptr raised;
  if (!started_ && error) {
    // Throwing into a coroutine that never started raises at once, running nothing.
    if (instrument != nullptr && is_cancelled_error(error)) instrument->on_cancel_delivered(*this);
    raised = error;
  } else {
    started_ = true;
    step_error_ = std::move(error);  // thrown in by the awaiter's raise_thrown_in
    resume_point_.resume();
    step_error_ = nullptr;
    if (coro_.done()) {
      try {
        raised = take_coro_result();
        returned = !raised;
      } catch (...) {
        raised = std::current_exception();
      }
    }
  }

  if (returned || raised) {
    // A main task's frame outlives the cleanup of the tasks it left (release_frame).
    if (!keep_frame_) std::exchange(coro_, {}).destroy();
    if (returned) {
      if (must_cancel_) {
        // Task is cancelled right before coro stops.
        must_cancel_ = false;
        cancel_future(cancel_message());
      } else {
        finish();
      }
    } else if (is_cancelled_error(raised)) {
      set_cancelled_exception(raised);
      cancel_future({});
    } else {
      finish_with_exception(std::move(raised));
    }
    loop.unregister_task(*this);
  } else if (yield_kind_ == YieldKind::future) {
    // suspend_on recorded what was yielded in fut_waiter_; it is waited on only if valid.
    FutureBase* result = std::exchange(fut_waiter_, nullptr);
    if (&result->get_loop() != &loop) {
      result->set_blocking(true);  // C asyncio leaves the flag set on this path
      schedule_step(std::make_exception_ptr(
          RuntimeError("Task " + describe() + " got Future " + result->describe() + " attached to a different loop")));
    } else if (result == this) {
      // C asyncio leaves the task's blocking flag set: awaiting it again while it is
      // pending raises "await wasn't used with future" (the pure-Python Task differs).
      set_blocking(true);
      schedule_step(std::make_exception_ptr(RuntimeError("Task cannot await on itself: " + describe())));
    } else {
      result->add_done_node(wakeup_node());
      fut_waiter_ = result;
      suspended_since_ns_ = loop.time_ns();
      if (must_cancel_) {
        try {
          if (fut_waiter_->cancel(cancel_message())) must_cancel_ = false;
        } catch (...) {
          // A cancel cycle (the task cancelled itself, then awaited a gather that
          // contains it): raise the error at the await instead of leaving the step.
          result->remove_done_node(wakeup_node());
          fut_waiter_ = nullptr;
          must_cancel_ = false;
          schedule_step(std::current_exception());
        }
      }
    }
  } else if (yield_kind_ == YieldKind::bare) {
    // Bare yield relinquishes control for one event loop iteration.
    schedule_step(nullptr);
  } else {
    // The coroutine suspended on an awaitable that is not asim's: nothing will ever
    // resume it at the right place, so end the task with the error asyncio gives for
    // a bad yield.
    std::exchange(coro_, {}).destroy();
    finish_with_exception(std::make_exception_ptr(
        RuntimeError("Task got bad yield: the coroutine suspended on an awaitable that is not asim's")));
    loop.unregister_task(*this);
  }
  if (instrument != nullptr) instrument->on_task_step_end(*this);
  loop.leave_task(*this);
}

void TaskBase::destroy_pending() noexcept {
  detail::Ref<FutureBase> keep_alive(this);
  if (fut_waiter_ != nullptr) {
    fut_waiter_->remove_done_node(wakeup_node());
    fut_waiter_ = nullptr;
  }
  if (coro_) std::exchange(coro_, {}).destroy();
  drop_callbacks();
  set_state(State::cancelled);
  get_loop().unregister_task(*this);
}

bool TaskBase::vanish(std::string_view msg) noexcept {
  if (done()) return false;
  detail::Ref<FutureBase> keep_alive(this);
  EventLoop& loop = get_loop();
  if (fut_waiter_ != nullptr) {
    // Waiting: the wake-up is in the future's callbacks, or queued if it is done.
    if (!fut_waiter_->remove_done_node(wakeup_node())) (void)loop.unschedule(wakeup_node());
    fut_waiter_ = nullptr;
  }
  (void)loop.unschedule(step_node());  // a first step, a bare yield or a cancellation
  must_cancel_ = false;
  step_error_ = nullptr;
  // The frame goes first: its destructors may still look at the task (a TaskGroup
  // unhooks its children), which is pending until the frame is gone.
  if (coro_) std::exchange(coro_, {}).destroy();
  cancel_future(msg);
  loop.unregister_task(*this);
  return true;
}

void TaskBase::release_frame() noexcept {
  keep_frame_ = false;
  if (done() && coro_) std::exchange(coro_, {}).destroy();
}

void detail::TaskStepNode::run() { static_cast<TaskBase&>(*this).step(); }

void detail::TaskWakeupNode::run() {
  auto& task = static_cast<TaskBase&>(*this);
  task.wakeup(*task.fut_waiter_);
}

std::string detail::inner_task_name(EventLoop& loop, const char* what) {
  TaskBase* caller = loop.current_task();
  if (caller == nullptr) return {};
  (void)loop.next_task_number();
  return caller->get_name() + "." + what;
}

// asyncio: tasks.current_task (its get_running_loop raises without a loop)
AnyTask current_task() {
  EventLoop& loop = get_running_loop();
  if (loop.current_task() == nullptr) return {};
  return AnyTask(loop.current_task());
}

std::vector<AnyTask> all_tasks() { return get_running_loop().all_tasks(); }

}  // namespace asim
