// SPDX-License-Identifier: MIT
// Demo (not a test): sweeps the pipeline example's three variants and prints what a
// user sees: a pass, a caught race with its replay line, a deadlock report.
// Usage: sim_pipeline_demo [correct|racy|hung]   (default: all three)
#include <asim/sim/sweep.hpp>

#include "pipeline_example.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace {

asim::Coro<void> correct(asim::sim::SimLoop& loop) {
  co_await asim_examples::pipeline(loop, asim_examples::Pipeline::correct);
}
asim::Coro<void> racy(asim::sim::SimLoop& loop) { co_await asim_examples::pipeline(loop, asim_examples::Pipeline::racy); }
asim::Coro<void> hung(asim::sim::SimLoop& loop) { co_await asim_examples::pipeline(loop, asim_examples::Pipeline::hung); }

template <class Body>
int run(const char* name, Body body) {
  const auto start = std::chrono::steady_clock::now();
  const asim::sim::SweepResult result = asim::sim::run_sweep({.seeds = 10000, .sim = {.max_lateness = 0.05}}, body);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("== %s: %s, %llu seeds in %.3f s\n", name, result.passed ? "passed" : "FAILED",
              static_cast<unsigned long long>(result.seeds_run), wall);
  return result.passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* only = argc > 1 ? argv[1] : nullptr;
  int failures = 0;
  if (only == nullptr || std::strcmp(only, "correct") == 0) failures += run("correct", &correct);
  if (only == nullptr || std::strcmp(only, "racy") == 0) failures += run("racy", &racy);
  if (only == nullptr || std::strcmp(only, "hung") == 0) failures += run("hung", &hung);
  return failures == 0 ? 0 : 1;
}
