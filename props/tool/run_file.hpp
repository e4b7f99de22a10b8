// SPDX-License-Identifier: MIT
// `asim run`'s work once its arguments are read: load, run, print in large blocks.
#pragma once

#include <asim/props/runner.hpp>

#include <optional>
#include <string>

namespace asim::tool {

/// Loads `file` ("-": stdin) in one read and one compiling pass, runs it and writes
/// its trace to stdout in large blocks (asim's JSON of it to `trace_json`, and the
/// simulated loop's Chrome Trace JSON to `trace_chrome` when options ask to record
/// it). Returns the exit code: 2 for a malformed file (the JSON pointer of the fault on
/// stderr), 1 when the loop itself stopped, else 0.
int run_file(const std::string& file, const props::RunOptions& options, bool times,
             const std::optional<std::string>& trace_json, const std::optional<std::string>& trace_chrome = {});

/// Loads and checks `file` as run_file does, without running it: 0 when it is a
/// well-formed scenario, 2 (the JSON pointer of the fault on stderr) when not.
int check_file(const std::string& file);

}  // namespace asim::tool
