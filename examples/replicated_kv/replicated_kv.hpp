// SPDX-License-Identifier: MIT
// A replicated key-value store of three replicas over asyncio streams: one primary
// (db1) that clients talk to and two backups (db2, db3) that hold copies. Ordinary
// asim code: the same coroutines serve on RealLoop over localhost and on SimLoop's
// simulated network; peers are named by a host and a port from the Config.
//
// Memory only: a replica that crashes forgets everything. The primary therefore
// recovers when it starts: it asks both backups for their state (DUMP) and merges it
// before it serves again.
//
// Protocol: one line per request and one per reply, on a fresh connection each time.
//   PUT key value      (primary) -> OK | ERR reason
//   GET key            -> VALUE value | NONE
//   REPL seq key value (backup)  -> OK
//   DUMP               (backup)  -> STATE seq:key:value ...
//
// The bug (Variant::buggy): the primary answers OK as soon as the write is in its own
// memory and replicates in the background. A crash of the primary before a backup has
// the write (a connect round trip after the OK), and the acknowledged write is gone
// once the primary recovers from its backups; so is every write acknowledged while
// the primary was cut off from both backups, at its next crash.
//
// The fix (Variant::fixed): OK only once a backup confirmed the write, so that a
// majority (primary and one backup) had it; "ERR no majority" when neither could be
// reached within the replication timeout. Every acknowledged write is then on a backup
// that the primary's recovery reads.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/server.hpp>
#include <asim/sleep.hpp>
#include <asim/streams.hpp>
#include <asim/streams_errors.hpp>
#include <asim/task.hpp>
#include <asim/wait.hpp>
#include <asim/wait_for.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace asim::examples::replicated_kv {

enum class Variant { buggy, fixed };

/// Where a replica listens, as its peers and clients name it.
struct Peer {
  std::string host;
  std::uint16_t port = 0;
};

/// One replica's configuration.
struct Config {
  Variant variant = Variant::fixed;
  /// What the server binds ("0.0.0.0" on a simulated host, "127.0.0.1" on loopback).
  std::string listen_host = "0.0.0.0";
  /// 0: any free port (Server::sockets() tells which).
  std::uint16_t port = 0;
  /// The backups of a primary; empty for a backup.
  std::vector<Peer> backups;
  /// How long the primary waits for one backup's answer (connect included).
  double replication_timeout = 0.05;
  /// How long the primary waits between two rounds of recovery.
  double recovery_retry = 0.05;
};

/// Sends `line` (ending in '\n') to `peer` on a new connection and returns the reply
/// line ("" when the peer closed without answering). Raises OSError subclasses.
inline Coro<std::string> request(Peer peer, std::string line) {
  auto [reader, writer] = co_await asim::open_connection(peer.host, peer.port);
  std::string reply;
  try {
    writer->write(line);
    co_await writer->drain();
    reply = co_await reader->readline();
  } catch (...) {
    writer->close();  // cancelled (a timeout, a crash) or reset: leave no connection open
    throw;
  }
  writer->close();
  co_return reply;
}

/// `request` that gives up after `timeout` seconds; nullopt on a timeout or a
/// connection error (the caller does not know whether the request took effect).
inline Coro<std::optional<std::string>> try_request(Peer peer, std::string line, double timeout) {
  try {
    std::string reply = co_await asim::wait_for(request(std::move(peer), std::move(line)), timeout);
    co_return reply;
  } catch (const asim::TimeoutError&) {
  } catch (const asim::OSError&) {
  }
  co_return std::nullopt;
}

/// The words of a request or reply line, without its '\n'.
inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

