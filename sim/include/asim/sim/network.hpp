// SPDX-License-Identifier: MIT
// asim::sim::Network: a simulated network of named hosts behind asyncio's stream API
// (open_connection, start_server, StreamReader/Writer, Server), with latency chosen by
// the loop's Chooser, partitions, host crashes and restarts.
#pragma once

#include <asim/detail/clock_frame.hpp>
#include <asim/network.hpp>
#include <asim/server.hpp>
#include <asim/task.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asim::sim {

class SimLoop;
class Network;
class SimTransport;
class SimDatagramTransport;
struct Pipe;

/// How long a segment takes between two hosts. Latency = base + extra, where extra is
/// a `net_latency` choice on SimLoop's ladder up to `max_extra_latency` (answer 0: no
/// extra, CPython on an idle machine), non-zero with `extra_latency_probability`.
struct LinkOptions {
  double base_latency = 0.0;
  double max_extra_latency = 0.001;
  double extra_latency_probability = 0.1;
  /// Datagrams only: the chance that one is lost (a `net_loss` choice) and that one is
  /// duplicated (a `net_duplicate` choice); each copy draws its own latency, so
  /// datagrams also arrive out of order.
  double datagram_loss_probability = 0.05;
  double datagram_duplicate_probability = 0.02;
  /// Bytes per second a link carries in each direction; 0 (the default) is the ideal
  /// link of before: writes never block and a paused reader's transport buffers what
  /// arrives. With a bandwidth, connections made from then on have flow control: a
  /// write is cut into segments of at most `max_segment_size` bytes, each occupies the
  /// link for size / bandwidth seconds behind every earlier segment of that direction
  /// (of any connection between the two hosts), and its bytes stay in the sender's
  /// write buffer until the receiving transport takes them, so drain() waits as on a
  /// socket; a receiver whose reading is paused leaves segments in flight. Loopback
  /// connections have no bandwidth limit but the same buffer accounting.
  /// Datagrams take their turn on the link too (no send buffer: sendto never blocks).
  double bandwidth = 0.0;
  std::size_t max_segment_size = 65536;
};

/// A host's clock against the simulation's virtual time t (the loop's own clock):
/// `loop.time()` on the host reads `skew + (1 + drift) * t` seconds, and the timers it
/// arms (call_later, call_at, sleep, wait_for, timeout) fire when its clock reaches
/// their deadline. drift 1e-4 is a clock 100 ppm fast; drift must be in (-1, 1].
struct ClockOptions {
  double skew = 0.0;
  double drift = 0.0;
};

/// The clocks Network::choose_clock draws: skew on SimLoop's ladder up to
/// +/- `max_skew` seconds, drift up to +/- `max_drift`, each non-zero with `probability`.
struct ClockRange {
  double max_skew = 0.5;
  double max_drift = 1e-3;
  double probability = 0.5;
};

/// How a host crashes (Network::crash).
enum class CrashMode : std::uint8_t {
  /// Its tasks are cancelled and run their handlers (except / finally) as the host
  /// goes down: a process killed gracefully.
  cancel,
  /// A power cut: its tasks vanish without running another line. Their coroutine
  /// frames are destroyed, so C++ destructors of locals still run (RAII guards
  /// release what they hold), but no CancelledError is raised in them and no catch or
  /// asim::finally block runs. Other hosts' tasks awaiting one see it cancelled.
  power_cut,
};

/// One simulated machine: a name, an address, its tasks, listeners and connections.
/// Code runs on a host through `spawn` (or inside a HostScope); tasks a host task
/// creates run on the same host.
class Host {
 public:
  Host(Network& network, std::string name, std::string address)
      : network_(&network), name_(std::move(name)), address_(std::move(address)) {}
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  /// False between crash() and restart().
  [[nodiscard]] bool is_up() const noexcept { return up_; }
  /// Crashes so far.
  [[nodiscard]] std::uint32_t crashes() const noexcept { return crashes_; }
  /// Tasks of this host not yet done.
  [[nodiscard]] std::size_t task_count() const noexcept { return tasks_.size(); }
  [[nodiscard]] Network& network() const noexcept { return *network_; }

