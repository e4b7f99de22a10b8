// SPDX-License-Identifier: MIT
// Streams (asyncio: streams).
#include <asim/loop.hpp>
#include <asim/sleep.hpp>
#include <asim/streams.hpp>
#include <asim/task.hpp>

#include <exception>

namespace asim {

// -- StreamReader ---------------------------------------------------------------

StreamReader::StreamReader(std::size_t limit) : limit_(limit) {
  // The line length limit is a security feature; it also doubles as half the buffer limit.
  if (limit == 0) throw ValueError("Limit cannot be <= 0");
}

// asyncio: StreamReader.set_exception
void StreamReader::set_exception(std::exception_ptr error) {
  exception_ = error;
  if (detail::Waiter* waiter = std::exchange(waiter_, nullptr)) {
    if (!waiter->cancelled()) waiter->future().set_exception(error);
  }
}

// asyncio: StreamReader._wakeup_waiter
void StreamReader::wakeup_waiter() {
  if (detail::Waiter* waiter = std::exchange(waiter_, nullptr)) {
    if (!waiter->cancelled()) waiter->set_result();
  }
}

// asyncio: StreamReader.set_transport
void StreamReader::set_transport(const std::shared_ptr<Transport>& transport) {
  if (!transport_.expired()) throw RuntimeError("Transport already set");
  transport_ = transport;
}

// asyncio: StreamReader._maybe_resume_transport
void StreamReader::maybe_resume_transport() {
  if (paused_ && buffered() <= limit_) {
    paused_ = false;
    if (auto transport = transport_.lock()) transport->resume_reading();
  }
}

// asyncio: StreamReader.feed_eof
void StreamReader::feed_eof() {
  eof_ = true;
  wakeup_waiter();
}

// asyncio: StreamReader.feed_data
void StreamReader::feed_data(std::string_view data) {
  if (eof_) throw RuntimeError("feed_data after feed_eof");
  if (data.empty()) return;
  // Compact the consumed front only when it dominates, so reads stay O(bytes read).
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(data);
  wakeup_waiter();
  if (!paused_ && buffered() > 2 * limit_) {
    if (auto transport = transport_.lock()) {
      transport->pause_reading();
      paused_ = true;
    }
  }
}

std::string StreamReader::take(std::size_t n) {
  std::string data(view().substr(0, n));
  start_ += data.size();
  if (start_ == buffer_.size()) clear_buffer();
  return data;
}

// asyncio: StreamReader._wait_for_data
Coro<void> StreamReader::wait_for_data(const char* func_name) {
  if (waiter_ != nullptr) {
    throw RuntimeError(std::string(func_name) +
                       "() called while another coroutine is already waiting for incoming data");
  }
  // Waiting for data while paused would deadlock (readexactly(n) with n > limit).
  if (paused_) {
    paused_ = false;
    if (auto transport = transport_.lock()) transport->resume_reading();
  }
  detail::Waiter waiter(get_loop("StreamReader"), "StreamReader.read");
  waiter_ = &waiter;
  // asyncio's `finally: self._waiter = None`, also when the frame is destroyed at
  // loop teardown, so the reader never points into a dead frame.
  struct Forget {
    StreamReader* reader;
    detail::Waiter* waiter;
    ~Forget() {
      if (reader->waiter_ == waiter) reader->waiter_ = nullptr;
    }
  } forget{this, &waiter};
  co_await waiter;
}

// asyncio: StreamReader.readline
Coro<std::string> StreamReader::readline() {
  const std::string sep = "\n";
  std::optional<std::size_t> overrun;
  std::string message;
  try {
    co_return co_await readuntil(sep);
  } catch (const IncompleteReadError& e) {
    co_return e.partial();
  } catch (const LimitOverrunError& e) {
    overrun = e.consumed();
    message = e.what();
  }
  if (view().substr(*overrun).starts_with(sep)) {
    start_ += *overrun + sep.size();
    if (start_ == buffer_.size()) clear_buffer();
  } else {
    clear_buffer();
  }
  maybe_resume_transport();
  throw ValueError(message);
}

// asyncio: StreamReader.readuntil
Coro<std::string> StreamReader::readuntil(std::string separator) {
  const std::size_t seplen = separator.size();
  if (seplen == 0) throw ValueError("Separator should be at least one-byte string");
  if (exception_) std::rethrow_exception(exception_);
  // The separator may straddle chunks, so each search starts seplen-1 bytes back.
  std::size_t offset = 0;
  std::size_t isep = 0;
  while (true) {
    const std::size_t buflen = buffered();
    if (buflen >= offset + seplen) {
      isep = view().find(separator, offset);
      if (isep != std::string_view::npos) break;
      offset = buflen + 1 - seplen;
      if (offset > limit_) throw LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
    }
    if (eof_) {
      std::string chunk(view());
      clear_buffer();
      throw IncompleteReadError(std::move(chunk), std::nullopt);
    }
    co_await wait_for_data("readuntil");
  }
  if (isep > limit_) throw LimitOverrunError("Separator is found, but chunk is longer than limit", isep);
  std::string chunk = take(isep + seplen);
  maybe_resume_transport();
  co_return chunk;
}

// asyncio: StreamReader.read
Coro<std::string> StreamReader::read(std::ptrdiff_t n) {
  if (exception_) std::rethrow_exception(exception_);
  if (n == 0) co_return std::string();
  if (n < 0) {
    // Read up to the limit at a time, so the transport resumes between blocks.
    std::string blocks;
    while (true) {
      std::string block = co_await read(static_cast<std::ptrdiff_t>(limit_));
      if (block.empty()) break;
      blocks += block;
    }
    co_return blocks;
  }
  if (buffered() == 0 && !eof_) co_await wait_for_data("read");
  std::string data = take(static_cast<std::size_t>(n));
  maybe_resume_transport();
  co_return data;
}

// asyncio: StreamReader.readexactly
Coro<std::string> StreamReader::readexactly(std::ptrdiff_t n) {
  if (n < 0) throw ValueError("readexactly size can not be less than zero");
  if (exception_) std::rethrow_exception(exception_);
  if (n == 0) co_return std::string();
  const auto wanted = static_cast<std::size_t>(n);
  while (buffered() < wanted) {
    if (eof_) {
      std::string incomplete(view());
      clear_buffer();
      throw IncompleteReadError(std::move(incomplete), wanted);
    }
    co_await wait_for_data("readexactly");
  }
  std::string data = take(wanted);
  maybe_resume_transport();
  co_return data;
}

// -- StreamReaderProtocol -------------------------------------------------------

StreamReaderProtocol::StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                                           std::shared_ptr<const ClientConnectedCallback> client_connected_cb)
    : loop_(&loop),
      reader_(std::move(reader)),
      client_connected_cb_(std::move(client_connected_cb)),
      closed_(loop.create_future<void>()) {}

