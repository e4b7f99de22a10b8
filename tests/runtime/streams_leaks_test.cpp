// SPDX-License-Identifier: MIT
// A connection reset by the peer at any point of an exchange leaves no descriptor open
// on RealLoop (the cancellation counterpart is in streams_test.cpp): the server answers
// k lines, stops reading so the client's next line stays unread in its kernel, and
// aborts, which Linux turns into a reset.
#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <memory>
#include <set>
#include <string>

#include "runtime/stream_test_support.hpp"

namespace {

using asim::Coro;
using asim::RealLoop;
using asim::StreamReader;
using asim::StreamWriter;
using asim::testing::open_fd_count;

Coro<void> answer_then_reset(std::shared_ptr<int> answers, std::shared_ptr<StreamReader> reader,
                             std::shared_ptr<StreamWriter> writer) {
  for (int i = 0; i < *answers; ++i) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    writer->write(line);
    co_await writer->drain();
  }
  writer->transport().pause_reading();
  for (int i = 0; i < 3; ++i) co_await asim::sleep(0);  // the client's next line arrives, unread
  writer->transport().abort();
}

// Talks until the connection ends; returns how it ended.
Coro<std::string> talk(std::uint16_t port) {
  auto [reader, writer] = co_await asim::open_connection("127.0.0.1", port);
  std::string ending = "eof";
  try {
    for (int i = 0; i < 20; ++i) {
      writer->write("line " + std::to_string(i) + "\n");
      co_await writer->drain();
      if ((co_await reader->readline()).empty()) break;
    }
  } catch (const asim::OSError& e) {
    ending = e.class_name();
  }
  writer->close();
  try {
    co_await writer->wait_closed();
  } catch (const asim::OSError&) {
  }
  co_return ending;
}

Coro<void> start(std::shared_ptr<std::shared_ptr<asim::Server>> slot, std::shared_ptr<int> answers) {
  asim::ClientConnectedCallback handler = [answers](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return answer_then_reset(answers, std::move(r), std::move(w));
  };
  *slot = co_await asim::start_server(std::move(handler), "127.0.0.1", 0);
}

Coro<void> yield_once() { co_await asim::sleep(0); }

TEST(StreamsLeaks, AResetByThePeerAtAnyPointLeavesNoDescriptorOpen) {
  RealLoop loop;
  auto slot = std::make_shared<std::shared_ptr<asim::Server>>();
  auto answers = std::make_shared<int>(0);
  loop.run_until_complete(start(slot, answers));
  const std::uint16_t port = asim::testing::port_of(*slot);
  const std::size_t baseline = open_fd_count();
  std::set<std::string> endings;
  for (*answers = 0; *answers < 8; ++*answers) {
    endings.insert(loop.run_until_complete(talk(port)));
    std::size_t settled = open_fd_count();
    for (int spin = 0; spin < 50 && settled != baseline; ++spin) {
      loop.run_until_complete(yield_once());
      settled = open_fd_count();
    }
    EXPECT_EQ(settled, baseline) << "reset after " << *answers << " answers";
  }
  EXPECT_TRUE(endings.count("ConnectionResetError")) << "no exchange ended with a reset";
  (*slot)->close();
  loop.run_until_complete(yield_once());
  EXPECT_EQ(open_fd_count(), baseline - 1);  // the listener
}

}  // namespace