  /// Runs `coro` as a task on this host (asyncio: loop.create_task, on this machine).
  template <class T>
  Task<T> spawn(Coro<T> coro, std::string name = {});

  /// The host's entry coroutine: started by start() and again by each restart.
  void set_entry(std::function<Coro<void>()> entry) { entry_ = std::move(entry); }
  /// Spawns the entry coroutine (named "<host>.main").
  void start();

  /// Sets the host's clock (std::invalid_argument for a non-finite skew or a drift
  /// outside (-1, 1]). Takes effect at once, also for the host's running tasks; timers
  /// armed before keep their deadline in virtual time.
  void set_clock(const ClockOptions& clock);
  [[nodiscard]] const ClockOptions& clock() const noexcept { return clock_; }
  /// What `loop.time()` reads on this host now (from anywhere).
  [[nodiscard]] double time() const noexcept;
  /// The host's clock as the loop core applies it; nullptr when it is the loop's own.
  [[nodiscard]] const asim::detail::ClockFrame* clock_frame() const noexcept {
    return own_clock_ ? &clock_frame_ : nullptr;
  }

 private:
  friend class Network;
  friend class SimTransport;
  friend class SimDatagramTransport;
  friend class HostScope;
  Network* network_;
  std::string name_;
  std::string address_;
  std::function<Coro<void>()> entry_;
  // Pending tasks in creation order (a crash cancels them in this order).
  std::vector<TaskBase*> tasks_;
  // Listening ports (weak: the Server owns its listeners).
  std::map<std::uint16_t, std::weak_ptr<Server>> servers_;
  // Connections in creation order (a crash resets them in this order).
  std::vector<std::weak_ptr<SimTransport>> connections_;
  // Bound datagram endpoints.
  std::map<std::uint16_t, std::weak_ptr<SimDatagramTransport>> datagram_ports_;
  std::uint16_t next_port_ = 40000;
  std::uint32_t crashes_ = 0;
  bool up_ = true;
  bool own_clock_ = false;
  ClockOptions clock_;
  asim::detail::ClockFrame clock_frame_;
};

/// While alive, code (and the tasks it creates) runs on `host`.
class HostScope {
 public:
  explicit HostScope(Host& host) noexcept;
  ~HostScope();
  HostScope(const HostScope&) = delete;
  HostScope& operator=(const HostScope&) = delete;

 private:
  Network* network_;
  Host* previous_;
  const asim::detail::ClockFrame* previous_frame_;
};

/// The simulated world of a SimLoop (`loop.network()`).
///
/// Ground rules:
/// - Names resolve per host: "localhost" / "127.0.0.1" / "0.0.0.0" / "" mean the
///   calling host; other names are host names or addresses. A listener on a port of a
///   host accepts connections to any of its addresses.
/// - Each segment (data, EOF, reset) of one direction of a connection arrives at
///   now + base + a chosen extra latency, never before an earlier segment of that
///   direction (TCP order). With zero latency a segment is a call_soon, which gives
///   CPython's event order over loopback.
/// - With `LinkOptions::bandwidth` 0 writes never block (drain returns at once). With a
///   bandwidth, bytes occupy the link in turn and count in the sender's write buffer
///   until the receiving transport takes them: above the high-water mark the protocol
///   is paused (drain() waits) until the buffer falls to the low one, as asyncio's
///   transports do; a reader paused above 2 x its limit takes nothing, so its peer's
///   drain() waits too. The receipt reaches the sender at once (no ACK latency).
/// - A partition holds segments (TCP retransmits) until healed; a connect across a
///   partition, or to a host that is down, retries SYNs at 1, 3, 7, 15, 31, 63 s and
///   then raises TimeoutError (ETIMEDOUT), as Linux does.
/// - Datagrams may be lost, duplicated and reordered (chosen); across a partition, to
///   a host that is down or to a port nobody bound they are dropped (a connected
///   sender hears ConnectionRefusedError through error_received for the latter).
/// - crash(host) cancels its tasks, closes its servers and resets its connections
///   (the peers' reads raise ConnectionResetError); restart(host) runs its entry again.
///   crash(host, CrashMode::power_cut) makes its tasks vanish instead: no handler runs,
///   only the destructors of their frames' locals; a task of another host awaiting one
///   gets CancelledError.
/// - Each host may have its own clock (Host::set_clock, Network::choose_clock):
///   `loop.time()` and the timers armed in the host's tasks and HostScopes follow it.
///   Plain callbacks (call_soon / call_later callables) read the loop's clock unless
///   they open a HostScope. Latency, traces, reports and limits stay in the loop's
///   virtual time (`loop.time_ns()`), the one global time of the simulation.
/// - Deadlock and limit reports name network waits by their connection:
///   "read on db1:7000 ← web1 (client end)", "drain on ...", "connect to db1:7000 ← web1",
///   "accept on db1:7000"; they are worked out when the report is built, so reads and
///   writes pay nothing for them.
/// - As on Linux: abort() sends a FIN, or a reset when received data was left unread;
///   data reaching a closed end is answered with a reset (by a host that is up), which
///   the sender hears at its next recv, or at its next send when it no longer reads
///   (BrokenPipeError after the peer's FIN); a refused connect fails when the reset
///   comes back (one SYN and one RST latency), never inside the call.
class Network final : public asim::Network {
  friend class Host;

