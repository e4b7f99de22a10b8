// SPDX-License-Identifier: MIT
// Running a compiled scenario allocates nothing per statement: this binary replaces
// the global operator new and counts the allocations of a run, which must not grow
// with the number of statements run (names are slots, lines go through one buffer).
#include <gtest/gtest.h>

#include "support/counting_new.hpp"
#include <asim/detail/frame_allocator.hpp>
#include <asim/props/interpreter.hpp>
#include <asim/props/program.hpp>
#include <asim/props/virtual_loop.hpp>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

using asim::testing::allocations;
using asim::testing::counting;

namespace asim::props {
namespace {

/// Counts lines and drops them.
class CountingSink final : public TraceSink {
 public:
  void line(double /*time*/, std::string_view /*who*/, std::string_view /*event*/) override { ++lines; }
  std::size_t lines = 0;
};

/// `rounds` rounds of statements that wait on nothing but the clock, in one task.
std::string rounds_of(int rounds) {
  std::string text = R"({"version": 1, "main": [{"do": "event", "name": "e"}, {"do": "lock", "name": "l"},)";
  for (int i = 0; i < rounds; ++i) {
    text += R"({"do": "log", "msg": "a line longer than the small-string buffer"}, {"do": "set", "target": "e"},
      {"do": "wait_event", "target": "e"}, {"do": "clear", "target": "e"}, {"do": "acquire", "target": "l"},
      {"do": "release", "target": "l"}, {"do": "sleep", "delay": 0}, {"do": "sleep", "delay": 0.001},)";
  }
  return text + R"({"do": "return", "value": 1}]})";
}

/// Allocations made while running (not loading) the scenario, and its line count.
std::pair<std::size_t, std::size_t> run_counting(int rounds) {
  const Program program = compile_scenario(rounds_of(rounds));
  CountingSink sink;
  InterpreterOptions options;
  options.sink = &sink;
  Interpreter interpreter(program, options);
  VirtualLoop loop;
  allocations = 0;
  counting = true;
  interpreter.run(loop);
  counting = false;
  return {allocations, sink.lines};
}

TEST(ProgramAllocation, RunningMoreStatementsAllocatesNoMore) {
  // acquire and wait_event run in a coroutine frame of their own, from the frame cache.
  if (!asim::detail::frame_cache_enabled) GTEST_SKIP() << "frames bypass the cache in this build (ASan)";
  (void)run_counting(50);  // warm the per-thread frame and callback caches
  const auto [few, few_lines] = run_counting(100);
  const auto [many, many_lines] = run_counting(1000);
  EXPECT_EQ(few_lines, 100U * 6 + 1);
  EXPECT_EQ(many_lines, 1000U * 6 + 1);
  EXPECT_EQ(many, few) << "allocations for 1000 rounds vs 100 rounds";
}

}  // namespace
}  // namespace asim::props
