// SPDX-License-Identifier: MIT
// An inventory service in front of a remote stock database (1 ms per hop): reserve()
// reads the stock, checks that enough is left, and writes the new level back.
//
// The bug: a check-then-act across an await. Between the read and the write another
// reservation can read the same level, and both sell the last unit. In CPython's
// order on an idle machine the second order (2.5 ms) reads after the first one's
// write has landed (2 ms ... 3 ms ... 3.5 ms); a loop that wakes late for the first
// order's read lets both requests travel together, and whichever reaches the
// database first decides.
//
// The fix: a per-item lock around the read-modify-write (the service is the only
// writer of its items); a database would use a conditional update instead.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/lock.hpp>
#include <asim/scoped_release.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <map>
#include <string>

namespace asim::examples::bugs::oversell {

enum class Variant { buggy, fixed };

inline constexpr double network_delay = 0.001;

/// The stock database, one round trip per call.
class StockDatabase {
 public:
  asim::Coro<int> get(std::string item) {
    co_await asim::sleep(network_delay);
    const int level = stock_[item];
    co_await asim::sleep(network_delay);
    co_return level;
  }
  asim::Coro<void> put(std::string item, int level) {
    co_await asim::sleep(network_delay);
    stock_[item] = level;
    co_await asim::sleep(network_delay);
  }
  void restock(const std::string& item, int level) { stock_[item] = level; }

 private:
  std::map<std::string, int> stock_;
};

class Inventory {
 public:
  Inventory(Variant variant, StockDatabase& database) : variant_(variant), database_(database) {}

  /// Takes `quantity` units of `item` if that many are in stock; false otherwise.
  asim::Coro<bool> reserve(std::string item, int quantity) {
    if (variant_ == Variant::fixed) {
      auto held = co_await locks_[item].scoped();
      co_return co_await read_check_write(item, quantity);
    }
    co_return co_await read_check_write(item, quantity);
  }

 private:
  asim::Coro<bool> read_check_write(std::string item, int quantity) {
    const int level = co_await database_.get(item);
    if (level < quantity) co_return false;
    co_await database_.put(item, level - quantity);
    co_return true;
  }

  Variant variant_;
  StockDatabase& database_;
  std::map<std::string, asim::Lock> locks_;
};

/// A customer ordering one unit `delay` seconds from the start.
inline asim::Coro<void> order(Inventory& inventory, double delay, int& confirmed) {
  co_await asim::sleep(delay);
  const bool reserved = co_await inventory.reserve("espresso-machine", 1);
  if (reserved) ++confirmed;
}

inline asim::Coro<void> scenario(Variant variant) {
  StockDatabase database;
  database.restock("espresso-machine", 1);
  Inventory inventory(variant, database);
  int confirmed = 0;
  asim::Task<void> first = asim::create_task(order(inventory, 0.0, confirmed), "order-1");
  asim::Task<void> second = asim::create_task(order(inventory, 0.0025, confirmed), "order-2");
  co_await first;
  co_await second;
  if (confirmed > 1) {
    throw asim::RuntimeError("oversold: " + std::to_string(confirmed) +
                             " orders confirmed for the last espresso machine; both read the stock before "
                             "either wrote it back");
  }
}

}  // namespace asim::examples::bugs::oversell