 public:
  explicit Network(SimLoop& loop) noexcept;
  ~Network() override;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Adds a host; `address` defaults to 10.0.0.N (N = 1, 2, ... in order of addition).
  /// std::invalid_argument for a name or address already taken.
  Host& add_host(std::string name, std::string address = {});
  /// The host named (or addressed) `name`; std::invalid_argument naming the hosts
  /// when there is none.
  [[nodiscard]] Host& host(std::string_view name);
  [[nodiscard]] Host* find_host(std::string_view name_or_address) noexcept;
  /// The host `task` runs on (nullptr: none).
  [[nodiscard]] const Host* host_of(const TaskBase& task) const noexcept {
    auto found = task_hosts_.find(&task);
    return found != task_hosts_.end() ? found->second : nullptr;
  }
  /// Lines naming the segments a partition holds ("" when none), for deadlock reports.
  [[nodiscard]] std::string describe_held() const;
  /// The host the running code is on (nullptr: none).
  [[nodiscard]] Host* current_host() const noexcept;
  [[nodiscard]] std::size_t host_count() const noexcept { return hosts_.size(); }

  void set_link_options(const LinkOptions& options) noexcept { link_ = options; }
  [[nodiscard]] const LinkOptions& link_options() const noexcept { return link_; }

  /// Cuts the links from every host of `from` to every host of `to` (and back unless
  /// `one_way`). Unknown host names: std::invalid_argument.
  void partition(const std::vector<std::string>& from, const std::vector<std::string>& to, bool one_way = false);
  /// Restores every link; held segments leave at once.
  void heal();
  /// Whether segments from `from` reach `to` now.
  [[nodiscard]] bool reachable(const Host& from, const Host& to) const noexcept;

  /// Crashes `name`: cancels its tasks (in creation order), closes its servers, resets
  /// its connections. The host stays down until restart(). With CrashMode::power_cut
  /// its tasks vanish instead of being cancelled (see CrashMode); a task of the host
  /// that calls it vanishes when its current step ends.
  void crash(std::string_view name, CrashMode mode = CrashMode::cancel);
  /// Brings `name` up again and spawns its entry coroutine, if it has one.
  void restart(std::string_view name);

  /// Lets the chooser crash `name` just before a segment or connection reaches it (a
  /// `crash` choice per arrival, non-zero with `probability`; answer 0: no crash); a
  /// crashed host restarts `restart_after` seconds later (negative: never). A sweep
  /// then explores crash points and shrinks a failure to the crash that caused it.
  void enable_crashes(std::string_view name, double probability = 0.02, double restart_after = 1.0,
                      CrashMode mode = CrashMode::cancel);

