// SPDX-License-Identifier: MIT
// The subcommands of the `asim` tool. Each one registers its options on a CLI11
// subcommand and returns what to run once the command line has parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace asim::tool {

/// Command-line misuse found after parsing (options that do not go together, a file
/// that cannot be used): printed as `asim: MESSAGE`, exit code 2, like CLI11's own
/// parse errors.
struct UsageError {
  std::string message;
};

/// A subcommand: its CLI11 app and the action that runs it (returns the exit code).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// The path of this executable as invoked (for replay lines).
extern std::string program_path;

/// A seed range `A:B` (A <= B, or A < B with `nonempty`), as [first, end).
struct SeedRange {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
};
/// Parses `A:B`; the message names `option` on a malformed range.
[[nodiscard]] SeedRange parse_seed_range(const std::string& text, const std::string& option, bool nonempty);

/// CLI11 check of an output FILE: its directory must exist (so that a typo fails before
/// the work, not after it).
[[nodiscard]] CLI::Validator output_file();
/// CLI11 check of an unsigned integer option (a seed, a count): digits only. CLI11 alone
/// would read "-1" into a std::uint64_t as 2^64 - 1.
[[nodiscard]] CLI::Validator unsigned_integer();

Command add_run_command(CLI::App& app);
Command add_gen_command(CLI::App& app);
/// `asim check`: defined in check.cpp.
Command add_check_command(CLI::App& app);
/// `asim demo`: defined in demo.cpp.
Command add_demo_command(CLI::App& app);

}  // namespace asim::tool
