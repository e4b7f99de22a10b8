// SPDX-License-Identifier: MIT
// The simulated network: hosts, name resolution, connections, listeners, latency,
// partitions, crashes. The transport lives in network_transport.hpp.
#include <asim/sim/network.hpp>

#include <asim/sim/sim_loop.hpp>
#include <asim/sleep.hpp>
#include <asim/streams_errors.hpp>

#include "network_datagram.hpp"
#include "network_transport.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace asim::sim {

// -- hosts ---------------------------------------------------------------------

void Host::start() {
  if (!entry_) throw std::invalid_argument("host '" + name_ + "' has no entry coroutine");
  spawn(entry_(), name_ + ".main");
}

HostScope::HostScope(Host& host) noexcept
    : network_(host.network_),
      previous_(host.network_->scope_host_),
      previous_frame_(host.network_->events_->clock_frame()) {
  network_->scope_host_ = &host;
  if (network_->clocks_in_use_) network_->events_->set_clock_frame(host.clock_frame());
}

HostScope::~HostScope() {
  network_->scope_host_ = previous_;
  network_->events_->set_clock_frame(previous_frame_);
}

Network::Network(SimLoop& loop) noexcept : loop_(&loop), events_(&loop) {}

Network::~Network() = default;

Host& Network::add_host(std::string name, std::string address) {
  if (address.empty()) address = "10.0.0." + std::to_string(hosts_.size() + 1);
  if (name.empty()) throw std::invalid_argument("a host needs a name");
  for (const auto& host : hosts_) {
    if (host->name_ == name || host->address_ == name) {
      throw std::invalid_argument("a host named '" + name + "' exists already");
    }
    if (host->address_ == address || host->name_ == address) {
      throw std::invalid_argument("address " + address + " is taken by host '" + host->name_ + "'");
    }
  }
  hosts_.push_back(std::make_unique<Host>(*this, std::move(name), std::move(address)));
  return *hosts_.back();
}

Host* Network::find_host(std::string_view name_or_address) noexcept {
  for (const auto& host : hosts_) {
    if (host->name_ == name_or_address || host->address_ == name_or_address) return host.get();
  }
  return nullptr;
}

Host& Network::require_host(std::string_view name) {
  if (Host* found = find_host(name)) return *found;
  std::string known;
  for (const auto& host : hosts_) known += (known.empty() ? "" : ", ") + host->name_;
  throw std::invalid_argument("no host named '" + std::string(name) + "' in the simulated network (hosts: " +
                              (known.empty() ? std::string("none") : known) + ")");
}

Host& Network::host(std::string_view name) { return require_host(name); }

Host* Network::current_host() const noexcept {
  if (scope_host_ != nullptr) return scope_host_;
  const TaskBase* task = events_->current_task();
  if (task == nullptr) return nullptr;
  auto found = task_hosts_.find(task);
  return found != task_hosts_.end() ? found->second : nullptr;
}

namespace {
const std::string loopback = "127.0.0.1";

// Adds a connection to a host's list, first dropping the ended ones when the list is
// about to grow (amortised: the list stays within twice the live connections).
void remember(std::vector<std::weak_ptr<SimTransport>>& connections, const std::shared_ptr<SimTransport>& transport) {
  if (connections.size() == connections.capacity()) {
    std::erase_if(connections, [](const std::weak_ptr<SimTransport>& weak) { return weak.expired(); });
  }
  connections.push_back(transport);
}

bool is_local_name(std::string_view name) noexcept {
  return name.empty() || name == "localhost" || name == "127.0.0.1" || name == "0.0.0.0" || name == "::1" ||
         name == "::";
}
}  // namespace

Host* Network::resolve(const Host& from, std::string_view name) noexcept {
  if (is_local_name(name)) return const_cast<Host*>(&from);
  return find_host(name);
}

