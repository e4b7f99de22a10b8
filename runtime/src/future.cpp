// SPDX-License-Identifier: MIT
// FutureBase: states, exceptions and done-callbacks (asyncio: futures.Future).
#include <asim/future.hpp>
#include <asim/task.hpp>

namespace asim {

namespace {
const char* state_name(FutureBase::State state) {
  switch (state) {
    case FutureBase::State::pending:
      return "PENDING";
    case FutureBase::State::cancelled:
      return "CANCELLED";
    case FutureBase::State::finished:
      return "FINISHED";
  }
  return "?";
}
}  // namespace

FutureBase::~FutureBase() { drop_callbacks(); }

void FutureBase::drop_callbacks() noexcept {
  while (detail::Runnable* node = callbacks_.pop_front()) node->drop();
}

// asyncio: Future.cancel
bool FutureBase::cancel(std::string_view msg) {
  return cancel_future(msg);
}

bool FutureBase::cancel_future(std::string_view msg) noexcept {
  if (state_ != State::pending) return false;
  state_ = State::cancelled;
  try {
    set_cancel_message(msg);  // may alias itself (a task's own message): assign copes
  } catch (...) {
    if (extras_) extras_->cancel_message.clear();
  }
  schedule_callbacks();
  return true;
}

const std::string& FutureBase::cancel_message() const noexcept {
  static const std::string empty;
  return extras_ ? extras_->cancel_message : empty;
}

void FutureBase::set_cancel_message(std::string_view msg) {
  if (extras_) {
    extras_->cancel_message.assign(msg);
  } else if (!msg.empty()) {
    extras().cancel_message.assign(msg);
  }
}

FutureBase::Extras& FutureBase::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

void FutureBase::set_name(std::string name) { extras().name = std::move(name); }

const std::string& FutureBase::name() const noexcept {
  static const std::string empty;
  return extras_ ? extras_->name : empty;
}

std::exception_ptr FutureBase::make_cancelled_error() const {
  if (state_ == State::cancelled && exception_) return std::exchange(exception_, nullptr);
  return std::make_exception_ptr(CancelledError(cancel_message()));
}

// asyncio: Future.exception
std::exception_ptr FutureBase::exception() const {
  if (state_ == State::cancelled) std::rethrow_exception(make_cancelled_error());
  if (state_ != State::finished) throw InvalidStateError("Exception is not set.");
  return exception_;
}

void FutureBase::check_result() const {
  if (state_ == State::cancelled) std::rethrow_exception(make_cancelled_error());
  if (state_ != State::finished) throw InvalidStateError("Result is not ready.");
  if (exception_) std::rethrow_exception(exception_);
}

void FutureBase::check_settable(const char* operation) const {
  if (std::exception_ptr error = settable_error(operation)) [[unlikely]]
    std::rethrow_exception(error);
}

std::exception_ptr FutureBase::settable_error(const char* operation) const {
  if (state_ != State::pending) {
    return std::make_exception_ptr(
        InvalidStateError(std::string(operation) + "() on a done future: " + state_name(state_)));
  }
  return nullptr;
}

// asyncio: Future.set_exception
void FutureBase::set_exception(std::exception_ptr error) {
  check_settable("set_exception");
  if (!error) throw std::invalid_argument("set_exception() needs an exception");
  const bool had_callbacks = !callbacks_.empty();
  finish_with_exception(std::move(error));
  raise_if_closed_loop_dropped(had_callbacks);
}

void FutureBase::raise_if_closed_loop_dropped(bool had_callbacks) const {
  if (had_callbacks && loop_->is_closed() && !loop_->is_shut_down()) throw RuntimeError("Event loop is closed");
}

void FutureBase::finish() noexcept {
  state_ = State::finished;
  schedule_callbacks();
}

void FutureBase::finish_with_exception(std::exception_ptr error) noexcept {
  exception_ = std::move(error);
  finish();
}

// asyncio: Future.__schedule_callbacks
void FutureBase::schedule_callbacks() noexcept {
  if (completions_ != UINT8_MAX) ++completions_;
  if (detail::LoopInstrument* instrument = loop_->instrument()) instrument->on_future_done(*this);
  while (detail::Runnable* node = callbacks_.pop_front()) {
    node->bind_future(this);
    loop_->schedule(*node);
  }
}

void FutureBase::add_done_node(detail::Runnable& node) noexcept {
  if (done()) {
    node.bind_future(this);
    loop_->schedule(node);
  } else {
    callbacks_.push_back(&node);
  }
}

bool FutureBase::remove_done_node(detail::Runnable& node) noexcept {
  if (!callbacks_.remove(&node)) return false;
  node.drop();
  return true;
}

// asyncio: Future.remove_done_callback
std::size_t FutureBase::remove_done_callback(const Handle& handle) noexcept {
  if (!handle) return 0;
  detail::CallbackNode* node = handle.node();
  return remove_done_node(*node) ? 1 : 0;
}

std::string FutureBase::describe() const { return name().empty() ? "Future" : "Future '" + name() + "'"; }

void FutureAccess::check_settable(const FutureBase& base, const char* operation) {
  base.check_settable(operation);
}

void FutureAccess::finish(FutureBase& base) {
  const bool had_callbacks = !base.callbacks_.empty();
  base.finish();
  base.raise_if_closed_loop_dropped(had_callbacks);
}

namespace detail {

void suspend_task_on(FutureBase& future, std::coroutine_handle<> caller) noexcept {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  if (task == nullptr) std::terminate();  // an asim awaitable resumed outside a task
  task->suspend_on(future, caller);
}

void suspend_task_bare(std::coroutine_handle<> caller) noexcept {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  if (task == nullptr) std::terminate();
  task->suspend_bare(caller);
}

bool refuse_blocking_await() noexcept {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  if (task == nullptr) std::terminate();  // an asim awaitable resumed outside a task
  task->throw_in(std::make_exception_ptr(RuntimeError("await wasn't used with future")));
  return true;
}

void raise_thrown_in() {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  if (task != nullptr) task->raise_thrown_in();
}

std::exception_ptr take_thrown_in() noexcept {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  return task != nullptr ? task->take_thrown_in() : nullptr;
}

}  // namespace detail

}  // namespace asim
