// SPDX-License-Identifier: MIT
// DatagramSocket: a queueing DatagramProtocol and its awaitable recvfrom.
#include <asim/datagram_socket.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/loop.hpp>
#include <asim/streams_errors.hpp>

#include <cerrno>

namespace asim {

namespace detail {

/// The protocol behind a DatagramSocket: what arrived, the pending error, the one
/// waiting recvfrom().
class DatagramQueue final : public DatagramProtocol {
 public:
  void connection_made(const std::shared_ptr<DatagramTransport>& /*transport*/) override {}
  void datagram_received(std::string_view data, const SocketAddress& addr) override {
    received.emplace_back(std::string(data), addr);
    wakeup();
  }
  void error_received(std::exception_ptr error) override {
    pending_error = std::move(error);
    wakeup();
  }
  void connection_lost(std::exception_ptr error) override {
    closed = true;
    if (error) pending_error = std::move(error);
    wakeup();
  }

  void wakeup() {
    if (Waiter* w = std::exchange(waiter, nullptr)) {
      if (!w->done()) w->set_result();
    }
  }

  std::deque<std::pair<std::string, SocketAddress>> received;
  std::exception_ptr pending_error;
  Waiter* waiter = nullptr;
  bool closed = false;
};

}  // namespace detail

Coro<std::shared_ptr<DatagramSocket>> DatagramSocket::create(DatagramOptions options) {
  auto queue = std::make_shared<detail::DatagramQueue>();
  // A named factory: g++ 12 destroys a capturing temporary in a co_await operand twice.
  DatagramProtocolFactory factory = [queue]() -> std::shared_ptr<DatagramProtocol> { return queue; };
  std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>> made =
      co_await create_datagram_endpoint(std::move(factory), std::move(options));
  co_return std::make_shared<DatagramSocket>(std::move(made.first), std::move(queue));
}

Coro<std::pair<std::string, SocketAddress>> DatagramSocket::recvfrom() {
  std::shared_ptr<detail::DatagramQueue> queue = queue_;
  while (true) {
    if (!queue->received.empty()) {
      std::pair<std::string, SocketAddress> datagram = std::move(queue->received.front());
      queue->received.pop_front();
      co_return datagram;
    }
    if (queue->pending_error) std::rethrow_exception(std::exchange(queue->pending_error, nullptr));
    if (queue->closed || transport_->is_closing()) throw OSError(EBADF, "Bad file descriptor");
    if (queue->waiter != nullptr) {
      throw RuntimeError("recvfrom() called while another coroutine is already waiting for incoming data");
    }
    detail::Waiter waiter(transport_->get_loop(), "DatagramSocket.recvfrom");
    queue->waiter = &waiter;
    // Forgets the waiter however the await ends (a frame destroyed at teardown too).
    struct Forget {
      detail::DatagramQueue* queue;
      detail::Waiter* waiter;
      ~Forget() {
        if (queue->waiter == waiter) queue->waiter = nullptr;
      }
    } forget{queue.get(), &waiter};
    co_await waiter;
  }
}

}  // namespace asim