void Network::on_task_created(const TaskBase& task, const TaskBase* creator) noexcept {
  Host* host = scope_host_;
  if (host == nullptr && creator != nullptr) {
    auto found = task_hosts_.find(creator);
    if (found != task_hosts_.end()) host = found->second;
  }
  if (host == nullptr) return;
  try {
    task_hosts_.emplace(&task, host);
    host->tasks_.push_back(const_cast<TaskBase*>(&task));
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept hook
  }
}

void Network::cancel_if_host_down(const TaskBase& task) noexcept {
  // A callback queued before a crash may still create a task on the host: it is
  // cancelled before its first step, so none of its code runs on a machine that is down.
  auto found = task_hosts_.find(&task);
  if (found == task_hosts_.end() || found->second->up_) return;
  try {
    const_cast<TaskBase&>(task).cancel("host " + found->second->name_ + " is down");
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept hook
  }
}

void Network::on_future_done(const FutureBase& future) noexcept {
  if (task_hosts_.empty()) return;
  auto found = task_hosts_.find(&future);
  if (found == task_hosts_.end()) return;
  auto& tasks = found->second->tasks_;
  tasks.erase(std::remove(tasks.begin(), tasks.end(), &future), tasks.end());
  task_hosts_.erase(found);  // the address may be reused by a later task
}

// -- links ---------------------------------------------------------------------

void Network::partition(const std::vector<std::string>& from, const std::vector<std::string>& to, bool one_way) {
  std::vector<const Host*> sources;
  std::vector<const Host*> targets;
  for (const std::string& name : from) sources.push_back(&require_host(name));
  for (const std::string& name : to) targets.push_back(&require_host(name));
  auto cut = [this](const Host* a, const Host* b) {
    if (a == b) return;
    if (std::find(cut_.begin(), cut_.end(), std::make_pair(a, b)) == cut_.end()) cut_.emplace_back(a, b);
  };
  if (loop_->options().trace) {
    std::string detail = "partition";
    for (const Host* a : sources) detail += " " + a->name_;
    detail += one_way ? " -/-> " : " <-/-> ";
    for (const Host* b : targets) detail += b->name_ + " ";
    loop_->record_network(std::move(detail));
  }
  for (const Host* a : sources) {
    for (const Host* b : targets) {
      cut(a, b);
      if (!one_way) cut(b, a);
    }
  }
}

void Network::heal() {
  if (loop_->options().trace) loop_->record_network("heal: every link restored");
  cut_.clear();
  std::vector<std::weak_ptr<Pipe>> held = std::move(held_);
  held_.clear();
  for (const auto& weak : held) {
    if (auto pipe = weak.lock()) {
      pipe->held = false;
      if (!pipe->armed && !pipe->segments.empty()) arm(pipe);
    }
  }
}

std::string Network::describe_held() const {
  std::string out;
  for (const auto& weak : held_) {
    auto pipe = weak.lock();
    if (!pipe || pipe->segments.empty()) continue;
    const Segment& head = pipe->segments.front();
    out += "\n  held by a partition: " + describe(*pipe, head.kind, head.bytes.size());
    if (pipe->segments.size() > 1) out += " (+" + std::to_string(pipe->segments.size() - 1) + " more)";
  }
  return out.empty() ? out : "\nsimulated network:" + out;
}

bool Network::reachable(const Host& from, const Host& to) const noexcept {
  if (!from.up_ || !to.up_) return false;
  return std::find(cut_.begin(), cut_.end(), std::make_pair(&from, &to)) == cut_.end();
}

