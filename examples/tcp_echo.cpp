// SPDX-License-Identifier: MIT
// The asyncio documentation's TCP echo client and server using streams, in one
// program on an ephemeral port of 127.0.0.1 (twin: python/tcp_echo.py).
#include <asim/asim.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

const char* yes_no(bool value) { return value ? "True" : "False"; }

asim::Coro<void> handle_echo(std::shared_ptr<asim::StreamReader> reader, std::shared_ptr<asim::StreamWriter> writer) {
  const std::string data = co_await reader->read(100);
  const asim::SocketAddress addr = writer->get_extra_info("peername").value();
  std::printf("Server received '%s' from a client on %s\n", data.c_str(), addr.host.c_str());
  std::printf("Server sends '%s'\n", data.c_str());
  writer->write(data);
  co_await writer->drain();
  std::printf("Server closes the connection\n");
  writer->close();
  co_await writer->wait_closed();
}

asim::Coro<void> tcp_echo_client(std::string message, std::uint16_t port) {
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port);
  std::printf("Client sends '%s'\n", message.c_str());
  writer->write(message);
  co_await writer->drain();
  const std::string data = co_await reader->read(100);
  std::printf("Client received '%s'\n", data.c_str());
  const std::string rest = co_await reader->read();
  std::printf("Client reads b'%s': the server closed\n", rest.c_str());
  writer->close();
  co_await writer->wait_closed();
}

asim::Coro<void> main_coro() {
  std::shared_ptr<asim::Server> server = co_await asim::start_server(&handle_echo, "127.0.0.1", 0);
  const std::uint16_t port = server->sockets().at(0).port;
  std::printf("Serving on 127.0.0.1 (serving: %s)\n", yes_no(server->is_serving()));
  co_await tcp_echo_client("Hello World!", port);
  // asyncio: `async with server` closes it and waits for it on the way out.
  server->close();
  co_await server->wait_closed();
  std::printf("Server closed (serving: %s)\n", yes_no(server->is_serving()));
}

}  // namespace

int main() {
  asim::run(main_coro());
  return 0;
}