namespace {

// Keeps the user's callable alive until the coroutine it made has finished.
Coro<void> run_client_connected(std::shared_ptr<const ClientConnectedCallback> callback,
                                std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  co_await (*callback)(std::move(reader), std::move(writer));
}

}  // namespace

// asyncio: StreamReaderProtocol.connection_made
void StreamReaderProtocol::connection_made(const std::shared_ptr<Transport>& transport) {
  transport_ = transport;
  if (reader_) reader_->set_transport(transport);
  if (client_connected_cb_) {
    auto writer = std::make_shared<StreamWriter>(transport, shared_from_this(), reader_, *loop_);
    Task<void> task = loop_->create_task(run_client_connected(client_connected_cb_, reader_, std::move(writer)));
    std::weak_ptr<Transport> weak_transport = transport;
    task.add_done_callback([weak_transport](const Future<void>& done) {
      if (done.cancelled()) return;
      if (std::exception_ptr error = done.exception()) {
        done.get_loop().call_exception_handler({"Unhandled exception in client_connected_cb", error, &done.base()});
        if (auto transport = weak_transport.lock()) transport->close();
      }
    });
  }
}

// asyncio: StreamReaderProtocol.connection_lost
void StreamReaderProtocol::connection_lost(std::exception_ptr error) {
  if (reader_) {
    if (!error) {
      reader_->feed_eof();
    } else {
      reader_->set_exception(error);
    }
  }
  if (!closed_.done()) {
    if (!error) {
      closed_.set_result();
    } else {
      closed_.set_exception(error);
    }
  }
  // asyncio: FlowControlMixin.connection_lost wakes the writers if paused.
  connection_lost_ = true;
  if (paused_) {
    for (detail::Waiter* w = drain_waiters_.front(); w != nullptr; w = detail::WaiterList::next(*w)) {
      if (w->done()) continue;
      if (!error) {
        w->set_result();
      } else {
        w->future().set_exception(error);
      }
    }
  }
  transport_.reset();
}

void StreamReaderProtocol::data_received(std::string_view data) {
  if (reader_) reader_->feed_data(data);
}

// asyncio: StreamReaderProtocol.eof_received: keep the write side open.
bool StreamReaderProtocol::eof_received() {
  if (reader_) reader_->feed_eof();
  return true;
}