std::int64_t Network::latency_ns(const Host& from, const Host& to, std::uint64_t connection, const char* what) {
  std::int64_t base = static_cast<std::int64_t>(link_.base_latency * 1e9);
  if (base < 0) base = 0;
  if (&from == &to) base = 0;  // loopback
  const auto max_extra = static_cast<std::int64_t>(link_.max_extra_latency * 1e9);
  if (max_extra <= 0) return base;
  const bool labels = loop_->options().label_choices || loop_->options().trace;
  std::string label;
  if (labels) {
    label = std::string("latency of ") + what + " " + from.name_ + " -> " + to.name_;
    if (connection != no_connection) label += " (connection " + std::to_string(connection) + ")";
  }
  const std::uint64_t rung = loop_->choose(
      Choice{ChoiceKind::net_latency, SimLoop::ladder_size, chance(link_.extra_latency_probability), label});
  return base + SimLoop::ladder_ns(max_extra, rung);
}

std::string Network::describe(const Pipe& pipe, int kind, std::size_t bytes) {
  static constexpr const char* kinds[] = {"data", "EOF", "reset"};
  std::string out = std::string(kinds[kind]);
  if (kind == Segment::data) out += " (" + std::to_string(bytes) + " B)";
  return out + " " + pipe.from->name_ + " -> " + pipe.to->name_ + " on connection " +
         std::to_string(pipe.connection);
}

void Network::send(const std::shared_ptr<Pipe>& pipe, int kind, std::string data, std::int64_t departure_ns) {
  static constexpr const char* kinds[] = {"data", "eof", "reset"};
  const std::int64_t departure = departure_ns < 0 ? events_->time_ns() : departure_ns;
  std::int64_t arrival = departure + latency_ns(*pipe->from, *pipe->to, pipe->connection, kinds[kind]);
  if (!pipe->segments.empty() && pipe->segments.back().arrival_ns > arrival) {
    arrival = pipe->segments.back().arrival_ns;  // TCP: never overtakes an earlier segment
  }
  if (loop_->options().trace) {
    loop_->record_network(describe(*pipe, kind, data.size()) + " sent, arrives at " +
                          std::to_string(double(arrival) * 1e-9));
  }
  pipe->segments.push_back(Segment{static_cast<Segment::Kind>(kind), std::move(data), arrival, departure});
  if (!pipe->armed && !pipe->held) arm(pipe);
}

void Network::arm(const std::shared_ptr<Pipe>& pipe) {
  pipe->armed = true;
  const std::int64_t when = pipe->segments.front().arrival_ns;
  auto fire = [this, pipe] { deliver(pipe); };
  if (when <= events_->time_ns()) {
    events_->call_soon(std::move(fire));
  } else {
    events_->call_at_ns(when, std::move(fire));
  }
}

void Network::deliver(const std::shared_ptr<Pipe>& pipe) {
  pipe->armed = false;
  const std::int64_t now = events_->time_ns();
  while (!pipe->segments.empty() && pipe->segments.front().arrival_ns <= now) {
    if (!reachable(*pipe->from, *pipe->to) && pipe->from->up_ && pipe->to->up_) {
      // Partitioned: TCP retransmits until the link heals.
      if (!pipe->held) {
        pipe->held = true;
        held_.push_back(pipe);
        if (loop_->options().trace) {
          const Segment& head = pipe->segments.front();
          loop_->record_network(describe(*pipe, head.kind, head.bytes.size()) + " held by a partition");
        }
      }
      return;
    }
    if (pipe->flow) {
      // A paused reader takes nothing: the segments stay in flight until resume_reading.
      auto receiver = pipe->receiver.lock();
      if (receiver && receiver->holds_segments()) return;
    }
    if (!crash_plans_.empty()) {
      const Segment& head = pipe->segments.front();
      if (maybe_crash(*pipe->to, describe(*pipe, head.kind, head.bytes.size()))) continue;  // now dropped
    }
    Segment segment = std::move(pipe->segments.front());
    pipe->segments.pop_front();
    ++delivered_;
    if (loop_->options().trace) {
      loop_->record_network(describe(*pipe, segment.kind, segment.bytes.size()) +
                            (pipe->receiver.expired() ? " dropped (connection gone)" : " delivered"));
    }
    auto receiver = pipe->receiver.lock();
    if (receiver && !receiver->is_gone()) {
      HostScope scope(*pipe->to);
      receiver->receive(segment);
    } else if (segment.kind == Segment::data) {
      bounce(pipe, receiver.get());
    }
    if (pipe->flow && segment.kind == Segment::data) landed(*pipe, segment.bytes.size());
  }
  // A callback above may have sent on this pipe and armed it already.
  if (!pipe->segments.empty() && !pipe->armed) arm(pipe);
}

