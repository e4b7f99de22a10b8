// SPDX-License-Identifier: MIT
// `asim demo [--seeds A:B] [--seed N] [--fixed] [--trace OUT]`: finds, shrinks and
// explains the schedule-dependent bug of examples/stale_cache (engine: demo_engine.cpp).
#include "demo.hpp"
#include "commands.hpp"

#include <iostream>

namespace asim::tool {

int demo_command(Args args) {
  demo::Options options;
  while (!args.empty()) {
    const std::string arg = args.next();
    if (arg == "--seeds") {
      const std::string range = args.value(arg);
      const std::size_t colon = range.find(':');
      if (colon == std::string::npos) throw UsageError{"--seeds: expected A:B, got '" + range + "'"};
      options.first_seed = parse_u64(range.substr(0, colon), arg);
      options.end_seed = parse_u64(range.substr(colon + 1), arg);
      if (options.end_seed <= options.first_seed) throw UsageError{"--seeds: A:B needs A < B, got '" + range + "'"};
      options.single_seed = false;
    } else if (arg == "--seed") {
      options.first_seed = parse_u64(args.value(arg), arg);
      if (options.first_seed == UINT64_MAX) throw UsageError{"--seed: too large"};
      options.end_seed = options.first_seed + 1;
      options.single_seed = true;
    } else if (arg == "--trace") {
      options.trace_path = args.value(arg);
    } else if (arg == "--fixed") {
      options.variant = stale_cache::Variant::fixed;
    } else {
      throw UsageError{"demo: unknown argument '" + arg + "'"};
    }
  }
  options.program = program_path;
  const demo::Report report = demo::run(options);
  std::cout << report.output;
  std::cout.flush();
  return report.exit_code;
}

}  // namespace asim::tool
