// SPDX-License-Identifier: MIT
// The transports' side of the simulated network that network.cpp does not hold: flow
// control and the live counts.
//
// Flow control (LinkOptions::bandwidth > 0): a write occupies the link segment by
// segment, its bytes stay in the sender's write buffer until the receiving transport
// takes them, and a receiver that paused reading leaves them in flight. The sender's
// protocol is paused and resumed at asyncio's water marks (transports._FlowControlMixin),
// which is what makes StreamWriter.drain() wait.
#include <asim/sim/network.hpp>

#include "network_transport.hpp"

#include <algorithm>
#include <cmath>

namespace asim::sim {

std::shared_ptr<Network::LiveCounts> Network::live_counts() {
  if (!live_) live_ = std::make_shared<LiveCounts>();
  return live_;
}

std::int64_t Network::occupancy_ns(std::size_t bytes) const noexcept {
  if (!(link_.bandwidth > 0)) return 0;
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) * 1e9 / link_.bandwidth));
}

void Network::transmit(const std::shared_ptr<Pipe>& pipe, std::string_view data) {
  const std::size_t segment_size = std::max<std::size_t>(link_.max_segment_size, 1);
  const std::int64_t now = events_->time_ns();
  // Loopback is not a link: its segments leave at once.
  const bool on_link = pipe->from != pipe->to;
  if (on_link && pipe->link_free_ns == nullptr) pipe->link_free_ns = &link_free_ns_[{pipe->from, pipe->to}];
  std::int64_t* free_at = pipe->link_free_ns;
  while (!data.empty()) {
    const std::size_t bytes = std::min(segment_size, data.size());
    std::int64_t departure = now;
    if (on_link) {
      departure = std::max(now, *free_at) + occupancy_ns(bytes);
      *free_at = departure;
    }
    pipe->in_flight += bytes;
    send(pipe, Segment::data, std::string(data.substr(0, bytes)), departure);
    data.remove_prefix(bytes);
  }
}

std::int64_t Network::depart_datagram(const Host& from, const Host& to, std::size_t bytes) {
  const std::int64_t now = events_->time_ns();
  if (!(link_.bandwidth > 0) || &from == &to) return now;
  std::int64_t& free_at = link_free_ns_[{&from, &to}];
  free_at = std::max(now, free_at) + occupancy_ns(bytes);
  return free_at;
}

void Network::resume_delivery(const std::shared_ptr<Pipe>& pipe) {
  if (!pipe->armed && !pipe->held && !pipe->segments.empty()) arm(pipe);
}

void Network::landed(Pipe& pipe, std::size_t bytes) {
  pipe.in_flight -= std::min(bytes, pipe.in_flight);
  if (auto sender = pipe.sender.lock()) {
    HostScope scope(*pipe.from);
    sender->on_delivered();
  }
}

void Network::bounce(const std::shared_ptr<Pipe>& pipe, SimTransport* receiver) {
  if (pipe->bounced || !pipe->to->is_up()) return;  // a machine without power answers nothing
  std::shared_ptr<Pipe> back;
  if (receiver != nullptr) {
    back = receiver->out_pipe();
  } else if (auto sender = pipe->sender.lock()) {
    back = sender->in_pipe();
  }
  if (!back) return;
  pipe->bounced = true;
  send(back, Segment::reset, {});
}

void SimTransport::on_delivered() { maybe_resume_protocol(); }

void SimTransport::resume_incoming() {
  if (in_ && in_->flow) network_->resume_delivery(in_);
}

bool SimTransport::has_unread_data() const noexcept {
  if (!pending_.empty()) return true;
  if (!in_ || !in_->flow) return false;
  // With flow control a paused reader leaves arrived segments in the pipe.
  const std::int64_t now = network_->event_loop().time_ns();
  for (const Segment& segment : in_->segments) {
    if (segment.arrival_ns > now) break;
    if (segment.kind == Segment::data) return true;
  }
  return false;
}

void SimTransport::drop_unsent() {
  if (!out_->flow) return;
  // Segments whose turn on the link had not come yet: they never leave this host.
  // (Their slots on the link stay taken; the link is idle then.)
  const std::int64_t now = network_->event_loop().time_ns();
  auto& segments = out_->segments;
  while (!segments.empty() && segments.back().kind == Segment::data && segments.back().departure_ns > now) {
    out_->in_flight -= std::min(segments.back().bytes.size(), out_->in_flight);
    segments.pop_back();
  }
}

}  // namespace asim::sim