// -- connections and listeners ---------------------------------------------------

Coro<void> Network::accept(EventLoop& loop, std::shared_ptr<SimTransport> transport) {
  Future<void> waiter = loop.create_future<void>();
  transport->start(waiter);
  co_await waiter;
}

Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> Network::create_connection(
    EventLoop& loop, ProtocolFactory protocol_factory, std::string host, std::uint16_t port,
    ConnectOptions /*options*/) {
  Host* client_host = current_host();
  if (client_host == nullptr) {
    throw RuntimeError("open_connection('" + host + "', " + std::to_string(port) +
                       ") outside any host: run the code with Host::spawn or in a HostScope");
  }
  Host* server_host = resolve(*client_host, host);
  if (server_host == nullptr) throw GaiError(-2, "Name or service not known");
  // Over loopback both ends are 127.0.0.1, as on a real machine.
  const std::string& client_ip = is_local_name(host) ? loopback : client_host->address_;
  const std::string& server_ip = is_local_name(host) ? loopback : server_host->address_;
  const std::string failed = "Connect call failed ('" + server_ip + "', " + std::to_string(port) + ")";
  // SYN retransmissions while the path is cut or the server is down (Linux: 1 s, then doubling, 6 retries).
  double backoff = 1.0;
  for (int attempt = 0; !(reachable(*client_host, *server_host) && reachable(*server_host, *client_host));
       ++attempt) {
    if (attempt == 6) throw OSError(ETIMEDOUT, failed);
    co_await asim::sleep(backoff);
    backoff *= 2;
  }
  auto found = server_host->servers_.find(port);
  std::shared_ptr<Server> server = found == server_host->servers_.end() ? nullptr : found->second.lock();
  if (!server || !server->is_serving()) {
    // The SYN meets a closed port and a reset comes back: the connect fails when the
    // reset arrives, as asyncio learns it from the poller (never inside the call).
    const std::int64_t rtt = latency_ns(*client_host, *server_host, no_connection, "SYN") +
                             latency_ns(*server_host, *client_host, no_connection, "RST");
    Future<void> reset = loop.create_future<void>();
    auto refuse = [reset]() mutable {
      if (!reset.done()) reset.set_result();
    };
    if (rtt == 0) {
      loop.call_soon(std::move(refuse));
    } else {
      loop.call_at_ns(loop.time_ns() + rtt, std::move(refuse));
    }
    co_await reset;
    throw ConnectionRefusedError(ECONNREFUSED, failed);
  }

  const std::uint64_t id = next_connection_id();
  if (loop_->options().trace) {
    loop_->record_network("connect " + client_host->name_ + " -> " + server_host->name_ + ":" + std::to_string(port) +
                          " as connection " + std::to_string(id));
  }
  const std::uint16_t client_port = client_host->next_port_++;
  const SocketAddress client_address{client_ip, client_port, SocketAddress::Family::ipv4};
  const SocketAddress server_address{server_ip, port, SocketAddress::Family::ipv4};
  std::shared_ptr<Protocol> protocol = protocol_factory();
  auto client = std::make_shared<SimTransport>(*this, *client_host, *server_host, id, protocol, nullptr,
                                               client_address, server_address);
  auto accepted = std::make_shared<SimTransport>(*this, *server_host, *client_host, id,
                                                 server->protocol_factory()(), server, server_address,
                                                 client_address);
  SimTransport::connect(client, accepted);
  remember(client_host->connections_, client);
  remember(server_host->connections_, accepted);

  // The SYN reaches the server (its accept starts the server side in a task, as
  // _accept_connection2), then the SYN-ACK reaches the client. With zero latency both
  // happen in one iteration, as one poll reports them over loopback.
  const std::int64_t syn = latency_ns(*client_host, *server_host, id, "SYN");
  const std::int64_t syn_ack = latency_ns(*server_host, *client_host, id, "SYN-ACK");
  Future<void> connected = loop.create_future<void>();
  EventLoop* loop_ptr = &loop;
  Host* server_ptr = server_host;
  auto do_accept = [this, loop_ptr, accepted, server_ptr, id] {
    if (!crash_plans_.empty() && maybe_crash(*server_ptr, "the SYN of connection " + std::to_string(id))) return;
    if (!server_ptr->up_) return;  // crashed meanwhile: the reset reaches the client
    HostScope scope(*server_ptr);
    loop_ptr->create_task(accept(*loop_ptr, accepted));
  };
  auto do_connected = [connected]() mutable {
    if (!connected.done()) connected.set_result();
  };
  const std::int64_t now = loop.time_ns();
  if (syn == 0) {
    loop.call_soon(std::move(do_accept));
  } else {
    loop.call_at_ns(now + syn, std::move(do_accept));
  }
  if (syn + syn_ack == 0) {
    loop.call_soon(std::move(do_connected));
  } else {
    loop.call_at_ns(now + syn + syn_ack, std::move(do_connected));
  }
  {
    // Listed while it waits, so that reports can name the wait (network_waits.cpp); the
    // guard also unlists it when the frame is destroyed (a power cut, loop teardown).
    struct Listed {
      Network* network;
      const FutureBase* future;
      ~Listed() { network->forget_connect(*future); }
    } listed{this, &connected.base()};
    connecting_.push_back(PendingConnect{&connected.base(), client_host, server_host, port});
    try {
      co_await connected;
    } catch (...) {
      client->discard();
      throw;
    }
  }
  Future<void> waiter = loop.create_future<void>();
  client->start(waiter);
  try {
    co_await waiter;
  } catch (...) {
    client->close();
    throw;
  }
  co_return std::make_pair(std::shared_ptr<Transport>(client), std::move(protocol));
}

