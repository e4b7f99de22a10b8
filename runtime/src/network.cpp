// SPDX-License-Identifier: MIT
// The I/O seam of the loop core: the poller's default (no descriptors), the loop's
// default (no network), and the loop-method wrappers over Network.
#include <asim/loop.hpp>
#include <asim/network.hpp>
#include <asim/poller.hpp>
#include <asim/server.hpp>
#include <asim/sleep.hpp>
#include <asim/transports.hpp>

#include <string>

namespace asim {

namespace {
[[noreturn]] void no_descriptors() { throw RuntimeError("this loop's poller does not watch file descriptors"); }
}  // namespace

void Poller::add_reader(int /*fd*/, Handle /*callback*/) { no_descriptors(); }
bool Poller::remove_reader(int /*fd*/) { return false; }
void Poller::add_writer(int /*fd*/, Handle /*callback*/) { no_descriptors(); }
bool Poller::remove_writer(int /*fd*/) { return false; }

Network& EventLoop::network() { throw RuntimeError("this event loop has no network"); }

namespace detail {

void report_flow_control_error(EventLoop& loop, const char* what) noexcept {
  loop.call_exception_handler({what, std::current_exception(), nullptr});
}

void throw_bad_water_marks(std::size_t high, std::size_t low) {
  throw ValueError("high (" + std::to_string(high) + ") must be >= low (" + std::to_string(low) + ") must be >= 0");
}

}  // namespace detail

Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
    ProtocolFactory protocol_factory, std::string host, std::uint16_t port, ConnectOptions options) {
  EventLoop& loop = get_running_loop();
  co_return co_await loop.network().create_connection(loop, std::move(protocol_factory), std::move(host), port,
                                                      options);
}

// asyncio: BaseEventLoop.create_server (after the sockets are bound)
Coro<std::shared_ptr<Server>> create_server(ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
                                            ServerOptions options) {
  EventLoop& loop = get_running_loop();
  std::vector<std::unique_ptr<Listener>> listeners =
      co_await loop.network().create_listeners(loop, std::move(host), port, options);
  auto server = std::make_shared<Server>(loop, std::move(listeners), std::move(protocol_factory), options.backlog);
  if (options.start_serving) {
    server->start_serving_now();
    // Skip one loop iteration so that all the listeners' readers are armed.
    // Unlike CPython, a cancellation here closes the server: nobody else could.
    struct CloseUnlessReturned {
      Server* server;
      ~CloseUnlessReturned() {
        if (server != nullptr) server->close();
      }
    } close_unless_returned{server.get()};
    co_await sleep(0);
    close_unless_returned.server = nullptr;
  }
  co_return server;
}

Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
    DatagramProtocolFactory protocol_factory, DatagramOptions options) {
  EventLoop& loop = get_running_loop();
  co_return co_await loop.network().create_datagram_endpoint(loop, std::move(protocol_factory), std::move(options));
}

}  // namespace asim
