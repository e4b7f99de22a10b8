// SPDX-License-Identifier: MIT
// A session's inbox with a hand-off fast path, read by a message pump that wakes up
// every 10 ms when idle (wait_for(recv(), 10 ms)).
//
// The bug: deliver() hands a message straight to the waiting receiver's future, so it
// is in no buffer any more. If the pump's timeout expires in the same loop iteration
// as the hand-off, wait_for cancels recv() before it resumes (asyncio 3.11 cancels the
// inner task, which gets CancelledError at its await although its future is done),
// and the message dies with the cancelled future. In CPython's order on an idle
// machine the message (9 ms) is handed over 1 ms before the timeout; a loop that
// wakes late for it, or stalls until the timeout is due, runs both in one iteration.
//
// The fix: a recv() cancelled after its future got a message puts the message back at
// the front of the buffer before re-raising (asyncio.Queue.get does the same).
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <asim/wait_for.hpp>

#include <deque>
#include <string>
#include <vector>

namespace asim::examples::bugs::mailbox_timeout {

enum class Variant { buggy, fixed };

/// How long the pump waits for a message before its idle tick, in seconds.
inline constexpr double idle_timeout = 0.01;

class Mailbox {
 public:
  explicit Mailbox(Variant variant) : variant_(variant) {}

  /// Hands `message` to the waiting receiver, or buffers it.
  void deliver(std::string message) {
    if (waiter_ && !waiter_.done()) {
      waiter_.set_result(std::move(message));
      return;
    }
    buffer_.push_back(std::move(message));
  }

  /// The next message, waiting for one if none is buffered.
  asim::Coro<std::string> recv() {
    if (!buffer_.empty()) {
      std::string message = std::move(buffer_.front());
      buffer_.pop_front();
      co_return message;
    }
    asim::Future<std::string> handoff = asim::get_running_loop().create_future<std::string>();
    waiter_ = handoff;
    try {
      co_return co_await handoff;
    } catch (const asim::CancelledError&) {
      if (variant_ == Variant::fixed && handoff.done() && !handoff.cancelled()) {
        buffer_.push_front(handoff.result());  // handed over, not yet taken: keep it
      }
      throw;
    }
  }

 private:
  Variant variant_;
  asim::Future<std::string> waiter_;
  std::deque<std::string> buffer_;
};

/// The pump: handles messages, ticks when idle, until `expected` messages came.
inline asim::Coro<void> pump(Mailbox& mailbox, std::vector<std::string>& handled, std::size_t expected,
                             int& idle_ticks) {
  while (handled.size() < expected && idle_ticks < 10) {
    try {
      handled.push_back(co_await asim::wait_for(mailbox.recv(), idle_timeout));
    } catch (const asim::TimeoutError&) {
      ++idle_ticks;  // a real pump would send a keep-alive here
    }
  }
}

/// The peer: two messages, at 9 ms and 28 ms.
inline asim::Coro<void> peer(Mailbox& mailbox) {
  co_await asim::sleep(0.009);
  mailbox.deliver("hello");
  co_await asim::sleep(0.019);
  mailbox.deliver("bye");
}

inline asim::Coro<void> scenario(Variant variant) {
  Mailbox mailbox(variant);
  std::vector<std::string> handled;
  int idle_ticks = 0;
  asim::Task<void> sender = asim::create_task(peer(mailbox), "peer");
  co_await asim::create_task(pump(mailbox, handled, 2, idle_ticks), "pump");
  co_await sender;
  if (handled.size() != 2) {
    throw asim::RuntimeError("message lost: the pump handled " + std::to_string(handled.size()) + " of 2 messages in " +
                             std::to_string(idle_ticks) +
                             " idle timeouts; a timeout expired in the iteration that handed a message over");
  }
}

}  // namespace asim::examples::bugs::mailbox_timeout