/// A sequence number, or nullopt when `word` is not one.
inline std::optional<std::uint64_t> parse_seq(const std::string& word) {
  if (word.empty() || word.size() > 18 || word.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(word);
}

/// A replica's memory: each key's newest value and the sequence number of the write
/// that set it (assigned by the primary).
class Store {
 public:
  struct Entry {
    std::uint64_t seq = 0;
    std::string value;
  };

  /// Keeps the write with the larger sequence number.
  void apply(const std::string& key, std::uint64_t seq, std::string value) {
    Entry& entry = entries_[key];
    if (seq >= entry.seq) entry = {seq, std::move(value)};
    if (seq >= next_seq_) next_seq_ = seq + 1;
  }
  [[nodiscard]] const Entry* find(const std::string& key) const {
    auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : &found->second;
  }
  /// The primary's sequence number for a new write.
  std::uint64_t take_seq() noexcept { return next_seq_++; }
  /// "STATE seq:key:value ..." (keys and values are single words without ':').
  [[nodiscard]] std::string dump() const {
    std::string out = "STATE";
    for (const auto& [key, entry] : entries_) {
      // Appended piece by piece (g++ 12 -O2 warns, wrongly, on `" " + std::string&&`).
      out += ' ';
      out += std::to_string(entry.seq);
      out += ':';
      out += key;
      out += ':';
      out += entry.value;
    }
    return out;
  }
  /// Merges a DUMP reply; false when `reply` is not one.
  bool load(const std::string& reply) {
    std::vector<std::string> words = split(reply);
    if (words.empty() || words[0] != "STATE") return false;
    for (std::size_t i = 1; i < words.size(); ++i) {
      const std::size_t first = words[i].find(':');
      const std::size_t second = first == std::string::npos ? first : words[i].find(':', first + 1);
      if (second == std::string::npos) return false;
      const std::optional<std::uint64_t> seq = parse_seq(words[i].substr(0, first));
      if (!seq) return false;
      apply(words[i].substr(first + 1, second - first - 1), *seq, words[i].substr(second + 1));
    }
    return true;
  }

 private:
  std::map<std::string, Entry> entries_;
  std::uint64_t next_seq_ = 1;
};

/// One replica: its configuration and its memory.
struct Replica {
  Config config;
  Store store;
  [[nodiscard]] bool is_primary() const noexcept { return !config.backups.empty(); }
};

/// Sends one write to one backup; true once the backup confirmed it.
inline Coro<bool> replicate_to(Peer backup, std::string line, double timeout) {
  std::optional<std::string> reply = co_await try_request(std::move(backup), std::move(line), timeout);
  co_return reply&&* reply == "OK\n";
}

/// The primary's PUT: a sequence number, its own memory, then the backups.
inline Coro<std::string> put(std::shared_ptr<Replica> replica, std::string key, std::string value) {
  const std::uint64_t seq = replica->store.take_seq();
  replica->store.apply(key, seq, value);
  const std::string line = "REPL " + std::to_string(seq) + " " + key + " " + value + "\n";
  std::vector<asim::Task<bool>> copies;
  for (const Peer& backup : replica->config.backups) {
    copies.push_back(asim::create_task(replicate_to(backup, line, replica->config.replication_timeout),
                                       "replicate " + key + " to " + backup.host));
  }
  if (replica->config.variant == Variant::buggy) {
    co_return "OK";  // BUG: acknowledged while only this replica's memory has it
  }
  // A majority of three: this replica and the first backup that confirms.
  std::vector<asim::Task<bool>> pending = copies;
  while (!pending.empty()) {
    (void)co_await asim::wait(pending, std::nullopt, asim::FIRST_COMPLETED);
    std::vector<asim::Task<bool>> still;
    for (asim::Task<bool>& copy : pending) {
      if (!copy.done()) {
        still.push_back(copy);
      } else if (copy.result()) {
        co_return "OK";
      }
    }
    pending = std::move(still);
  }
  co_return "ERR no majority";
}

/// Answers one request line.
inline Coro<std::string> handle(std::shared_ptr<Replica> replica, std::string line) {
  const std::vector<std::string> words = split(line);
  if (words.size() == 2 && words[0] == "GET") {
    const Store::Entry* entry = replica->store.find(words[1]);
    co_return entry != nullptr ? "VALUE " + entry->value : std::string("NONE");
  }
  if (words.size() == 3 && words[0] == "PUT") {
    if (!replica->is_primary()) co_return "ERR not the primary";
    co_return co_await put(replica, words[1], words[2]);
  }
  if (words.size() == 4 && words[0] == "REPL") {
    const std::optional<std::uint64_t> seq = parse_seq(words[1]);
    if (!seq) co_return "ERR bad sequence number";
    replica->store.apply(words[2], *seq, words[3]);
    co_return "OK";
  }
  if (words.size() == 1 && words[0] == "DUMP") co_return replica->store.dump();
  co_return "ERR bad request";
}

/// One connection: answers each request line until the peer closes.
inline Coro<void> serve_connection(std::shared_ptr<Replica> replica, std::shared_ptr<asim::StreamReader> reader,
                                   std::shared_ptr<asim::StreamWriter> writer) {
  try {
    while (true) {
      std::string line = co_await reader->readline();
      if (line.empty() || line.back() != '\n') break;  // EOF
      std::string reply = co_await handle(replica, line);
      writer->write(reply + "\n");
      co_await writer->drain();
    }
  } catch (const asim::OSError&) {
    // The client went away (reset): nobody to answer.
  }
  writer->close();
}

/// A primary's recovery: merges the state of every backup, retrying each until it
/// answers (a backup that is unreachable now may hold an acknowledged write).
inline Coro<void> recover(Replica& replica) {
  for (const Peer& backup : replica.config.backups) {
    while (true) {
      std::optional<std::string> reply = co_await try_request(backup, "DUMP\n", replica.config.replication_timeout);
      if (reply && replica.store.load(*reply)) break;
      co_await asim::sleep(replica.config.recovery_retry);
    }
  }
}

/// Starts a replica with empty memory: a primary recovers first; then it serves.
/// Returns the listening server (its port: `sockets().at(0).port`).
inline Coro<std::shared_ptr<asim::Server>> start_replica(Config config) {
  auto replica = std::make_shared<Replica>();
  replica->config = std::move(config);
  if (replica->is_primary()) co_await recover(*replica);
  // The callback is not a coroutine: it hands the shared replica to one. A named
  // variable, not a temporary in the co_await operand (g++ 12 destroys such a
  // converted temporary twice).
  asim::ClientConnectedCallback on_connection = [replica](std::shared_ptr<asim::StreamReader> reader,
                                                          std::shared_ptr<asim::StreamWriter> writer) {
    return serve_connection(replica, std::move(reader), std::move(writer));
  };
  std::shared_ptr<asim::Server> server =
      co_await asim::start_server(std::move(on_connection), replica->config.listen_host, replica->config.port);
  co_return server;
}

/// A replica for its whole life: start, then serve until cancelled (a host's entry).
inline Coro<void> run_replica(Config config) {
  std::shared_ptr<asim::Server> server = co_await start_replica(std::move(config));
  co_await server->serve_forever();
}

}  // namespace asim::examples::replicated_kv
