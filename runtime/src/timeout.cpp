// SPDX-License-Identifier: MIT
// Timeout's enter, exit and reschedule (asyncio: timeouts.Timeout).
#include <asim/timeout.hpp>

#include <cmath>
#include <cstdio>

namespace asim {

namespace {
const char* state_value(Timeout::State state) {
  switch (state) {
    case Timeout::State::created:
      return "created";
    case Timeout::State::entered:
      return "active";
    case Timeout::State::expiring:
      return "expiring";
    case Timeout::State::expired:
      return "expired";
    case Timeout::State::exited:
      return "finished";
  }
  return "?";
}
}  // namespace

Timeout::Timeout(Timeout&& other) : when_(other.when_) {
  if (other.state_ != State::created) throw RuntimeError("cannot move a Timeout that has been entered");
}

// asyncio: Timeout.reschedule
void Timeout::reschedule(std::optional<double> when) {
  if (state_ != State::entered) {
    if (state_ == State::created) throw RuntimeError("Timeout has not been entered");
    throw RuntimeError(std::string("Cannot change state of ") + state_value(state_) + " Timeout");
  }
  when_ = when;
  handler_.cancel();
  if (!when) {
    handler_ = Handle();
  } else {
    EventLoop& loop = get_running_loop();
    Timeout* self = this;
    if (*when <= loop.time()) {
      handler_ = loop.call_soon([self] { self->on_timeout(); });
    } else {
      handler_ = loop.call_at(*when, [self] { self->on_timeout(); });
      loop.mark_timeout(handler_);
    }
  }
}

std::string Timeout::repr() const {
  std::string info;
  if (state_ == State::entered) {
    info = " when=";
    if (when_) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.3f", std::round(*when_ * 1000.0) / 1000.0);
      info += buffer;
    } else {
      info += "None";
    }
  }
  return std::string("<Timeout [") + state_value(state_) + "]" + info + ">";
}

// asyncio: Timeout.__aenter__
void Timeout::enter() {
  if (state_ != State::created) throw RuntimeError("Timeout has already been entered");
  AnyTask task = current_task();
  if (!task) throw RuntimeError("Timeout should be used inside a task");
  state_ = State::entered;
  task_ = task;
  cancelling_ = task_.cancelling();
  reschedule(when_);
}

// asyncio: Timeout.__aexit__
void Timeout::exit(const std::exception_ptr& error) {
  if (std::exception_ptr timed_out = exit_error(error)) std::rethrow_exception(timed_out);
}

std::exception_ptr Timeout::exit_error(const std::exception_ptr& error) {
  if (state_ != State::entered && state_ != State::expiring) {
    throw RuntimeError(std::string("Cannot exit a ") + state_value(state_) + " Timeout");
  }
  handler_.cancel();
  handler_ = Handle();
  if (state_ == State::expiring) {
    state_ = State::expired;
    if (task_.uncancel() <= cancelling_ && is_cancelled_error(error)) {
      // Since there are no new cancel requests, we're handling this.
      return std::make_exception_ptr(TimeoutError());
    }
  } else if (state_ == State::entered) {
    state_ = State::exited;
  }
  return nullptr;
}

// asyncio: Timeout._on_timeout
void Timeout::on_timeout() {
  task_.cancel();
  state_ = State::expiring;
  // drop the reference early
  handler_ = Handle();
}

Timeout timeout(std::optional<double> delay) {
  EventLoop& loop = get_running_loop();
  return Timeout(delay ? std::optional<double>(loop.time() + *delay) : std::nullopt);
}

Timeout timeout_at(std::optional<double> when) { return Timeout(when); }

}  // namespace asim
