// SPDX-License-Identifier: MIT
// A payment client that retries a charge when the payment service does not answer
// within 10 ms (then 20, then 40); the service takes 2 ms on the wire each way and
// 5 ms to process.
//
// The bug: a charge is not idempotent, and a timeout does not mean "not done". When
// the answer arrives after the deadline (the loop woke late while the service was
// working, or the answer lands in the same iteration as the timeout), the client
// gives up on an attempt that the service has already applied and sends it again:
// the customer pays twice. So does an answer lost on the way back (a fault point,
// asim::buggify). In CPython's order on an idle machine the answer comes at 9 ms,
// 1 ms before the deadline.
//
// The fix: an idempotency key. The client sends the same request id with every
// attempt; the service applies each id once and answers repeats from its record.
#pragma once

#include <asim/buggify.hpp>
#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <asim/wait_for.hpp>

#include <map>
#include <string>

namespace asim::examples::bugs::retry_double_charge {

enum class Variant { buggy, fixed };

inline constexpr double network_delay = 0.002;
inline constexpr double processing_time = 0.005;
/// The first attempt's timeout; each retry waits twice as long.
inline constexpr double first_timeout = 0.01;

/// The payment service, reached over the network.
class PaymentService {
 public:
  explicit PaymentService(Variant variant) : variant_(variant) {}

  /// Handles one attempt (in its own task, as a server would): charges `amount` to
  /// `account` and answers through `reply` one hop later.
  asim::Coro<void> handle(std::string request_id, std::string account, int amount, asim::Future<int> reply) {
    co_await asim::sleep(network_delay);  // the request travels
    co_await asim::sleep(processing_time);
    int receipt = 0;
    auto seen = receipts_.find(request_id);
    if (variant_ == Variant::fixed && seen != receipts_.end()) {
      receipt = seen->second;  // a retry of an applied charge: answer, do not charge
    } else {
      balances_[account] -= amount;
      receipt = ++charges_;
      receipts_[request_id] = receipt;
    }
    if (asim::buggify("payments: answer lost")) co_return;  // the network drops it
    co_await asim::sleep(network_delay);                    // the answer travels
    if (!reply.done()) reply.set_result(receipt);
  }

  [[nodiscard]] int balance(const std::string& account) const {
    auto it = balances_.find(account);
    return it == balances_.end() ? 0 : it->second;
  }

 private:
  Variant variant_;
  std::map<std::string, int> balances_;
  std::map<std::string, int> receipts_;
  int charges_ = 0;
};

/// Sends one attempt and waits for its answer.
inline asim::Coro<int> attempt(PaymentService& service, std::string request_id, std::string account, int amount) {
  asim::Future<int> reply = asim::get_running_loop().create_future<int>();
  (void)asim::create_task(service.handle(request_id, account, amount, reply), "payments");
  co_return co_await reply;
}

/// Charges `amount`, retrying on timeout up to three times with doubling timeouts.
inline asim::Coro<int> charge(PaymentService& service, Variant variant, std::string order, std::string account,
                              int amount) {
  double attempt_timeout = first_timeout;
  for (int attempt_number = 1;; ++attempt_number, attempt_timeout *= 2) {
    // Buggy: every attempt is a new request. Fixed: every attempt carries the order's key.
    const std::string request_id =
        variant == Variant::fixed ? order : order + "/attempt-" + std::to_string(attempt_number);
    try {
      co_return co_await asim::wait_for(attempt(service, request_id, account, amount), attempt_timeout);
    } catch (const asim::TimeoutError&) {
      if (attempt_number == 3) throw;
    }
  }
}

inline asim::Coro<void> scenario(Variant variant) {
  PaymentService service(variant);
  bool paid = true;
  try {
    (void)co_await charge(service, variant, "order-17", "alice", 30);
  } catch (const asim::TimeoutError&) {
    paid = false;  // the client gave up: the charge may or may not have happened, once
  }
  co_await asim::sleep(0.1);  // let every attempt still in flight finish
  const int charged = -service.balance("alice");
  if (charged > 30 || (paid && charged != 30)) {
    throw asim::RuntimeError("double charge: alice paid " + std::to_string(charged) +
                             " for one order of 30; a retry re-sent a charge the service had already applied");
  }
}

}  // namespace asim::examples::bugs::retry_double_charge