/// A listening port of a simulated host.
class SimListener final : public Listener {
 public:
  SimListener(Network& network, Host& host, SocketAddress address)
      : network_(&network), host_(&host), address_(std::move(address)) {}
  ~SimListener() override { SimListener::close(); }
  void start_serving(const std::shared_ptr<Server>& server) override {
    network_->listen(*host_, address_.port, server);
    listening_ = true;
  }
  void close() noexcept override {
    if (listening_) network_->unlisten(*host_, address_.port);
    listening_ = false;
  }
  [[nodiscard]] SocketAddress sockname() const override { return address_; }

 private:
  Network* network_;
  Host* host_;
  SocketAddress address_;
  bool listening_ = false;
};

void Network::listen(Host& host, std::uint16_t port, const std::shared_ptr<Server>& server) {
  host.servers_[port] = server;
}

void Network::unlisten(Host& host, std::uint16_t port) noexcept { host.servers_.erase(port); }

Coro<std::vector<std::unique_ptr<Listener>>> Network::create_listeners(EventLoop& /*loop*/, std::string host,
                                                                       std::uint16_t port,
                                                                       ServerOptions /*options*/) {
  Host* on = current_host();
  if (on == nullptr) {
    throw RuntimeError("start_server on port " + std::to_string(port) +
                       " outside any host: run the code with Host::spawn or in a HostScope");
  }
  Host* bound = resolve(*on, host);
  if (bound != on) {
    // asyncio: bind() to an address the machine does not have.
    throw OSError(EADDRNOTAVAIL, "error while attempting to bind on address ('" + host + "', " +
                                     std::to_string(port) + "): cannot assign requested address");
  }
  if (port == 0) {
    while (on->servers_.count(on->next_port_) != 0) ++on->next_port_;
    port = on->next_port_++;
  } else if (auto found = on->servers_.find(port); found != on->servers_.end() && !found->second.expired()) {
    throw OSError(EADDRINUSE, "error while attempting to bind on address ('" + host + "', " + std::to_string(port) +
                                  "): address already in use");
  }
  std::vector<std::unique_ptr<Listener>> listeners;
  listeners.push_back(std::make_unique<SimListener>(
      *this, *on, SocketAddress{host.empty() ? "0.0.0.0" : host, port, SocketAddress::Family::ipv4}));
  co_return listeners;
}

