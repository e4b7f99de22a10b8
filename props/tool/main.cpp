// SPDX-License-Identifier: MIT
// The `asim` command-line tool: run, gen, check and demo, parsed with CLI11.
// Exit codes: 0 success, 1 a failure found (or the run failed), 2 a usage error.
#include "commands.hpp"
#include "run_file.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace asim::tool;
  if (argc > 0) program_path = argv[0];
  CLI::App app{"asim: CPython 3.11 asyncio's model in C++20, with a deterministic simulated loop.\n"
               "`asim COMMAND --help` describes each command.",
               "asim"};
  app.require_subcommand(1, 1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("asim: {}\nRun with --help for more information.\n", e.what());
  });
  const std::vector<Command> commands = {add_run_command(app), add_gen_command(app), add_check_command(app),
                                         add_demo_command(app)};
  // CLI11 would call a misspelt command "a subcommand is required": name it instead.
  const auto known = [&](const std::string& name) {
    return std::any_of(commands.begin(), commands.end(),
                       [&](const Command& command) { return command.app->get_name() == name; });
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    fmt::print(stderr, "asim: unknown command '{}' (commands: run, gen, check, demo)\n"
               "Run with --help for more information.\n", argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints the help of the command it follows and exits 0; every other parse
    // error is printed with the option it concerns and is a usage error.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    return 2;  // unreachable: require_subcommand(1, 1)
  } catch (const UsageError& e) {
    fmt::print(stderr, "asim: {}\nRun with --help for more information.\n", e.message);
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "asim: {}\n", e.what());
    return 1;
  }
}
