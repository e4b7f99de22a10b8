// SPDX-License-Identifier: MIT
// Server: what create_server and start_server return (asyncio: base_events.Server).
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/future.hpp>
#include <asim/network.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace asim {

class EventLoop;

/// A set of listeners accepting connections for one protocol factory.
/// asyncio: base_events.Server (3.11).
///
/// Ground rules:
/// - `close()` stops accepting and closes the listeners, but not the connections
///   already accepted; closing twice does nothing.
/// - `wait_closed()` waits until the server is closed and its last connection is
///   gone; as in CPython 3.11 it returns at once when the server is already closed.
/// - Transports of accepted connections call attach() / detach(), whatever network
///   made them, so the accounting is the same on RealLoop and SimLoop.
class Server : public std::enable_shared_from_this<Server> {
 public:
  Server(EventLoop& loop, std::vector<std::unique_ptr<Listener>> listeners, ProtocolFactory protocol_factory,
         int backlog);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  [[nodiscard]] EventLoop& get_loop() const noexcept { return *loop_; }
  /// True while accepting. asyncio: Server.is_serving.
  [[nodiscard]] bool is_serving() const noexcept { return serving_; }
  /// The bound addresses; empty once closed. asyncio: Server.sockets (their names).
  [[nodiscard]] std::vector<SocketAddress> sockets() const;
  /// Starts accepting (no-op when already serving); yields once. asyncio: start_serving.
  Coro<void> start_serving();
  /// Accepts until cancelled; cancellation closes the server and waits for it.
  /// RuntimeError when closed or already awaited. asyncio: Server.serve_forever.
  Coro<void> serve_forever();
  /// Stops accepting and closes the listeners. asyncio: Server.close.
  void close();
  /// asyncio: Server.wait_closed (3.11).
  Coro<void> wait_closed();
  /// The future serve_forever() waits on (nullptr: none), for deadlock reports.
  [[nodiscard]] const FutureBase* serving_forever_future() const noexcept {
    return serving_forever_ != nullptr ? &serving_forever_->future() : nullptr;
  }

  // -- for listeners and transports -------------------------------------------
  [[nodiscard]] const ProtocolFactory& protocol_factory() const noexcept { return protocol_factory_; }
  [[nodiscard]] int backlog() const noexcept { return backlog_; }
  /// A connection of this server started. asyncio: Server._attach.
  void attach() noexcept { ++active_count_; }
  /// A connection of this server ended. asyncio: Server._detach.
  void detach() noexcept;
  /// asyncio: Server._start_serving.
  void start_serving_now();

 private:
  void wakeup() noexcept;
  [[nodiscard]] std::string describe() const;

  EventLoop* loop_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  ProtocolFactory protocol_factory_;
  int backlog_;
  std::size_t active_count_ = 0;
  bool closed_ = false;        // asyncio: `_sockets is None`
  bool waiters_gone_ = false;  // asyncio: `_waiters is None`
  bool serving_ = false;
  detail::WaiterList waiters_;
  detail::Waiter* serving_forever_ = nullptr;  // asyncio: _serving_forever_fut
};

}  // namespace asim