// asyncio: BaseEventLoop.create_datagram_endpoint
Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>>
Network::create_datagram_endpoint(EventLoop& loop, DatagramProtocolFactory protocol_factory,
                                  DatagramOptions options) {
  if (!options.local_addr && !options.remote_addr) {
    throw ValueError("unexpected address family");  // asyncio, when neither address nor family is given
  }
  Host* on = current_host();
  if (on == nullptr) {
    throw RuntimeError("create_datagram_endpoint outside any host: run the code with Host::spawn or in a HostScope");
  }
  std::string local_ip = on->address_;
  std::uint16_t port = 0;
  if (options.local_addr) {
    Host* bound = resolve(*on, options.local_addr->host);
    if (bound != on) {
      throw OSError(EADDRNOTAVAIL, "[Errno 99] Cannot assign requested address");
    }
    if (options.local_addr->host == loopback) local_ip = loopback;
    port = options.local_addr->port;
  }
  std::optional<SocketAddress> remote;
  Host* remote_host = nullptr;
  if (options.remote_addr) {
    remote_host = resolve(*on, options.remote_addr->host);
    if (remote_host == nullptr) throw GaiError(-2, "Name or service not known");
    remote = SocketAddress{is_local_name(options.remote_addr->host) ? loopback : remote_host->address_,
                           options.remote_addr->port, SocketAddress::Family::ipv4};
    if (is_local_name(options.remote_addr->host)) local_ip = loopback;
  }
  if (port == 0) {
    while (on->datagram_ports_.count(on->next_port_) != 0) ++on->next_port_;
    port = on->next_port_++;
  } else if (auto found = on->datagram_ports_.find(port);
             found != on->datagram_ports_.end() && !found->second.expired()) {
    throw OSError(EADDRINUSE, "[Errno 98] Address already in use");
  }
  std::shared_ptr<DatagramProtocol> protocol = protocol_factory();
  auto transport = std::make_shared<SimDatagramTransport>(
      *this, *on, protocol, SocketAddress{local_ip, port, SocketAddress::Family::ipv4}, remote, remote_host);
  on->datagram_ports_[port] = transport;
  Future<void> waiter = loop.create_future<void>();
  transport->start(waiter);
  try {
    co_await waiter;
  } catch (...) {
    transport->close();
    throw;
  }
  co_return std::make_pair(std::shared_ptr<DatagramTransport>(transport), std::move(protocol));
}

void Network::unbind_datagram(Host& host, std::uint16_t port, const SimDatagramTransport* endpoint) noexcept {
  auto found = host.datagram_ports_.find(port);
  if (found == host.datagram_ports_.end()) return;
  auto bound = found->second.lock();
  if (!bound || bound.get() == endpoint) host.datagram_ports_.erase(found);
}

