// SPDX-License-Identifier: MIT
// `asim run`: a Program from one read, its trace through a TraceWriter.
#include "run_file.hpp"

#include "commands.hpp"

#include <asim/props/program.hpp>
#include <asim/props/trace_writer.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

namespace asim::tool {

namespace {

/// The JSON trace, as nlohmann's dump(1) of {version, loop, seed, deadlock,
/// loop_error?, events} prints it; the events come preformatted from the writer.
void write_trace_json(const std::string& path, const props::RunResult& result, const std::string& loop,
                      std::uint64_t seed, const std::string& events) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["loop"] = loop;
  j["seed"] = seed;
  j["deadlock"] = result.deadlock;
  if (result.loop_error) j["loop_error"] = *result.loop_error;
  j["events"] = nlohmann::ordered_json::array();
  std::string head = j.dump(1);
  // head ends with `"events": []\n}`: splice the events into the list.
  const std::string empty_list = "[]\n}";
  head.resize(head.size() - empty_list.size());
  std::ofstream out(path, std::ios::binary);
  if (!out) throw UsageError{"cannot write " + path};
  if (events.empty()) {
    out << head << "[]\n}\n";
  } else {
    out << head << "[\n" << events << "\n ]\n}\n";
  }
}

}  // namespace

namespace {

/// Loads `file` into `program`; false, with the fault on stderr, for a malformed file.
bool load(const std::string& file, props::Program& program) {
  try {
    program = props::load_program(file);
  } catch (const props::ScenarioFormatError& e) {
    std::cerr << "asim: " << (file == "-" ? "<stdin>" : file) << ": " << e.what() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int check_file(const std::string& file) {
  props::Program program;
  return load(file, program) ? 0 : 2;
}

int run_file(const std::string& file, const props::RunOptions& options, bool times,
             const std::optional<std::string>& trace_json, const std::optional<std::string>& trace_chrome) {
  props::Program program;
  if (!load(file, program)) return 2;
  std::cout.flush();
  props::TraceWriter writer(STDOUT_FILENO, times);
  if (trace_json) writer.keep_json_events();
  const props::RunResult result = props::run_program(program, options, &writer);
  writer.flush();
  if (trace_json) {
    write_trace_json(*trace_json, result, std::string(props::loop_kind_name(options.loop)), options.seed,
                     writer.json_events());
  }
  if (trace_chrome) {
    std::ofstream out(*trace_chrome, std::ios::binary);
    out << result.chrome_trace;
    if (!out) throw UsageError{"cannot write " + *trace_chrome};
  }
  if (result.loop_error) {
    std::cerr << "asim: the loop stopped: " << *result.loop_error << "\n";
    if (result.step_limit) {
      std::cerr << "asim: a scenario that runs longer on purpose needs --max-steps N (0: no limit)\n";
    }
    return 1;
  }
  return 0;
}

}  // namespace asim::tool
