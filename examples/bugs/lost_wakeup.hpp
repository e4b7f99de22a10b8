// SPDX-License-Identifier: MIT
// A notification outbox: callers queue messages and set an Event; one sender task
// wakes on the Event, takes the whole batch and pushes it to a gateway.
//
// The bug: the sender clears the Event after the push, not before taking the batch.
// A message queued while the push is in flight sets the Event, and the late clear()
// erases that wake-up: the message sits in the outbox until some later notify(),
// here forever. In CPython's order on an idle machine the push (2 ms) is over before
// the second message (3 ms later) arrives; a loop that wakes 1 ms late for the first
// message, or stalls before the sender runs, pushes the push past it.
//
// The fix: clear() first, then take the batch, so every set() after the take is seen.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/event.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <string>
#include <vector>

namespace asim::examples::bugs::lost_wakeup {

enum class Variant { buggy, fixed };

/// One network hop to the push gateway, in seconds.
inline constexpr double push_delay = 0.002;

class Outbox {
 public:
  explicit Outbox(Variant variant) : variant_(variant) {}

  /// Queues `message` for the sender.
  void notify(std::string message) {
    pending_.push_back(std::move(message));
    wake_.set();
  }

  /// The sender: forever, waits for messages and pushes them in batches.
  asim::Coro<void> run_sender() {
    for (;;) {
      co_await wake_.wait();
      if (variant_ == Variant::fixed) wake_.clear();
      std::vector<std::string> batch;
      batch.swap(pending_);
      co_await asim::sleep(push_delay);  // the gateway round trip
      for (std::string& message : batch) delivered_.push_back(std::move(message));
      if (variant_ == Variant::buggy) wake_.clear();  // "done with this wake-up"
    }
  }

  [[nodiscard]] const std::vector<std::string>& delivered() const noexcept { return delivered_; }
  [[nodiscard]] const std::vector<std::string>& pending() const noexcept { return pending_; }

 private:
  Variant variant_;
  asim::Event wake_;
  std::vector<std::string> pending_;
  std::vector<std::string> delivered_;
};

/// A caller that notifies once, `delay` seconds from the start.
inline asim::Coro<void> notify_at(Outbox& outbox, double delay, std::string message) {
  co_await asim::sleep(delay);
  outbox.notify(std::move(message));
}

/// Two callers (at 1 ms and 4 ms), then 50 ms for everything to be pushed.
inline asim::Coro<void> scenario(Variant variant) {
  Outbox outbox(variant);
  asim::Task<void> sender = asim::create_task(outbox.run_sender(), "sender");
  asim::Task<void> first = asim::create_task(notify_at(outbox, 0.001, "order shipped"), "billing");
  asim::Task<void> second = asim::create_task(notify_at(outbox, 0.004, "password changed"), "accounts");
  co_await first;
  co_await second;
  co_await asim::sleep(0.05);
  sender.cancel();
  try {
    co_await sender;
  } catch (const asim::CancelledError&) {
  }
  if (outbox.delivered().size() != 2) {
    throw asim::RuntimeError("lost wake-up: " + std::to_string(outbox.pending().size()) +
                             " message(s) still in the outbox 50 ms after the last notify() (first: '" +
                             (outbox.pending().empty() ? std::string() : outbox.pending().front()) +
                             "'); the sender cleared the event after a set() that came during its push");
  }
}

}  // namespace asim::examples::bugs::lost_wakeup
