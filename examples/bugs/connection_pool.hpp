// SPDX-License-Identifier: MIT
// A connection pool with one connection to a database, shared by three request
// handlers; acquire() waits on a Condition while no connection is free.
//
// The bug: `if (free is empty) wait()` instead of `while`. notify() only says "a
// connection came back"; by the time the woken handler has re-acquired the lock,
// another handler that arrived meanwhile may have taken it, and the woken one takes
// a connection that is not there. In CPython's order on an idle machine the
// connection comes back at 5 ms and the waiting handler has it before the third
// handler arrives (5.5 ms); a loop that wakes late for the release runs both in one
// iteration, and the newcomer, which needs no wake-up, goes first.
//
// The fix: re-check after every wake-up (a `while`, or Condition::wait_for with the
// predicate).
#pragma once

#include <asim/condition.hpp>
#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/scoped_release.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <exception>
#include <initializer_list>
#include <string>
#include <vector>

namespace asim::examples::bugs::connection_pool {

enum class Variant { buggy, fixed };

inline constexpr double query_time = 0.005;

class Pool {
 public:
  Pool(Variant variant, std::vector<std::string> connections) : variant_(variant), free_(std::move(connections)) {}

  asim::Coro<std::string> acquire() {
    auto held = co_await available_.scoped();
    if (variant_ == Variant::fixed) {
      (void)co_await available_.wait_for([this] { return !free_.empty(); });
    } else if (free_.empty()) {
      (void)co_await available_.wait();  // woken: "a connection came back"
    }
    if (free_.empty()) {
      throw asim::RuntimeError(
          "the pool handed out a connection it did not have: a woken waiter found the "
          "free list empty (another handler took the connection first)");
    }
    std::string connection = std::move(free_.back());
    free_.pop_back();
    co_return connection;
  }

  asim::Coro<void> release(std::string connection) {
    auto held = co_await available_.scoped();
    free_.push_back(std::move(connection));
    available_.notify();
  }

 private:
  Variant variant_;
  asim::Condition available_;
  std::vector<std::string> free_;
};

/// A request handler arriving `delay` seconds from the start: one query.
inline asim::Coro<void> handler(Pool& pool, double delay, int& served) {
  co_await asim::sleep(delay);
  std::string connection = co_await pool.acquire();
  co_await asim::sleep(query_time);
  co_await pool.release(std::move(connection));
  ++served;
}

inline asim::Coro<void> scenario(Variant variant) {
  Pool pool(variant, {"db-1"});
  int served = 0;
  asim::Task<void> a = asim::create_task(handler(pool, 0.0, served), "handler-A");
  asim::Task<void> b = asim::create_task(handler(pool, 0.001, served), "handler-B");
  asim::Task<void> c = asim::create_task(handler(pool, 0.0055, served), "handler-C");
  // Every handler finishes (or fails) before the first failure is raised.
  std::exception_ptr failure;
  for (asim::Task<void>* task : {&a, &b, &c}) {
    try {
      co_await *task;
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (served != 3) throw asim::RuntimeError("only " + std::to_string(served) + " of 3 requests were served");
}

}  // namespace asim::examples::bugs::connection_pool