void StreamReaderProtocol::pause_writing() { paused_ = true; }

// asyncio: FlowControlMixin.resume_writing
void StreamReaderProtocol::resume_writing() {
  paused_ = false;
  for (detail::Waiter* w = drain_waiters_.front(); w != nullptr; w = detail::WaiterList::next(*w)) {
    if (!w->done()) w->set_result();
  }
}

const char* StreamReaderProtocol::wait_name(const FutureBase& future) const noexcept {
  if (reader_ && reader_->waiter_future() == &future) return "read";
  for (detail::Waiter* w = drain_waiters_.front(); w != nullptr; w = detail::WaiterList::next(*w)) {
    if (&w->future() == &future) return "drain";
  }
  return nullptr;
}

// asyncio: FlowControlMixin._drain_helper
Coro<void> StreamReaderProtocol::drain_helper() {
  if (connection_lost_) throw ConnectionResetError("Connection lost");
  if (!paused_) co_return;
  detail::Waiter waiter(*loop_, "StreamWriter.drain");
  drain_waiters_.push_back(waiter);
  std::exception_ptr error;
  try {
    co_await waiter;
  } catch (...) {
    error = std::current_exception();
  }
  drain_waiters_.remove(waiter);
  if (error) std::rethrow_exception(error);
}

// -- StreamWriter ---------------------------------------------------------------

StreamWriter::StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<StreamReaderProtocol> protocol,
                           std::shared_ptr<StreamReader> reader, EventLoop& loop)
    : transport_(std::move(transport)), protocol_(std::move(protocol)), reader_(std::move(reader)), loop_(&loop) {
  detail::CallbackNode* node = loop.make_node([] {});
  loop_token_ = Handle(node);
  node->release();  // the Handle is the only owner
}

// asyncio: StreamWriter.__del__
StreamWriter::~StreamWriter() {
  if (loop_token_.node()->loop() == nullptr || loop_->is_closed() || transport_->is_closing()) return;
  try {
    transport_->close();
  } catch (...) {  // a destructor reports nothing; close() only fails on a closed loop
  }
}

// asyncio: StreamWriter.wait_closed
Coro<void> StreamWriter::wait_closed() {
  // Hold the protocol: the future lives in it.
  std::shared_ptr<StreamReaderProtocol> protocol = protocol_;
  co_await protocol->close_waiter();
}

// asyncio: StreamWriter.drain
Coro<void> StreamWriter::drain() {
  std::shared_ptr<StreamReaderProtocol> protocol = protocol_;
  if (reader_) {
    if (std::exception_ptr error = reader_->exception()) std::rethrow_exception(error);
  }
  if (transport_->is_closing()) {
    // Yield so connection_lost() may run: a write(); drain() loop on a closed
    // connection then sees the error instead of spinning.
    co_await sleep(0);
  }
  co_await protocol->drain_helper();
}

// -- open_connection / start_server ---------------------------------------------

// asyncio: streams.open_connection
Coro<std::pair<std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>> open_connection(std::string host,
                                                                                              std::uint16_t port,
                                                                                              StreamOptions options) {
  EventLoop& loop = get_running_loop();
  auto reader = std::make_shared<StreamReader>(options.limit);
  auto protocol = std::make_shared<StreamReaderProtocol>(loop, reader);
  // A named factory: g++ 12 destroys a capturing temporary in a co_await operand twice.
  ProtocolFactory factory = [protocol]() -> std::shared_ptr<Protocol> { return protocol; };
  std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>> made =
      co_await loop.network().create_connection(loop, std::move(factory), std::move(host), port, options.connect);
  auto writer = std::make_shared<StreamWriter>(std::move(made.first), protocol, reader, loop);
  co_return std::make_pair(std::move(reader), std::move(writer));
}

// asyncio: streams.start_server
Coro<std::shared_ptr<Server>> start_server(ClientConnectedCallback client_connected_cb, std::string host,
                                           std::uint16_t port, StreamServerOptions options) {
  EventLoop& loop = get_running_loop();
  auto callback = std::make_shared<const ClientConnectedCallback>(std::move(client_connected_cb));
  const std::size_t limit = options.limit;
  EventLoop* loop_ptr = &loop;
  ProtocolFactory factory = [callback, limit, loop_ptr]() -> std::shared_ptr<Protocol> {
    return std::make_shared<StreamReaderProtocol>(*loop_ptr, std::make_shared<StreamReader>(limit), callback);
  };
  co_return co_await create_server(std::move(factory), std::move(host), port, options.server);
}

}  // namespace asim
