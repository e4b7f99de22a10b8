// SPDX-License-Identifier: MIT
// Flow control on the simulated network: a link's bandwidth, the sender's write buffer
// with asyncio's water marks (drain waits), a paused reader leaving segments in flight,
// and a bandwidth of 0 keeping the ideal network of before.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/sim/sim.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using asim::Coro;
using asim::StreamReader;
using asim::StreamWriter;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

constexpr double mebibyte = 1024.0 * 1024.0;

struct Observed {
  std::vector<double> drained_at;     // virtual time each client's drain returned
  std::vector<std::size_t> buffered;  // write buffer size right after the write
  std::uint64_t received = 0;         // bytes the server read
  std::string server_error;           // class of what ended the server's reads
};

// Reads everything until EOF (or an error), counting bytes, then closes.
Coro<void> sink(std::shared_ptr<Observed> seen, std::shared_ptr<StreamReader> reader,
                std::shared_ptr<StreamWriter> writer) {
  try {
    while (true) {
      std::string chunk = co_await reader->read(65536);
      if (chunk.empty()) break;
      seen->received += chunk.size();
    }
  } catch (const asim::OSError& e) {
    seen->server_error = e.class_name();
  }
  writer->close();
}

Coro<void> serve_sink(std::shared_ptr<Observed> seen) {
  asim::ClientConnectedCallback handler = [seen](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return sink(seen, std::move(r), std::move(w));
  };
  auto server = co_await asim::start_server(std::move(handler), "0.0.0.0", 7000);
  co_await server->serve_forever();
}

Coro<void> write_and_drain(std::shared_ptr<Observed> seen, std::size_t bytes) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  writer->write(std::string(bytes, 'x'));
  seen->buffered.push_back(writer->transport().get_write_buffer_size());
  co_await writer->drain();
  seen->drained_at.push_back(asim::get_running_loop().time());
  writer->close();
  co_await writer->wait_closed();
}

// web1 runs one client per entry of `sizes`, all at once; db1 sinks.
Coro<void> clients_to_a_sink(SimLoop& loop, std::shared_ptr<Observed> seen, std::vector<std::size_t> sizes) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(serve_sink(seen));
  co_await asim::sleep(0);
  std::vector<asim::Task<void>> clients;
  for (std::size_t size : sizes) clients.push_back(network.host("web1").spawn(write_and_drain(seen, size)));
  for (auto& client : clients) co_await client;
  co_await asim::sleep(1.0);  // the EOFs arrive
  server.cancel();
}

TEST(SimNetworkFlow, AMebibyteOverAMebibytePerSecondLinkDrainsInOneVirtualSecond) {
  SimLoop loop(1, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = mebibyte});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(clients_to_a_sink(loop, seen, {1 << 20}));
  // 16 segments of 64 KiB leave every 62.5 ms; the buffer is empty when the last lands.
  ASSERT_EQ(seen->drained_at.size(), 1U);
  EXPECT_EQ(seen->drained_at[0], 1.0);
  EXPECT_EQ(seen->buffered[0], 1U << 20);
  EXPECT_EQ(seen->received, 1U << 20);
}

TEST(SimNetworkFlow, LatencyAddsToTheTimeOnTheLink) {
  SimLoop loop(2, SimOptions::cpython());
  loop.network().set_link_options({.base_latency = 0.010, .max_extra_latency = 0, .bandwidth = mebibyte});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(clients_to_a_sink(loop, seen, {1 << 20}));
  // SYN and SYN-ACK (20 ms), one second on the link, 10 ms for the last segment to land.
  ASSERT_EQ(seen->drained_at.size(), 1U);
  EXPECT_EQ(seen->drained_at[0], 1030000000 / 1e9);
}

TEST(SimNetworkFlow, ConnectionsBetweenTwoHostsQueueOnOneLink) {
  SimLoop loop(3, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = mebibyte});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(clients_to_a_sink(loop, seen, {1 << 19, 1 << 19}));
  // The first write takes the link for half a second, the second queues behind it.
  const std::vector<double> expected = {0.5, 1.0};
  EXPECT_EQ(seen->drained_at, expected);
  EXPECT_EQ(seen->received, 1U << 20);
}

TEST(SimNetworkFlow, WritesBelowTheHighWaterMarkDrainAtOnce) {
  SimLoop loop(4, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = mebibyte});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(clients_to_a_sink(loop, seen, {64 * 1024}));
  // 64 KiB is the high-water mark itself: the protocol is not paused.
  ASSERT_EQ(seen->drained_at.size(), 1U);
  EXPECT_EQ(seen->drained_at[0], 0.0);
  EXPECT_EQ(seen->buffered[0], 64U * 1024);
  EXPECT_EQ(seen->received, 64U * 1024);
}

