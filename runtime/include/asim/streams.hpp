// SPDX-License-Identifier: MIT
// Streams: StreamReader, StreamWriter, open_connection and start_server
// (asyncio: streams). They sit on the Transport / Protocol seam only, so they run
// unchanged over real sockets and over a simulated network.
#pragma once

#include <asim/coro.hpp>
#include <asim/detail/loop_bound.hpp>
#include <asim/detail/waiter_list.hpp>
#include <asim/future.hpp>
#include <asim/network.hpp>
#include <asim/protocols.hpp>
#include <asim/server.hpp>
#include <asim/streams_errors.hpp>
#include <asim/transports.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace asim {

/// asyncio: streams._DEFAULT_LIMIT (64 KiB).
inline constexpr std::size_t default_stream_limit = 64 * 1024;

/// Buffered bytes from a transport, read with coroutines (asyncio: streams.StreamReader).
///
/// Ground rules (asyncio's):
/// - One reader at a time: a second read*() while one waits raises RuntimeError.
/// - The buffer holds up to 2 * limit before the transport is paused; reads resume
///   it once the buffer is back under the limit.
/// - After an error (a reset) every read raises it; after EOF reads return what is
///   left, then empty strings.
class StreamReader : private detail::LoopBound {
 public:
  /// Throws ValueError when `limit` is 0. Binds to the running loop when it first waits.
  explicit StreamReader(std::size_t limit = default_stream_limit);

  /// Up to `n` bytes as soon as at least one is there; n < 0: everything until EOF;
  /// an empty string at EOF. asyncio: StreamReader.read.
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// One line including "\n"; the partial line at EOF; ValueError when the line is
  /// longer than the limit (the line, or the buffer, is dropped). asyncio: readline.
  Coro<std::string> readline();
  /// Everything up to and including `separator`. IncompleteReadError at EOF,
  /// LimitOverrunError over the limit (the data stays). asyncio: readuntil.
  Coro<std::string> readuntil(std::string separator = "\n");
  /// Exactly `n` bytes, or IncompleteReadError with the partial bytes at EOF.
  /// asyncio: readexactly.
  Coro<std::string> readexactly(std::ptrdiff_t n);

  /// True when EOF was fed and the buffer is empty. asyncio: at_eof.
  [[nodiscard]] bool at_eof() const noexcept { return eof_ && buffered() == 0; }
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  /// The future a read waits on now (nullptr: none).
  [[nodiscard]] const FutureBase* waiter_future() const noexcept {
    return waiter_ != nullptr ? &waiter_->future() : nullptr;
  }
  /// Bytes buffered and not yet read.
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size() - start_; }
  /// asyncio: StreamReader.exception.
  [[nodiscard]] std::exception_ptr exception() const noexcept { return exception_; }

  // -- what the protocol feeds in (public in asyncio, used by tests too) ------
  /// asyncio: set_exception.
  void set_exception(std::exception_ptr error);
  /// asyncio: set_transport. The reader does not own the transport.
  void set_transport(const std::shared_ptr<Transport>& transport);
  /// asyncio: feed_eof.
  void feed_eof();
  /// asyncio: feed_data.
  void feed_data(std::string_view data);

 private:
  void wakeup_waiter();
  void maybe_resume_transport();
  Coro<void> wait_for_data(const char* func_name);
  [[nodiscard]] std::string_view view() const noexcept { return std::string_view(buffer_).substr(start_); }
  std::string take(std::size_t n);
  void clear_buffer() noexcept {
    buffer_.clear();
    start_ = 0;
  }

  std::size_t limit_;
  std::string buffer_;
  std::size_t start_ = 0;  // bytes at the front of buffer_ already read
  bool eof_ = false;
  bool paused_ = false;
  detail::Waiter* waiter_ = nullptr;
  std::exception_ptr exception_;
  std::weak_ptr<Transport> transport_;
};

class StreamWriter;

/// What start_server calls for each connection; the returned coroutine runs as a
/// task. asyncio: client_connected_cb.
using ClientConnectedCallback = std::function<Coro<void>(std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>)>;

