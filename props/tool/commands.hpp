// SPDX-License-Identifier: MIT
// The subcommands of the `asim` tool and the small argument helpers they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace asim::tool {

/// Command-line misuse: printed with the usage, exit code 2.
struct UsageError {
  std::string message;
};

/// The arguments after the subcommand, consumed option by option.
class Args {
 public:
  Args(std::vector<std::string> args) : args_(std::move(args)) {}  // NOLINT: implicit by design
  [[nodiscard]] bool empty() const noexcept { return pos_ >= args_.size(); }
  [[nodiscard]] const std::string& peek() const { return args_[pos_]; }
  std::string next() { return args_[pos_++]; }
  /// The value of option `name` (the next argument); UsageError when missing.
  std::string value(const std::string& name) {
    if (empty()) throw UsageError{name + " needs a value"};
    return next();
  }

 private:
  std::vector<std::string> args_;
  std::size_t pos_ = 0;
};

std::uint64_t parse_u64(const std::string& text, const std::string& what);
double parse_double(const std::string& text, const std::string& what);

/// The path of this executable as invoked (for replay lines).
extern std::string program_path;

int run_command(Args args);
int gen_command(Args args);
int check_command(Args args);
/// `asim demo`: sweeps seeds over a shipped buggy example, shrinks the failure and
/// prints `replay: COMMAND`. Defined in demo.cpp.
int demo_command(Args args);

}  // namespace asim::tool
