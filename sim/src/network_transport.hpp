// SPDX-License-Identifier: MIT
// SimTransport: one end of a simulated TCP connection. It keeps the contract of the
// socket transport (runtime/src/selector_events.cpp) that the stream classes rely on;
// bytes leave through a Pipe (one direction of the connection) whose segments the
// Network delivers in order at their arrival times.
#pragma once

#include <asim/loop.hpp>
#include <asim/server.hpp>
#include <asim/sim/network.hpp>
#include <asim/streams_errors.hpp>
#include <asim/transports.hpp>

#include <cerrno>
#include <deque>
#include <memory>
#include <string>
#include <utility>

namespace asim::sim {

/// Counts an object in one of Network::LiveCounts' fields while it exists.
template <std::size_t Network::LiveCounts::*Field>
class LiveToken {
 public:
  explicit LiveToken(std::shared_ptr<Network::LiveCounts> counts) noexcept : counts_(std::move(counts)) {
    ++((*counts_).*Field);
  }
  LiveToken(const LiveToken&) = delete;
  LiveToken& operator=(const LiveToken&) = delete;
  ~LiveToken() { --((*counts_).*Field); }

 private:
  std::shared_ptr<Network::LiveCounts> counts_;
};

/// A segment in flight.
struct Segment {
  enum Kind : int { data = 0, eof = 1, reset = 2 };
  Kind kind = data;
  std::string bytes;
  std::int64_t arrival_ns = 0;
  std::int64_t departure_ns = 0;  // when it has left the sender (after its turn on the link)
};

/// One direction of a connection: its segments in flight, in order.
struct Pipe {
  explicit Pipe(std::shared_ptr<Network::LiveCounts> counts) noexcept : live(std::move(counts)) {}
  LiveToken<&Network::LiveCounts::pipes> live;
  Host* from = nullptr;
  Host* to = nullptr;
  std::uint64_t connection = 0;
  std::weak_ptr<SimTransport> receiver;
  std::weak_ptr<SimTransport> sender;
  std::deque<Segment> segments;
  // Flow control (a link with a bandwidth): data bytes sent and not yet taken by the
  // receiver; the sender's write buffer.
  std::size_t in_flight = 0;
  std::int64_t* link_free_ns = nullptr;  // the link's entry in Network::link_free_ns_ (stable)
  bool flow = false;
  bool bounced = false;  // a reset answered data that reached a closed end
  bool armed = false;  // a delivery callback is scheduled
  bool held = false;   // held by a partition until heal()
};

class SimTransport final : public FlowControl<Transport>, public std::enable_shared_from_this<SimTransport> {
 public:
  SimTransport(Network& network, Host& host, Host& peer_host, std::uint64_t connection,
               std::shared_ptr<Protocol> protocol, std::shared_ptr<Server> server, SocketAddress sockname,
               SocketAddress peername)
      : live_(network.live_counts()),
        network_(&network),
        host_(&host),
        protocol_(std::move(protocol)),
        server_(std::move(server)),
        sockname_(std::move(sockname)),
        peername_(std::move(peername)),
        out_(std::make_shared<Pipe>(network.live_counts())) {
    out_->from = &host;
    out_->to = &peer_host;
    out_->connection = connection;
    out_->flow = network.link_options().bandwidth > 0;
    if (server_) server_->attach();
    accepted_ = server_ != nullptr;
  }

  // For deadlock reports (network_waits.cpp): the protocol (nullptr once the
  // connection is lost) and which end this is.
  [[nodiscard]] const Protocol* protocol() const noexcept { return protocol_.get(); }
  [[nodiscard]] bool accepted() const noexcept { return accepted_; }
  [[nodiscard]] const Host* peer_host() const noexcept { return out_->to; }

  static void connect(const std::shared_ptr<SimTransport>& a, const std::shared_ptr<SimTransport>& b) {
    a->out_->receiver = b;
    b->out_->receiver = a;
    a->out_->sender = a;
    b->out_->sender = b;
    a->in_ = b->out_;
    b->in_ = a->out_;
  }

