// SPDX-License-Identifier: MIT
// Measures the example bugs (examples/bugs) under a sweep: per example, the first
// failing seed, the failing fraction of the buggy variant, failures of the fixed one
// and seeds per second. Not a test: `example_bugs_measure [SEEDS] [MAX_LATENESS_S]`.
#include <asim/errors.hpp>
#include <asim/sim/sim_loop.hpp>

#include "bugs/catalog.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

bool fails(const asim::examples::bugs::Example& example, bool fixed, std::uint64_t seed,
           const asim::sim::SimOptions& options, std::string* why) {
  asim::sim::SimLoop loop(seed, options);
  try {
    loop.run_until_complete(example.scenario(fixed));
    return false;
  } catch (const std::exception& error) {
    if (why != nullptr) *why = error.what();
  } catch (...) {
    if (why != nullptr) *why = "non-standard exception";
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  asim::sim::SimOptions options;
  options.max_steps = 1000000;
  options.max_virtual_time = 10;
  if (argc > 2 && std::string(argv[2]) != "-") options.max_lateness = std::strtod(argv[2], nullptr);
  const char* only = argc > 3 ? argv[3] : nullptr;
  std::printf("%-20s %8s %9s %9s %10s %s\n", "example", "first", "buggy", "fixed", "seeds/s", "cpython");
  for (const auto& example : asim::examples::bugs::catalog) {
    if (only != nullptr && example.name != only) continue;
    std::uint64_t failing = 0;
    std::uint64_t first = seeds;
    std::string first_why;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t seed = 0; seed < seeds; ++seed) {
      std::string why;
      if (fails(example, false, seed, options, &why)) {
        ++failing;
        if (first == seeds) {
          first = seed;
          first_why = why;
        }
      }
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t fixed_failing = 0;
    std::string fixed_why;
    for (std::uint64_t seed = 0; seed < seeds; ++seed) {
      if (fails(example, true, seed, options, &fixed_why)) ++fixed_failing;
    }
    std::string cpython_why;
    const bool cpython_fails = fails(example, false, 0, asim::sim::SimOptions::cpython(), &cpython_why);
    std::printf("%-20.*s %8llu %8.2f%% %9llu %10.0f %s\n", static_cast<int>(example.name.size()), example.name.data(),
                static_cast<unsigned long long>(first), 100.0 * static_cast<double>(failing) / static_cast<double>(seeds),
                static_cast<unsigned long long>(fixed_failing), static_cast<double>(seeds) / elapsed,
                cpython_fails ? ("FAILS: " + cpython_why).c_str() : "passes");
    if (!first_why.empty()) std::printf("    first failure: %s\n", first_why.c_str());
    if (fixed_failing > 0) std::printf("    fixed failure: %s\n", fixed_why.c_str());
  }
  return 0;
}