  /// Draws `name`'s clock from the chooser now: a `clock` choice for its skew and one
  /// for its drift, labelled "clock skew of <host>" / "clock drift of <host>" (answer
  /// 0: the loop's own clock). Switched off with SimOptions::choose_network.
  void choose_clock(std::string_view name, const ClockRange& range = {});

  /// Whether some host has its own clock (the loop then sets clock frames per step).
  [[nodiscard]] bool clocks_in_use() const noexcept { return clocks_in_use_; }
  /// The clock frame for a step of `task` / for code outside a task step.
  [[nodiscard]] const asim::detail::ClockFrame* clock_frame_for(const TaskBase& task) const noexcept;
  [[nodiscard]] const asim::detail::ClockFrame* clock_frame_outside_steps() const noexcept {
    return scope_host_ != nullptr ? scope_host_->clock_frame() : nullptr;
  }
  /// A task that power-cut its own host vanishes when its step ends.
  void on_task_step_end(TaskBase& task) noexcept;
  /// What `future` is in the simulated network, when a pending task awaits it ("read
  /// on db1:7000 ← web1 (client end)"); "" when it is nothing of the network's.
  [[nodiscard]] std::string describe_wait(const FutureBase& future) const;

  /// Transports (stream ends and datagram endpoints) and pipes (directions of a
  /// connection, with what is in flight) that exist now: back to 0 once every
  /// connection is closed, reset or crashed and its callbacks ran, or something leaks.
  [[nodiscard]] std::size_t live_transports() const noexcept { return live_ ? live_->transports : 0; }
  [[nodiscard]] std::size_t live_pipes() const noexcept { return live_ ? live_->pipes : 0; }
  /// The counts above, shared with the objects counted (which may outlive the network).
  struct LiveCounts {
    std::size_t transports = 0;
    std::size_t pipes = 0;
  };
  [[nodiscard]] std::shared_ptr<LiveCounts> live_counts();

  /// Segments delivered, and connections made, so far.
  [[nodiscard]] std::uint64_t segments_delivered() const noexcept { return delivered_; }
  [[nodiscard]] std::uint64_t connections_made() const noexcept { return next_connection_id_; }