TEST(SimNetworkFlow, ZeroBandwidthNeverBlocksAWriter) {
  SimLoop loop(5, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(clients_to_a_sink(loop, seen, {1 << 20}));
  ASSERT_EQ(seen->drained_at.size(), 1U);
  EXPECT_EQ(seen->drained_at[0], 0.0);
  EXPECT_EQ(seen->buffered[0], 0U);
  EXPECT_EQ(seen->received, 1U << 20);
}

// A crash of the sender: the segments still queued for the link never leave it.
Coro<void> crash_while_sending(SimLoop& loop, std::shared_ptr<Observed> seen) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn(serve_sink(seen));
  co_await asim::sleep(0);
  auto client = network.host("web1").spawn(write_and_drain(seen, 1 << 20));
  co_await asim::sleep(0.3);
  network.crash("web1");
  try {
    co_await client;
  } catch (const asim::CancelledError&) {
  }
  co_await asim::sleep(1.0);
  server.cancel();
}

TEST(SimNetworkFlow, ACrashedSenderLosesWhatHadNotLeftAndThePeerSeesAReset) {
  SimLoop loop(6, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = mebibyte});
  auto seen = std::make_shared<Observed>();
  loop.run_until_complete(crash_while_sending(loop, seen));
  // Four segments of 64 KiB had left by 0.3 s (at 62.5, 125, 187.5 and 250 ms).
  EXPECT_EQ(seen->received, 4U * 65536);
  EXPECT_EQ(seen->server_error, "ConnectionResetError");
  EXPECT_TRUE(seen->drained_at.empty());
}

// A reader that takes nothing for a while: its transport pauses at 2 x limit, the
// segments stay in flight, the writer's buffer passes the high-water mark and its
// drain waits; nothing is lost.
struct Progress {
  std::uint64_t written = 0;
  std::uint64_t written_before_reading = 0;
  std::uint64_t received = 0;
  bool intact = true;
  bool done = false;
};

Coro<void> late_reader(std::shared_ptr<Progress> progress, std::shared_ptr<StreamReader> reader,
                       std::shared_ptr<StreamWriter> writer) {
  co_await asim::sleep(1.0);
  progress->written_before_reading = progress->written;
  while (true) {
    std::string chunk = co_await reader->read(4096);
    if (chunk.empty()) break;
    for (char c : chunk) {
      progress->intact = progress->intact && c == static_cast<char>('a' + progress->received % 26);
      ++progress->received;
    }
    co_await asim::sleep(0.001);
  }
  progress->done = true;
  writer->close();
}

Coro<void> steady_writer(std::shared_ptr<Progress> progress, std::uint64_t total) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  std::string block;
  while (progress->written < total) {
    block.clear();
    for (int i = 0; i < 8192; ++i) block += static_cast<char>('a' + (progress->written + block.size()) % 26);
    writer->write(block);
    progress->written += block.size();
    co_await writer->drain();
  }
  writer->close();
  co_await writer->wait_closed();
}

Coro<void> slow_consumer(SimLoop& loop, std::shared_ptr<Progress> progress) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn([](std::shared_ptr<Progress> p) -> Coro<void> {
    asim::ClientConnectedCallback handler = [p](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
      return late_reader(p, std::move(r), std::move(w));
    };
    auto listening = co_await asim::start_server(std::move(handler), "0.0.0.0", 7000);
    co_await listening->serve_forever();
  }(progress));
  co_await asim::sleep(0);
  co_await network.host("web1").spawn(steady_writer(progress, 1 << 20));
  while (!progress->done) co_await asim::sleep(0.1);
  server.cancel();
}

TEST(SimNetworkFlow, APausedReaderHoldsSegmentsInFlightAndTheWritersDrainWaits) {
  SimLoop loop(7);
  loop.network().set_link_options({.base_latency = 0.001, .bandwidth = 16 * mebibyte});
  auto progress = std::make_shared<Progress>();
  loop.run_until_complete(slow_consumer(loop, progress));
  // The reader's buffer stops at 2 x 64 KiB plus a segment, the writer's at the
  // high-water mark plus a write: the rest waited in the writer.
  EXPECT_GT(progress->written_before_reading, 128U * 1024);
  EXPECT_LE(progress->written_before_reading, 2 * 65536 + 65536 + 65536 + 8192);
  EXPECT_EQ(progress->received, 1U << 20);
  EXPECT_TRUE(progress->intact);
}

TEST(SimNetworkFlow, WithoutBandwidthAPausedReadersTransportBuffersEverything) {
  SimLoop loop(7);
  loop.network().set_link_options({.base_latency = 0.001});
  auto progress = std::make_shared<Progress>();
  loop.run_until_complete(slow_consumer(loop, progress));
  EXPECT_EQ(progress->written_before_reading, 1U << 20);
  EXPECT_EQ(progress->received, 1U << 20);
  EXPECT_TRUE(progress->intact);
}

