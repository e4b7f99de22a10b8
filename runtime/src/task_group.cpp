// SPDX-License-Identifier: MIT
// TaskGroup's enter, exit, abort and child bookkeeping (asyncio: taskgroups.TaskGroup).
#include <asim/task_group.hpp>

#include <algorithm>

namespace asim {

TaskGroup::~TaskGroup() {
  for (Child& child : tasks_) {
    child.task.remove_done_callback(child.callback);
    child.callback.cancel();
  }
}

std::string TaskGroup::repr() const {
  std::string info;
  if (!tasks_.empty()) info += " tasks=" + std::to_string(tasks_.size());
  if (!errors_.empty()) info += " errors=" + std::to_string(errors_.size());
  if (aborting_) {
    info += " cancelling";
  } else if (entered_) {
    info += " entered";
  }
  return "<TaskGroup" + info + ">";
}

// asyncio: TaskGroup.__aenter__
void TaskGroup::enter() {
  if (entered_) throw RuntimeError("TaskGroup " + repr() + " has already been entered");
  if (loop_ == nullptr) loop_ = &get_running_loop();
  parent_task_ = current_task();
  if (!parent_task_) throw RuntimeError("TaskGroup " + repr() + " cannot determine the parent task");
  entered_ = true;
}

// asyncio: TaskGroup.create_task (the checks)
void TaskGroup::check_can_create() const {
  if (!entered_) throw RuntimeError("TaskGroup " + repr() + " has not been entered");
  if (exiting_ && tasks_.empty()) throw RuntimeError("TaskGroup " + repr() + " is finished");
  if (aborting_) throw RuntimeError("TaskGroup " + repr() + " is shutting down");
}

// asyncio: TaskGroup.create_task (after the task exists)
void TaskGroup::track(AnyTask task) {
  TaskGroup* self = this;
  Handle callback = task.base().add_done_callback([self](FutureBase& done) { self->on_task_done(done); });
  tasks_.push_back(Child{std::move(task), std::move(callback)});
}

// asyncio: TaskGroup.__aexit__
Coro<void> TaskGroup::exit(std::exception_ptr error) {
  exiting_ = true;
  const bool body_cancelled = is_cancelled_error(error);
  std::exception_ptr propagate_cancellation_error = body_cancelled ? error : nullptr;
  if (parent_cancel_requested_) {
    // If this flag is set we *must* call uncancel().
    if (parent_task_.uncancel() == 0) {
      // If there are no pending cancellations left, don't propagate CancelledError.
      propagate_cancellation_error = nullptr;
    }
  }
  if (error && !aborting_) {
    // Our parent task is being cancelled, or the body failed: cancel the children.
    abort();
  }

  // We use while-loop here because "self._on_completed_fut" can be cancelled multiple
  // times if our parent task is being cancelled repeatedly (or even once, when our own
  // cancellation is already in progress).
  while (!tasks_.empty()) {
    if (!on_completed_fut_) on_completed_fut_ = loop_->create_future<void>();
    std::exception_ptr cancelled;
    try {
      co_await on_completed_fut_;
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
    }
    if (cancelled && !aborting_) {
      // Our parent task is being cancelled: cancel the children, remember the error.
      propagate_cancellation_error = cancelled;
      abort();
    }
    on_completed_fut_ = Future<void>();
  }

  if (propagate_cancellation_error && errors_.empty()) {
    // The wrapping task was cancelled; since we're done with closing all child
    // tasks, just propagate the cancellation request now.
    std::rethrow_exception(propagate_cancellation_error);
  }
  if (error && !body_cancelled) errors_.push_back(error);
  if (!errors_.empty()) {
    std::vector<std::exception_ptr> errors = std::move(errors_);
    errors_.clear();
    throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors));
  }
}

// asyncio: TaskGroup._abort
void TaskGroup::abort() {
  aborting_ = true;
  // Cancelling may not run anything inline, but copy anyway: callbacks edit tasks_.
  std::vector<AnyTask> children;
  children.reserve(tasks_.size());
  for (const Child& child : tasks_) children.push_back(child.task);
  for (AnyTask& task : children) {
    if (!task.done()) task.cancel();
  }
}

// asyncio: TaskGroup._on_task_done
void TaskGroup::on_task_done(FutureBase& task) {
  auto it = std::find_if(tasks_.begin(), tasks_.end(), [&](const Child& c) { return c.task.get() == &task; });
  AnyTask done_task;
  if (it != tasks_.end()) {
    done_task = it->task;  // keep the task alive past the erase
    tasks_.erase(it);
  }
  if (on_completed_fut_ && tasks_.empty()) {
    if (!on_completed_fut_.done()) on_completed_fut_.set_result();
  }
  if (task.cancelled()) return;
  std::exception_ptr exc = task.exception();
  if (!exc) return;
  errors_.push_back(exc);
  if (parent_task_.done()) {
    // Not sure if this case is possible, but we want to handle it anyways.
    loop_->call_exception_handler(ExceptionContext{
        "Task " + static_cast<TaskBase&>(task).describe() + " has errored out but its parent task " +
            parent_task_.task().describe() + " is already completed",
        exc, &task});
    return;
  }
  if (!aborting_ && !parent_cancel_requested_) {
    // If parent task *is not* being cancelled, it means that we want to manually
    // cancel it to abort whatever is being run right now in the TaskGroup. We also
    // cancel all tasks in the group (only once).
    abort();
    parent_cancel_requested_ = true;
    parent_task_.cancel();
  }
}

}  // namespace asim