/// Adapts a Protocol to a StreamReader and gives StreamWriter its flow control
/// (asyncio: streams.StreamReaderProtocol with FlowControlMixin).
class StreamReaderProtocol final : public Protocol, public std::enable_shared_from_this<StreamReaderProtocol> {
 public:
  StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                       std::shared_ptr<const ClientConnectedCallback> client_connected_cb = nullptr);

  void connection_made(const std::shared_ptr<Transport>& transport) override;
  void connection_lost(std::exception_ptr error) override;
  void data_received(std::string_view data) override;
  bool eof_received() override;
  /// asyncio: FlowControlMixin.pause_writing / resume_writing.
  void pause_writing() override;
  void resume_writing() override;

  /// Waits while writing is paused; ConnectionResetError once the connection is
  /// lost. asyncio: FlowControlMixin._drain_helper.
  Coro<void> drain_helper();
  /// "read" when `future` is what the reader waits on, "drain" when it is a writer's
  /// drain wait, else nullptr (deadlock reports name network waits with it).
  [[nodiscard]] const char* wait_name(const FutureBase& future) const noexcept;
  /// Completes when the connection is lost. asyncio: _get_close_waiter.
  [[nodiscard]] const Future<void>& close_waiter() const noexcept { return closed_; }
  [[nodiscard]] EventLoop& get_loop() const noexcept { return *loop_; }

 private:
  EventLoop* loop_;
  std::shared_ptr<StreamReader> reader_;
  std::shared_ptr<const ClientConnectedCallback> client_connected_cb_;
  std::weak_ptr<Transport> transport_;
  Future<void> closed_;
  detail::WaiterList drain_waiters_;
  bool paused_ = false;
  bool connection_lost_ = false;
};

/// The writing half of a connection (asyncio: streams.StreamWriter).
class StreamWriter {
 public:
  StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<StreamReaderProtocol> protocol,
               std::shared_ptr<StreamReader> reader, EventLoop& loop);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  /// Closes a transport nobody closed, unless the loop is closed (asyncio:
  /// StreamWriter.__del__, without the ResourceWarning): a task cancelled before
  /// its `writer->close()` leaves no connection open.
  ~StreamWriter();

  [[nodiscard]] Transport& transport() const noexcept { return *transport_; }
  /// asyncio: write / writelines (buffered; call drain() to apply flow control).
  void write(std::string_view data) { transport_->write(data); }
  void writelines(std::span<const std::string_view> lines) { transport_->writelines(lines); }
  void writelines(std::span<const std::string> lines) { transport_->writelines(lines); }
  /// asyncio: write_eof / can_write_eof.
  void write_eof() { transport_->write_eof(); }
  [[nodiscard]] bool can_write_eof() const noexcept { return transport_->can_write_eof(); }
  /// asyncio: close / is_closing.
  void close() { transport_->close(); }
  [[nodiscard]] bool is_closing() const noexcept { return transport_->is_closing(); }
  /// Waits until the connection is closed; raises what closed it, if anything.
  /// asyncio: wait_closed.
  Coro<void> wait_closed();
  /// "peername" / "sockname". asyncio: get_extra_info.
  [[nodiscard]] std::optional<SocketAddress> get_extra_info(std::string_view name) const {
    return transport_->get_extra_info(name);
  }
  /// Waits until the write buffer is under the high-water mark; raises the
  /// reader's error, or ConnectionResetError once the connection is lost.
  /// asyncio: drain.
  Coro<void> drain();

 private:
  std::shared_ptr<Transport> transport_;
  std::shared_ptr<StreamReaderProtocol> protocol_;
  std::shared_ptr<StreamReader> reader_;
  EventLoop* loop_;
  // An idle pooled node: its loop() turns null once the loop is destroyed, so a
  // writer that outlives its loop knows not to touch it.
  Handle loop_token_;
};

/// asyncio: open_connection's keyword arguments that asim supports.
struct StreamOptions {
  std::size_t limit = default_stream_limit;
  ConnectOptions connect;
};

/// asyncio: start_server's keyword arguments that asim supports.
struct StreamServerOptions {
  std::size_t limit = default_stream_limit;
  ServerOptions server;
};

/// Connects to `host`:`port` on the running loop's network. asyncio: open_connection.
Coro<std::pair<std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>> open_connection(
    std::string host, std::uint16_t port, StreamOptions options = {});
/// Serves `host`:`port` (port 0: a free one, see Server::sockets()); each connection
/// runs `client_connected_cb(reader, writer)` as a task, and the callable is kept
/// alive until that coroutine finishes. asyncio: start_server.
Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb, std::string host,
                                           std::uint16_t port, StreamServerOptions options = {});

}  // namespace asim