  // asyncio: _SelectorSocketTransport.__init__'s three call_soons, in order.
  void start(Future<void> waiter) {
    auto self = shared_from_this();
    EventLoop& loop = network_->event_loop();
    loop.call_soon([self] {
      HostScope scope(*self->host_);
      // A host that crashed meanwhile runs no more protocol code.
      if (self->protocol_ && !self->crashed_) self->protocol_->connection_made(self);
    });
    loop.call_soon([self] {
      HostScope scope(*self->host_);
      self->started_ = true;
      self->flush();
    });
    loop.call_soon([waiter]() mutable {
      if (!waiter.done()) waiter.set_result();
    });
  }

  [[nodiscard]] EventLoop& get_loop() const noexcept override { return network_->event_loop(); }
  [[nodiscard]] bool is_closing() const noexcept override { return closing_; }
  [[nodiscard]] std::optional<SocketAddress> get_extra_info(std::string_view name) const override {
    if (name == "peername") return peername_;
    if (name == "sockname") return sockname_;
    return std::nullopt;
  }
  [[nodiscard]] bool is_reading() const noexcept override { return !closing_ && !paused_; }
  void pause_reading() override {
    if (is_reading()) paused_ = true;
  }
  void resume_reading() override {
    if (closing_ || !paused_) return;
    paused_ = false;
    if (reset_errno_ != 0) {
      // Reading again, the recv reports the reset.
      closing_ = true;
      schedule_connection_lost(make_os_error(ECONNRESET, "Connection reset by peer"));
      return;
    }
    flush();
    resume_incoming();
  }

  void write(std::string_view data) override {
    // asyncio: only write_eof() makes a write an error; after close or a lost
    // connection writes are dropped.
    if (write_eof_called_) throw RuntimeError("Cannot call write() after write_eof()");
    if (data.empty() || lost_scheduled_) return;
    if (reset_errno_ != 0) {
      // asyncio: the send fails, _fatal_error closes the transport with that error.
      const int error = reset_errno_;
      closing_ = true;
      schedule_connection_lost(make_os_error(error, error == EPIPE ? "Broken pipe" : "Connection reset by peer"));
      return;
    }
    if (!out_->flow) {
      network_->send(out_, Segment::data, std::string(data));
      return;
    }
    network_->transmit(out_, data);
    maybe_pause_protocol();
  }
  void write_eof() override {
    if (closing_ || eof_sent_) return;
    write_eof_called_ = true;
    eof_sent_ = true;
    network_->send(out_, Segment::eof, {});
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return true; }
  // Bytes written and not yet taken by the peer's transport (always 0 on a link
  // without bandwidth: writes never block there).
  [[nodiscard]] std::size_t get_write_buffer_size() const noexcept override { return out_->in_flight; }

  // asyncio: _SelectorTransport.close; the FIN leaves when the connection is released.
  void close() override {
    if (closing_) return;
    closing_ = true;
    schedule_connection_lost(nullptr);
  }
  // asyncio: abort closes the socket at once, and Linux then sends a FIN, or a reset
  // when received data was left unread (asyncio reads eagerly, so only while paused).
  void abort() override {
    if (lost_scheduled_) return;
    closing_ = true;
    const bool unread = has_unread_data();
    drop_unsent();
    if (unread) {
      network_->send(out_, Segment::reset, {});
    } else if (!eof_sent_) {
      network_->send(out_, Segment::eof, {});
    }
    eof_sent_ = true;
    schedule_connection_lost(nullptr);
  }
  // A connect cancelled before the transport started (asyncio: create_connection's
  // `sock.close()`): the peer sees EOF; the protocol never hears of the transport.
  void discard() {
    if (lost_scheduled_) return;
    closing_ = true;
    lost_scheduled_ = true;
    protocol_.reset();
    if (!eof_sent_) {
      eof_sent_ = true;
      network_->send(out_, Segment::eof, {});
    }
  }
  // The host crashed: the peer sees a reset, this end is gone.
  void crash() {
    crashed_ = true;
    if (lost_scheduled_) return;
    closing_ = true;
    eof_sent_ = true;
    pending_.clear();
    drop_unsent();
    network_->send(out_, Segment::reset, {});
    schedule_connection_lost(make_os_error(ECONNABORTED, "Software caused connection abort"));
  }