void Network::send_datagram(SimDatagramTransport& sender, const SocketAddress& target, std::string data) {
  Host& from = sender.host();
  Host* to = resolve(from, target.host);
  if (to == nullptr) throw GaiError(-2, "Name or service not known");
  ++datagrams_sent_;
  const bool trace = loop_->options().trace;
  const bool labels = loop_->options().label_choices || trace;
  const std::string what = labels ? "datagram (" + std::to_string(data.size()) + " B) " + from.name_ + ":" +
                                        std::to_string(sender.sockname().port) + " -> " + to->name_ + ":" +
                                        std::to_string(target.port)
                                  : std::string();
  if (link_.datagram_loss_probability > 0 &&
      loop_->choose(Choice{ChoiceKind::net_loss, 2, chance(link_.datagram_loss_probability),
                           labels ? "loss of " + what : std::string()}) != 0) {
    ++datagrams_lost_;
    if (trace) loop_->record_network(what + " lost");
    return;
  }
  int copies = 1;
  if (link_.datagram_duplicate_probability > 0 &&
      loop_->choose(Choice{ChoiceKind::net_duplicate, 2, chance(link_.datagram_duplicate_probability),
                           labels ? "duplication of " + what : std::string()}) != 0) {
    ++datagrams_duplicated_;
    copies = 2;
  }
  const SocketAddress source{is_local_name(target.host) ? loopback : from.address_, sender.sockname().port,
                             SocketAddress::Family::ipv4};
  std::weak_ptr<SimDatagramTransport> weak_sender = sender.shared_from_this();
  auto payload = std::make_shared<const std::string>(std::move(data));
  // With a bandwidth the datagram takes its turn on the link (the copies travel as one).
  const std::int64_t departure = depart_datagram(from, *to, payload->size());
  for (int copy = 0; copy < copies; ++copy) {
    const std::int64_t delay = latency_ns(from, *to, no_connection, "datagram");
    if (trace) loop_->record_network(what + (copy == 0 ? " sent" : " duplicated") + ", arrives at " +
                                     std::to_string(double(departure + delay) * 1e-9));
    Host* from_ptr = &from;
    const std::uint16_t port = target.port;
    auto arrive = [this, from_ptr, to, port, source, payload, weak_sender, what] {
      if (!reachable(*from_ptr, *to)) {
        if (loop_->options().trace) loop_->record_network(what + " dropped (unreachable)");
        return;
      }
      auto found = to->datagram_ports_.find(port);
      std::shared_ptr<SimDatagramTransport> receiver =
          found == to->datagram_ports_.end() ? nullptr : found->second.lock();
      if (!receiver) {
        if (loop_->options().trace) loop_->record_network(what + " dropped (port unreachable)");
        if (auto back = weak_sender.lock()) {
          HostScope scope(back->host());
          back->unreachable();
        }
        return;
      }
      ++delivered_;
      if (loop_->options().trace) loop_->record_network(what + " delivered");
      HostScope scope(*to);
      receiver->receive(*payload, source, *from_ptr);
    };
    if (departure + delay <= events_->time_ns()) {
      events_->call_soon(std::move(arrive));
    } else {
      events_->call_at_ns(departure + delay, std::move(arrive));
    }
  }
}

// -- faults --------------------------------------------------------------------

void Network::crash(std::string_view name, CrashMode mode) {
  Host& host = require_host(name);
  if (!host.up_) return;
  host.up_ = false;
  ++host.crashes_;
  const bool power_cut = mode == CrashMode::power_cut;
  if (loop_->options().trace) loop_->record_network((power_cut ? "power cut " : "crash ") + host.name_);
  HostScope scope(host);
  if (!power_cut) {
    // Its tasks are cancelled and run their handlers, as a process that is killed
    // gracefully; CrashMode::power_cut makes them vanish (below, once the sockets are gone).
    std::vector<TaskBase*> tasks = host.tasks_;
    for (TaskBase* task : tasks) task->cancel("host " + host.name_ + " crashed");
  }
  std::vector<std::shared_ptr<Server>> servers;
  for (auto& [port, weak] : host.servers_) {
    if (auto server = weak.lock()) servers.push_back(std::move(server));
  }
  for (const auto& server : servers) server->close();
  host.servers_.clear();
  std::vector<std::weak_ptr<SimTransport>> connections = std::move(host.connections_);
  host.connections_.clear();
  for (const auto& weak : connections) {
    if (auto transport = weak.lock()) transport->crash();
  }
  std::vector<std::shared_ptr<SimDatagramTransport>> endpoints;
  for (auto& [port, weak] : host.datagram_ports_) {
    if (auto endpoint = weak.lock()) endpoints.push_back(std::move(endpoint));
  }
  for (const auto& endpoint : endpoints) endpoint->close();
  host.datagram_ports_.clear();
  // After the sockets: a writer destroyed with its task's frame finds its connection
  // reset already, so no FIN leaves a host without power.
  if (power_cut) vanish_tasks(host);
}

