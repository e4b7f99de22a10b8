// SPDX-License-Identifier: MIT
// Server (asyncio: base_events.Server, 3.11).
#include <asim/server.hpp>
#include <asim/sleep.hpp>

#include <exception>

namespace asim {

Server::Server(EventLoop& loop, std::vector<std::unique_ptr<Listener>> listeners, ProtocolFactory protocol_factory,
               int backlog)
    : loop_(&loop),
      listeners_(std::move(listeners)),
      protocol_factory_(std::move(protocol_factory)),
      backlog_(backlog) {}

// Listeners close their endpoints in their own destructors, without the loop, so a
// server outliving its loop is still safe to drop.
Server::~Server() = default;

std::vector<SocketAddress> Server::sockets() const {
  std::vector<SocketAddress> names;
  if (closed_) return names;
  for (const auto& listener : listeners_) names.push_back(listener->sockname());
  return names;
}

std::string Server::describe() const {
  std::string text = "<Server sockets=(";
  bool first = true;
  for (const SocketAddress& name : sockets()) {
    text += (first ? "" : ", ") + name.to_string();
    first = false;
  }
  return text + ")>";
}

// asyncio: Server._detach
void Server::detach() noexcept {
  --active_count_;
  if (active_count_ == 0 && closed_) wakeup();
}

// asyncio: Server._wakeup
void Server::wakeup() noexcept {
  if (waiters_gone_) return;
  waiters_gone_ = true;
  for (detail::Waiter* waiter = waiters_.front(); waiter != nullptr; waiter = detail::WaiterList::next(*waiter)) {
    if (!waiter->done()) waiter->set_result();
  }
}

// asyncio: Server._start_serving
void Server::start_serving_now() {
  if (serving_) return;
  serving_ = true;
  std::shared_ptr<Server> self = shared_from_this();
  for (auto& listener : listeners_) listener->start_serving(self);
}

// asyncio: Server.close
void Server::close() {
  if (closed_) return;
  // The listeners' readers may hold the last references to this server.
  std::shared_ptr<Server> keep_alive = weak_from_this().lock();
  closed_ = true;
  for (auto& listener : listeners_) listener->close();
  serving_ = false;
  if (serving_forever_ != nullptr && !serving_forever_->done()) {
    serving_forever_->cancel();
    serving_forever_ = nullptr;
  }
  if (active_count_ == 0) wakeup();
}

// asyncio: Server.start_serving
Coro<void> Server::start_serving() {
  start_serving_now();
  // Skip one loop iteration so that all the listeners' readers are armed.
  co_await sleep(0);
}

// asyncio: Server.serve_forever
Coro<void> Server::serve_forever() {
  if (serving_forever_ != nullptr) {
    throw RuntimeError("server " + describe() + " is already being awaited on serve_forever()");
  }
  if (closed_) throw RuntimeError("server " + describe() + " is closed");
  start_serving_now();
  detail::Waiter fut(*loop_, "Server.serve_forever");
  serving_forever_ = &fut;
  // Keeps the server alive while a task serves it forever.
  std::shared_ptr<Server> self = shared_from_this();
  // asyncio's `finally: self._serving_forever_fut = None`, also when the frame is
  // destroyed at loop teardown.
  struct Forget {
    Server* server;
    detail::Waiter* fut;
    ~Forget() {
      if (server->serving_forever_ == fut) server->serving_forever_ = nullptr;
    }
  } forget{this, &fut};
  std::exception_ptr error;
  bool cancelled = false;
  try {
    co_await fut;
  } catch (const CancelledError&) {
    cancelled = true;
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
  }
  if (serving_forever_ == &fut) serving_forever_ = nullptr;
  if (cancelled) {
    // asyncio: close and wait_closed, then re-raise the cancellation in `finally`.
    close();
    try {
      co_await wait_closed();
    } catch (...) {
    }
  }
  if (error) std::rethrow_exception(error);
}

// asyncio: Server.wait_closed (3.11: returns at once once closed)
Coro<void> Server::wait_closed() {
  if (closed_ || waiters_gone_) co_return;
  detail::Waiter waiter(*loop_, "Server.wait_closed");
  waiters_.push_back(waiter);
  std::shared_ptr<Server> self = shared_from_this();
  std::exception_ptr error;
  try {
    co_await waiter;
  } catch (...) {
    error = std::current_exception();
  }
  waiters_.remove(waiter);
  if (error) std::rethrow_exception(error);
}

}  // namespace asim