  // A segment arrived (called by the Network in the receiving host's scope).
  void receive(Segment& segment) {
    if (lost_scheduled_) return;
    switch (segment.kind) {
      case Segment::data:
        pending_ += segment.bytes;
        flush();
        break;
      case Segment::eof:
        eof_pending_ = true;
        flush();
        break;
      case Segment::reset:
        pending_.clear();
        // asyncio only hears of a reset through a recv or a send: with reading stopped
        // (after EOF, or paused) and nothing to send, the next write or resume does.
        if ((eof_received_ || paused_) && get_write_buffer_size() == 0) {
          if (reset_errno_ == 0) reset_errno_ = eof_received_ ? EPIPE : ECONNRESET;
          break;
        }
        closing_ = true;
        schedule_connection_lost(make_os_error(ECONNRESET, "Connection reset by peer"));
        break;
    }
  }
  /// The end is closed (or closing): data reaching it is answered with a reset.
  [[nodiscard]] bool is_gone() const noexcept { return lost_scheduled_; }
  [[nodiscard]] const std::shared_ptr<Pipe>& out_pipe() const noexcept { return out_; }
  [[nodiscard]] const std::shared_ptr<Pipe>& in_pipe() const noexcept { return in_; }

  // Flow control (sim_transport.cpp).
  /// True while arriving segments must wait in flight: reading is paused (the
  /// receiver's window is closed).
  [[nodiscard]] bool holds_segments() const noexcept { return paused_ && !closing_ && !lost_scheduled_; }
  /// The peer's transport took bytes of ours: resume the protocol at the low-water mark.
  void on_delivered();

 private:
  [[nodiscard]] BaseProtocol* flow_protocol() const noexcept override { return protocol_.get(); }
  /// Reading resumed: what waits in flight comes in.
  void resume_incoming();
  /// An abort or a crash: the segments still waiting for the link never leave.
  void drop_unsent();
  /// Bytes that arrived and were not handed to the protocol (reading paused).
  [[nodiscard]] bool has_unread_data() const noexcept;

  // Delivers what arrived while not reading, then a pending EOF.
  void flush() {
    if (!started_ || paused_ || lost_scheduled_ || !protocol_) return;
    if (!pending_.empty() && !closing_) {
      std::string data = std::exchange(pending_, {});
      protocol_->data_received(data);
    }
    if (eof_pending_ && pending_.empty() && !paused_ && protocol_) {
      eof_pending_ = false;
      if (protocol_->eof_received()) {
        eof_received_ = true;  // asyncio stops reading: a later reset shows at the next write
      } else {
        close();
      }
    }
  }
  void schedule_connection_lost(std::exception_ptr error) {
    if (lost_scheduled_) return;
    lost_scheduled_ = true;
    auto self = shared_from_this();
    network_->event_loop().call_soon([self, error] {
      HostScope scope(*self->host_);
      std::shared_ptr<Protocol> protocol = std::move(self->protocol_);
      if (protocol) protocol->connection_lost(error);
      if (!error && !self->eof_sent_ && self->host_->is_up()) {
        self->eof_sent_ = true;
        self->network_->send(self->out_, Segment::eof, {});
      }
      if (std::shared_ptr<Server> server = std::move(self->server_)) server->detach();
    });
  }

  LiveToken<&Network::LiveCounts::transports> live_;
  Network* network_;
  Host* host_;
  std::shared_ptr<Protocol> protocol_;
  std::shared_ptr<Server> server_;
  SocketAddress sockname_;
  SocketAddress peername_;
  std::shared_ptr<Pipe> out_;
  // The peer's out_: what is still in flight to us outlives the peer's transport.
  std::shared_ptr<Pipe> in_;
  std::string pending_;
  bool accepted_ = false;  // the server's end
  bool crashed_ = false;   // its host crashed
  bool started_ = false;
  bool paused_ = false;
  bool closing_ = false;
  bool eof_sent_ = false;  // our FIN (or reset) is on its way
  bool write_eof_called_ = false;
  bool eof_received_ = false;  // the peer's FIN was handed to a protocol that keeps the connection
  int reset_errno_ = 0;        // a reset arrived while nothing was reading or sending
  bool eof_pending_ = false;
  bool lost_scheduled_ = false;
};

}  // namespace asim::sim
