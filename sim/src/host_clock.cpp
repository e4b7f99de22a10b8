// SPDX-License-Identifier: MIT
// Host clocks: skew and drift per simulated host, set or drawn from the chooser. The
// loop core applies a host's clock (a detail::ClockFrame) to time(), call_later,
// call_at and sleep while the host's code runs; everything else stays in the loop's
// virtual time.
#include <asim/sim/network.hpp>

#include <asim/sim/sim_loop.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace asim::sim {

namespace {

std::string format_clock(const ClockOptions& clock) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "skew %+.9f s, drift %+.9f", clock.skew, clock.drift);
  return buffer;
}

// Answer 0: none; 1..9: +ladder(i); 10..18: -ladder(i - 9).
constexpr std::uint64_t signed_ladder_size = 2 * SimLoop::ladder_size - 1;

std::int64_t signed_ladder(std::int64_t max, std::uint64_t answer) noexcept {
  if (answer == 0) return 0;
  if (answer < SimLoop::ladder_size) return SimLoop::ladder_ns(max, answer);
  return -SimLoop::ladder_ns(max, answer - (SimLoop::ladder_size - 1));
}

}  // namespace

void Host::set_clock(const ClockOptions& clock) {
  if (!std::isfinite(clock.skew)) throw std::invalid_argument("host '" + name_ + "': clock skew must be finite");
  if (!(clock.drift > -1.0 && clock.drift <= 1.0)) {
    throw std::invalid_argument("host '" + name_ + "': clock drift must be in (-1, 1], got " +
                                std::to_string(clock.drift));
  }
  clock_ = clock;
  clock_frame_.skew_ns = asim::detail::seconds_to_ns(clock.skew, "skew");
  clock_frame_.drift_ppb = std::llround(clock.drift * 1e9);
  if (clock_frame_.drift_ppb <= -asim::detail::ClockFrame::ppb) clock_frame_.drift_ppb = 1 - asim::detail::ClockFrame::ppb;
  own_clock_ = clock_frame_.skew_ns != 0 || clock_frame_.drift_ppb != 0;
  if (own_clock_) network_->clocks_in_use_ = true;
  SimLoop& loop = network_->loop();
  if (loop.options().trace) loop.record_network("clock of " + name_ + ": " + format_clock(clock_));
  // Code of this host running now reads the new clock at once.
  if (network_->clocks_in_use_ && network_->current_host() == this) loop.set_clock_frame(clock_frame());
}

double Host::time() const noexcept {
  const std::int64_t now = network_->event_loop().time_ns();
  return static_cast<double>(own_clock_ ? clock_frame_.to_local(now) : now) / 1e9;
}

const asim::detail::ClockFrame* Network::clock_frame_for(const TaskBase& task) const noexcept {
  if (scope_host_ != nullptr) return scope_host_->clock_frame();
  const Host* host = host_of(task);
  return host != nullptr ? host->clock_frame() : nullptr;
}

void Network::choose_clock(std::string_view name, const ClockRange& range) {
  Host& host = require_host(name);
  if (!(range.max_skew >= 0) || !std::isfinite(range.max_skew)) {
    throw std::invalid_argument("ClockRange::max_skew must be a finite number of seconds >= 0");
  }
  if (!(range.max_drift >= 0 && range.max_drift < 1)) {
    throw std::invalid_argument("ClockRange::max_drift must be in [0, 1)");
  }
  if (!(range.probability >= 0 && range.probability <= 1)) {
    throw std::invalid_argument("ClockRange::probability must be in [0, 1]");
  }
  const bool labels = loop_->options().label_choices || loop_->options().trace;
  const std::uint32_t odds = chance(range.probability);
  ClockOptions clock;
  const std::int64_t max_skew_ns = asim::detail::seconds_to_ns(range.max_skew, "max_skew");
  if (max_skew_ns > 0 && odds != 0) {
    const std::uint64_t answer = loop_->choose(
        Choice{ChoiceKind::clock, signed_ladder_size, odds, labels ? "clock skew of " + host.name_ : std::string()});
    clock.skew = static_cast<double>(signed_ladder(max_skew_ns, answer)) / 1e9;
  }
  const auto max_drift_ppb = static_cast<std::int64_t>(std::llround(range.max_drift * 1e9));
  if (max_drift_ppb > 0 && odds != 0) {
    const std::uint64_t answer = loop_->choose(
        Choice{ChoiceKind::clock, signed_ladder_size, odds, labels ? "clock drift of " + host.name_ : std::string()});
    clock.drift = static_cast<double>(signed_ladder(max_drift_ppb, answer)) / 1e9;
  }
  host.set_clock(clock);
}

}  // namespace asim::sim
