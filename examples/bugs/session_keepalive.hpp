// SPDX-License-Identifier: MIT
// A client keeps a session open on a coordination server (ZooKeeper / etcd style):
// the server expires a session that has not been renewed for 20 ms; the client
// renews it over the network (1 ms).
//
// The bug: two timers a few milliseconds apart whose order matters. The client
// renews when 95 % of the TTL has passed, 1 ms before the server's expiry timer
// once the renewal's hop is counted. Timers are only promised not to fire early: a
// loop that wakes a little over 1 ms late for the renewal delivers it after the
// server expired the session, and the client loses its session (its ephemeral
// nodes, its locks) while alive and well. In CPython's order on an idle machine the
// renewal always lands 1 ms early.
//
// The fix: renew at a third of the TTL, so two renewals can be lost or late before
// the session is.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>

#include <string>

namespace asim::examples::bugs::session_keepalive {

enum class Variant { buggy, fixed };

inline constexpr double session_ttl = 0.02;
inline constexpr double network_delay = 0.001;

/// The server side: one session with its expiry timer.
class SessionServer {
 public:
  void open() {
    alive_ = true;
    arm();
  }
  /// A renewal arrived: push the expiry back a full TTL, or refuse a dead session.
  void renew() {
    if (!alive_) {
      ++refused_;
      return;
    }
    arm();
  }
  void close() {
    alive_ = false;
    expiry_.cancel();
  }
  [[nodiscard]] bool alive() const noexcept { return alive_; }
  [[nodiscard]] int refused() const noexcept { return refused_; }
  [[nodiscard]] double expired_at() const noexcept { return expired_at_; }

 private:
  void arm() {
    expiry_.cancel();
    asim::EventLoop& loop = asim::get_running_loop();
    expiry_ = loop.call_later(session_ttl, [this, &loop] {
      alive_ = false;
      expired_at_ = loop.time();
    });
  }

  asim::TimerHandle expiry_;
  bool alive_ = false;
  int refused_ = 0;
  double expired_at_ = -1;
};

/// What the client sends; each message arrives one hop after it was sent.
enum class Message { open, renew, close };

inline asim::Coro<void> send(SessionServer& server, Message message) {
  co_await asim::sleep(network_delay);
  switch (message) {
    case Message::open: server.open(); break;
    case Message::renew: server.renew(); break;
    case Message::close: server.close(); break;
  }
}

/// The client: opens the session, renews it for `lifetime` seconds, closes it. It
/// counts the TTL from when it sent the open, the conservative end.
inline asim::Coro<void> client(SessionServer& server, Variant variant, double lifetime) {
  asim::EventLoop& loop = asim::get_running_loop();
  const double until = loop.time() + lifetime;
  (void)asim::create_task(send(server, Message::open), "open");
  const double renew_every = variant == Variant::fixed ? session_ttl / 3 : session_ttl * 0.95;
  asim::Task<void> renewal;
  while (loop.time() < until) {
    co_await asim::sleep(renew_every);
    renewal = asim::create_task(send(server, Message::renew), "renew");
  }
  if (renewal) co_await renewal;  // the last renewal is on the wire: close after it
  co_await send(server, Message::close);
}

inline asim::Coro<void> scenario(Variant variant) {
  SessionServer server;
  co_await asim::create_task(client(server, variant, 0.1), "client");
  if (server.expired_at() >= 0) {
    throw asim::RuntimeError("session expired under a live client at " + std::to_string(server.expired_at()) + " s; " +
                             std::to_string(server.refused()) +
                             " renewal(s) arrived after the server's expiry timer had fired");
  }
}

}  // namespace asim::examples::bugs::session_keepalive
