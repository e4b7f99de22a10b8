// SPDX-License-Identifier: MIT
// The example bugs as one list: what `asim demo --list` prints and `asim demo NAME`
// runs. Each entry's scenario throws (asim::RuntimeError) when its bug shows.
#pragma once

#include "connection_pool.hpp"
#include "lease_fencing.hpp"
#include "lock_leak.hpp"
#include "lost_wakeup.hpp"
#include "mailbox_timeout.hpp"
#include "oversell.hpp"
#include "retry_double_charge.hpp"
#include "session_keepalive.hpp"
#include "worker_scale_down.hpp"

#include "../replicated_kv/simulation.hpp"

#include <array>
#include <coroutine>
#include <string_view>

namespace asim::examples::bugs {

/// One example bug.
struct Example {
  std::string_view name;
  /// What the component is, in one line.
  std::string_view summary;
  /// What goes wrong, and under which schedule.
  std::string_view bug;
  /// What the fixed variant does differently.
  std::string_view fix;
  /// Runs the component under its workload; `fixed` picks the variant. Throws when
  /// the bug shows.
  asim::Coro<void> (*scenario)(bool fixed);
  /// Where its code is, when not examples/bugs/<name>.hpp.
  std::string_view source = {};
  /// The seeds tests/sim/example_bugs_test.cpp sweeps the fixed variant over (fewer
  /// for the costly network services).
  std::uint64_t test_seeds = 10000;
};

namespace detail {
/// Adapts each example's `scenario(Variant)` to the catalog's common signature.
template <class Variant, asim::Coro<void> (*Scenario)(Variant)>
asim::Coro<void> run(bool fixed) {
  return Scenario(fixed ? Variant::fixed : Variant::buggy);
}
}  // namespace detail

inline constexpr std::array<Example, 10> catalog = {{
    {"session_keepalive", "a client renewing its session on a coordination server before the TTL runs out",
     "two timers 1 ms apart: the renewal is sent at 95 % of the TTL, so a loop that wakes a little over 1 ms "
     "late delivers it after the server's expiry timer fired",
     "renew at a third of the TTL", &detail::run<session_keepalive::Variant, &session_keepalive::scenario>},
    {"oversell", "an inventory service reserving stock through a remote database",
     "check-then-act across an await: two orders read the last unit before either writes the new level back",
     "a per-item lock around the read-modify-write", &detail::run<oversell::Variant, &oversell::scenario>},
    {"lock_leak", "a journal whose appends hold a lock and run under a per-request deadline",
     "the lock is released on errors of the disk write but not around the in-memory hand-off to the indexer; a "
     "deadline that fires while the append waits there (a stall between two busy iterations) leaks the lock",
     "hold the lock through a guard (lock.scoped(), asyncio's async with)",
     &detail::run<lock_leak::Variant, &lock_leak::scenario>},
    {"mailbox_timeout", "a session inbox that hands messages straight to a waiting receiver, read with wait_for",
     "a timeout in the same loop iteration as the hand-off cancels recv() after its future got the message, "
     "and the message is lost",
     "a recv() cancelled with a message in hand puts it back at the front of the buffer",
     &detail::run<mailbox_timeout::Variant, &mailbox_timeout::scenario>},
    {"lost_wakeup", "a notification outbox: callers set an Event, a sender pushes batches",
     "the sender clears the Event after its push, erasing a set() made during the push: a message stays "
     "in the outbox forever",
     "clear() before taking the batch", &detail::run<lost_wakeup::Variant, &lost_wakeup::scenario>},
    {"retry_double_charge", "a payment client retrying a charge that did not answer within its timeout",
     "the late answer belonged to an attempt the service had applied; the retry charges the customer again",
     "an idempotency key: every attempt carries the order's id and the service applies each id once",
     &detail::run<retry_double_charge::Variant, &retry_double_charge::scenario>},
    {"worker_scale_down", "a two-worker job queue whose autoscaler cancels a worker once the queue is empty",
     "an empty queue does not mean an idle worker: the worker cancelled while saving the last job loses it",
     "a worker cancelled with a job in hand puts it back in the queue before it stops",
     &detail::run<worker_scale_down::Variant, &worker_scale_down::scenario>},
    {"lease_fencing", "two report jobs writing one file under a 10 ms lease",
     "a lease that expires while its holder is still writing: when the holder runs behind, the next holder "
     "starts and the old one's late chunks land after the new one's",
     "fencing tokens: the storage refuses writes with a token older than one it accepted",
     &detail::run<lease_fencing::Variant, &lease_fencing::scenario>},
    {"connection_pool", "a one-connection pool whose acquire() waits on a Condition",
     "`if` instead of `while` around Condition.wait(): a handler that arrives in the same iteration as the "
     "release takes the connection before the woken waiter, which then takes one that is not there",
     "re-check the predicate after every wake-up (Condition::wait_for)",
     &detail::run<connection_pool::Variant, &connection_pool::scenario>},
    {"replicated_kv",
     "a key-value store on three hosts over streams: a primary replicating to two backups, all memory only, the "
     "primary recovering from the backups after a crash; a nemesis crashes it and cuts its links",
     "the primary answers OK before any backup has the write; when it crashes in the millisecond before the "
     "copy leaves, it recovers without the acknowledged write",
     "answer OK only once a backup confirmed the write (a majority of three), ERR when none can",
     &detail::run<replicated_kv::Variant, &replicated_kv::scenario>, "examples/replicated_kv/replicated_kv.hpp", 300},
}};

/// The example named `name`, or nullptr.
[[nodiscard]] inline const Example* find_example(std::string_view name) noexcept {
  for (const Example& example : catalog) {
    if (example.name == name) return &example;
  }
  return nullptr;
}

}  // namespace asim::examples::bugs