void Network::vanish_tasks(Host& host) {
  const std::string message = "host " + host.name_ + " lost power";
  TaskBase* running = events_->current_task();
  // Newest first, as at loop teardown: a task's locals may be used by the destructors
  // of the tasks it created. A task that is gone already (destroyed by an earlier
  // frame's destructors) has left the list.
  while (true) {
    TaskBase* victim = nullptr;
    for (auto it = host.tasks_.rbegin(); it != host.tasks_.rend(); ++it) {
      if (*it != running && *it != vanish_after_step_) {
        victim = *it;
        break;
      }
    }
    if (victim == nullptr) break;
    victim->vanish(message);
    std::erase(host.tasks_, victim);  // on_future_done took it off already; never loop on it
  }
  if (running != nullptr && task_hosts_.count(running) != 0 && task_hosts_.at(running) == &host) {
    vanish_after_step_ = running;  // it cannot vanish while its own step runs
  }
}

void Network::on_task_step_end(TaskBase& task) noexcept {
  if (&task != vanish_after_step_) return;
  vanish_after_step_ = nullptr;
  Host* host = task_hosts_.count(&task) != 0 ? task_hosts_.at(&task) : nullptr;
  try {
    task.vanish(host != nullptr ? "host " + host->name_ + " lost power" : std::string("lost power"));
  } catch (...) {
    task.vanish({});
  }
}

void Network::enable_crashes(std::string_view name, double probability, double restart_after, CrashMode mode) {
  Host& host = require_host(name);
  for (CrashPlan& plan : crash_plans_) {
    if (plan.host == &host) {
      plan.chance = chance(probability);
      plan.restart_after = restart_after;
      plan.mode = mode;
      return;
    }
  }
  crash_plans_.push_back(CrashPlan{&host, chance(probability), restart_after, mode});
}

bool Network::maybe_crash(Host& host, const std::string& what) {
  if (crash_plans_.empty() || !host.up_) return false;
  for (const CrashPlan& plan : crash_plans_) {
    if (plan.host != &host || plan.chance == 0) continue;
    const bool labels = loop_->options().label_choices || loop_->options().trace;
    const std::string label =
        labels ? (plan.mode == CrashMode::power_cut ? "power cut " : "crash ") + host.name_ + " before " + what
               : std::string();
    if (loop_->choose(Choice{ChoiceKind::crash, 2, plan.chance, label}) == 0) return false;
    crash(host.name_, plan.mode);
    if (plan.restart_after >= 0) {
      Host* target = &host;
      // In the loop's own time: a host's clock does not decide when its power returns.
      events_->call_at_ns(asim::detail::add_saturating(events_->time_ns(),
                                                       asim::detail::seconds_to_ns(plan.restart_after, "restart_after")),
                          [this, target] { restart(target->name_); });
    }
    return true;
  }
  return false;
}

void Network::restart(std::string_view name) {
  Host& host = require_host(name);
  if (host.up_) return;
  host.up_ = true;
  if (loop_->options().trace) loop_->record_network("restart " + host.name_);
  if (host.entry_) host.start();
}

}  // namespace asim::sim