  // asim::Network
  Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
      EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
      ConnectOptions options) override;
  Coro<std::vector<std::unique_ptr<Listener>>> create_listeners(EventLoop& loop, std::string host,
                                                                std::uint16_t port, ServerOptions options) override;
  Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
      EventLoop& loop, DatagramProtocolFactory protocol_factory, DatagramOptions options) override;

  // Called by SimLoop's instrument hooks.
  void on_task_created(const TaskBase& task, const TaskBase* creator) noexcept;
  /// Cancels a task just created on a host that is down (SimLoop calls it once the
  /// trace knows the task).
  void cancel_if_host_down(const TaskBase& task) noexcept;
  void on_future_done(const FutureBase& future) noexcept;

  // Used by transports, listeners and HostScope.
  [[nodiscard]] SimLoop& loop() const noexcept { return *loop_; }
  [[nodiscard]] EventLoop& event_loop() const noexcept { return *events_; }
  /// Queues a segment that leaves at `departure_ns` (-1: now) and arrives after its latency.
  void send(const std::shared_ptr<Pipe>& pipe, int kind, std::string data, std::int64_t departure_ns = -1);
  /// Flow control: cuts `data` into segments that occupy the link in turn and sends them.
  void transmit(const std::shared_ptr<Pipe>& pipe, std::string_view data);
  /// When a datagram of `bytes` sent now leaves `from` for `to` (now without a bandwidth).
  [[nodiscard]] std::int64_t depart_datagram(const Host& from, const Host& to, std::size_t bytes);
  /// Flow control: the receiver of `pipe` reads again; deliver what waits.
  void resume_delivery(const std::shared_ptr<Pipe>& pipe);
  void listen(Host& host, std::uint16_t port, const std::shared_ptr<Server>& server);
  void unlisten(Host& host, std::uint16_t port) noexcept;
  [[nodiscard]] std::uint64_t next_connection_id() noexcept { return next_connection_id_++; }
  void send_datagram(SimDatagramTransport& sender, const SocketAddress& target, std::string data);
  void unbind_datagram(Host& host, std::uint16_t port, const SimDatagramTransport* endpoint) noexcept;
  /// Datagrams sent, lost and duplicated so far.
  [[nodiscard]] std::uint64_t datagrams_sent() const noexcept { return datagrams_sent_; }
  [[nodiscard]] std::uint64_t datagrams_lost() const noexcept { return datagrams_lost_; }
  [[nodiscard]] std::uint64_t datagrams_duplicated() const noexcept { return datagrams_duplicated_; }

 private:
  friend class HostScope;
  /// The host for a name as seen from `from` (nullptr: unknown).
  [[nodiscard]] Host* resolve(const Host& from, std::string_view name) noexcept;
  [[nodiscard]] Host& require_host(std::string_view name);
  static constexpr std::uint64_t no_connection = ~std::uint64_t{0};
  [[nodiscard]] std::int64_t latency_ns(const Host& from, const Host& to, std::uint64_t connection, const char* what);
  void arm(const std::shared_ptr<Pipe>& pipe);
  [[nodiscard]] static std::string describe(const Pipe& pipe, int kind, std::size_t bytes);
  void deliver(const std::shared_ptr<Pipe>& pipe);
  /// Data reached a closed end (`receiver`, null when it is gone): a host that is up
  /// answers with a reset, once per direction (the sender's next send fails).
  void bounce(const std::shared_ptr<Pipe>& pipe, SimTransport* receiver);
  /// Flow control: a data segment of `bytes` reached the receiver of `pipe`.
  static void landed(Pipe& pipe, std::size_t bytes);
  /// How long `bytes` occupy a link of the configured bandwidth.
  [[nodiscard]] std::int64_t occupancy_ns(std::size_t bytes) const noexcept;
  static Coro<void> accept(EventLoop& loop, std::shared_ptr<SimTransport> transport);

  SimLoop* loop_;
  EventLoop* events_;
  std::vector<std::unique_ptr<Host>> hosts_;
  Host* scope_host_ = nullptr;
  // The host of each pending task (looked up, never iterated).
  std::map<const FutureBase*, Host*> task_hosts_;
  // Cut links, as (from, to).
  std::vector<std::pair<const Host*, const Host*>> cut_;
  // Pipes with segments held by a partition, in the order they were held.
  std::vector<std::weak_ptr<Pipe>> held_;
  LinkOptions link_;
  // When each directed link (from, to) is free again (bandwidth only); looked up, never iterated.
  std::map<std::pair<const Host*, const Host*>, std::int64_t> link_free_ns_;
  std::shared_ptr<LiveCounts> live_;
  std::uint64_t next_connection_id_ = 0;
  std::uint64_t delivered_ = 0;
  // Hosts the chooser may crash, with each one's chance and restart delay.
  struct CrashPlan {
    Host* host = nullptr;
    std::uint32_t chance = 0;
    double restart_after = 1.0;
    CrashMode mode = CrashMode::cancel;
  };
  // Makes the host's tasks vanish (power cut); the running one at its step's end.
  void vanish_tasks(Host& host);
  TaskBase* vanish_after_step_ = nullptr;
  bool clocks_in_use_ = false;
  // Connects waiting for their SYN-ACK, for reports.
  struct PendingConnect {
    const FutureBase* future = nullptr;
    const Host* client = nullptr;
    const Host* server = nullptr;
    std::uint16_t port = 0;
  };
  std::vector<PendingConnect> connecting_;
  void forget_connect(const FutureBase& future) noexcept;
  std::vector<CrashPlan> crash_plans_;
  /// Asks the chooser whether `host` crashes now (before `what` reaches it).
  bool maybe_crash(Host& host, const std::string& what);
  std::uint64_t datagrams_sent_ = 0;
  std::uint64_t datagrams_lost_ = 0;
  std::uint64_t datagrams_duplicated_ = 0;
};

template <class T>
Task<T> Host::spawn(Coro<T> coro, std::string name) {
  HostScope scope(*this);
  return network_->event_loop().create_task(std::move(coro), std::move(name));
}

}  // namespace asim::sim