// Across a partition nothing is taken: the write buffer stays full and drain waits
// until the link heals.
Coro<void> drain_across_a_partition(SimLoop& loop, std::shared_ptr<std::vector<std::string>> log) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto seen = std::make_shared<Observed>();
  auto server = network.host("db1").spawn(serve_sink(seen));
  co_await asim::sleep(0);
  auto client = [](asim::sim::Network& net, std::shared_ptr<std::vector<std::string>> out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    net.partition({"web1"}, {"db1"});
    writer->write(std::string(256 * 1024, 'x'));
    try {
      co_await asim::wait_for(writer->drain(), 2.0);
      out->push_back("drained during the partition");
    } catch (const asim::TimeoutError&) {
      out->push_back("drain timed out with " + std::to_string(writer->transport().get_write_buffer_size()) +
                     " bytes buffered");
    }
    net.heal();
    co_await writer->drain();
    out->push_back("drained at " + std::to_string(asim::get_running_loop().time()));
    writer->close();
    co_await writer->wait_closed();
  };
  co_await network.host("web1").spawn(client(network, log));
  co_await asim::sleep(1.0);
  log->push_back("server got " + std::to_string(seen->received));
  server.cancel();
}

TEST(SimNetworkFlow, APartitionKeepsTheWriteBufferFullUntilItHeals) {
  SimLoop loop(9, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = mebibyte});
  auto log = std::make_shared<std::vector<std::string>>();
  loop.run_until_complete(drain_across_a_partition(loop, log));
  // The 256 KiB left web1 by 0.25 s and were held; at the heal (2 s) they all land.
  const std::vector<std::string> expected = {"drain timed out with 262144 bytes buffered", "drained at 2.000000",
                                             "server got 262144"};
  EXPECT_EQ(*log, expected);
}

// Datagrams queue on the link too: ten of 100 bytes over 1000 B/s take a second.
Coro<void> datagrams_on_a_slow_link(SimLoop& loop, std::shared_ptr<std::vector<double>> arrivals) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto receiver = network.host("db1").spawn([](std::shared_ptr<std::vector<double>> out) -> Coro<void> {
    asim::DatagramOptions options;
    options.local_addr = asim::SocketAddress{"0.0.0.0", 9000};
    auto socket = co_await asim::DatagramSocket::create(options);
    for (int i = 0; i < 10; ++i) {
      (void)co_await socket->recvfrom();
      out->push_back(asim::get_running_loop().time());
    }
    socket->close();
  }(arrivals));
  co_await asim::sleep(0);
  co_await network.host("web1").spawn([]() -> Coro<void> {
    asim::DatagramOptions options;
    options.remote_addr = asim::SocketAddress{"db1", 9000};
    auto socket = co_await asim::DatagramSocket::create(options);
    for (int i = 0; i < 10; ++i) socket->sendto(std::string(100, 'd'));
    socket->close();
  }());
  co_await receiver;
}

TEST(SimNetworkFlow, DatagramsTakeTheirTurnOnTheLink) {
  SimLoop loop(10, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = 1000});
  auto arrivals = std::make_shared<std::vector<double>>();
  loop.run_until_complete(datagrams_on_a_slow_link(loop, arrivals));
  ASSERT_EQ(arrivals->size(), 10U);
  EXPECT_EQ(arrivals->front(), 0.1);
  EXPECT_EQ(arrivals->back(), 1.0);
}

// A receiver that aborts while data it never read waits (reading paused): the peer
// sees a reset, not a FIN.
Coro<void> abort_with_unread(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  co_await asim::sleep(0.5);  // 1 MiB arrives meanwhile; the reader pauses at 2 x limit
  writer->transport().abort();
  (void)reader;
}

Coro<void> write_to_an_aborting_reader(SimLoop& loop, std::shared_ptr<std::string> outcome) {
  auto& network = loop.network();
  network.add_host("web1");
  network.add_host("db1");
  auto server = network.host("db1").spawn([]() -> Coro<void> {
    auto listening = co_await asim::start_server(&abort_with_unread, "0.0.0.0", 7000);
    co_await listening->serve_forever();
  }());
  co_await asim::sleep(0);
  auto client = [](std::shared_ptr<std::string> out) -> Coro<void> {
    auto [reader, writer] = co_await asim::open_connection("db1", 7000);
    writer->write(std::string(1 << 20, 'x'));
    try {
      co_await writer->drain();
      *out = "drained";
    } catch (const asim::OSError& e) {
      *out = std::string(e.class_name()) + ": " + e.what();
    }
  };
  co_await network.host("web1").spawn(client(outcome));
  server.cancel();
}

TEST(SimNetworkFlow, AbortingWithUnreadDataResetsThePeer) {
  SimLoop loop(8, SimOptions::cpython());
  loop.network().set_link_options({.max_extra_latency = 0, .bandwidth = 16 * mebibyte});
  auto outcome = std::make_shared<std::string>();
  loop.run_until_complete(write_to_an_aborting_reader(loop, outcome));
  EXPECT_EQ(*outcome, "ConnectionResetError: [Errno 104] Connection reset by peer");
}

}  // namespace
