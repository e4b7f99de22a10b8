// SPDX-License-Identifier: MIT
#include <asim/props/interpreter.hpp>
#include <asim/props/runner.hpp>
#include <asim/props/virtual_loop.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace asim::props {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The first directory of ASIM_PROPS_EXAMPLES_DIRS that holds examples.
fs::path examples_dir() {
  std::stringstream dirs(ASIM_PROPS_EXAMPLES_DIRS);
  std::string dir;
  while (std::getline(dirs, dir, '|')) {
    if (fs::exists(fs::path(dir) / "01_coroutine.json")) return dir;
  }
  return {};
}

std::string run_text(const std::string& json, LoopKind loop = LoopKind::sim, bool times = true) {
  RunOptions options;
  options.loop = loop;
  return format_trace(run_scenario(parse_scenario(json), options).lines, times);
}

std::string main_of(const std::string& statements) { return R"({"version": 1, "main": [)" + statements + "]}"; }

TEST(Interpreter, EverySharedExamplePrintsItsReferenceTrace) {
  const fs::path dir = examples_dir();
  ASSERT_FALSE(dir.empty()) << "no examples in " << ASIM_PROPS_EXAMPLES_DIRS;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 16U);
  for (const fs::path& file : files) {
    fs::path trace = file;
    trace.replace_extension(".trace");
    const std::string expected = read(trace);
    for (LoopKind loop : {LoopKind::sim, LoopKind::virtual_clock}) {
      EXPECT_EQ(run_text(read(file), loop), expected) << file << " on " << loop_kind_name(loop);
    }
  }
}

TEST(Interpreter, EveryExtraScenarioPrintsItsRecordedCPythonTrace) {
  // data/extra: the project's own scenarios with the traces CPython printed
  // (props/oracle checks the same pairs against CPython).
  const fs::path dir = ASIM_PROPS_EXTRA_DIR;
  ASSERT_TRUE(fs::exists(dir)) << dir;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 26U);
  for (const fs::path& file : files) {
    fs::path trace = file;
    trace.replace_extension(".trace");
    EXPECT_EQ(run_text(read(file)), read(trace)) << file;
  }
}

TEST(Interpreter, UnknownAndDuplicateNamesRaiseNameErrorAndWrongKindsTypeError) {
  EXPECT_EQ(run_text(main_of(R"(
    {"do": "try", "body": [{"do": "await", "target": "nope"}], "catch": ["NameError"], "handler": [], "reraise": false},
    {"do": "future", "name": "f"},
    {"do": "try", "body": [{"do": "lock", "name": "f"}], "catch": ["NameError"], "handler": [], "reraise": false},
    {"do": "lock", "name": "lk"},
    {"do": "try", "body": [{"do": "await", "target": "lk"}], "catch": ["TypeError"], "handler": [], "reraise": false},
    {"do": "set_result", "target": "main", "value": 1})")),
            "0.000000 main caught NameError\n"
            "0.000000 main caught NameError\n"
            "0.000000 main caught TypeError\n"
            "0.000000 - done main error RuntimeError\n");
}

TEST(Interpreter, CallbackErrorsGoThroughTheExceptionHandler) {
  EXPECT_EQ(run_text(main_of(R"(
    {"do": "queue", "name": "q", "maxsize": 1},
    {"do": "call_soon", "label": "bad", "then": [{"do": "get_nowait", "target": "q"}, {"do": "log", "msg": "no"}]},
    {"do": "call_soon", "label": "next"},
    {"do": "sleep", "delay": 0})")),
            "0.000000 - cb bad\n"
            "0.000000 - callback_error QueueEmpty\n"
            "0.000000 - cb next\n"
            "0.000000 - done main ok None\n");
}

TEST(Interpreter, PendingTasksAreCancelledAtTheEndInCreationOrder) {
  EXPECT_EQ(run_text(main_of(R"(
    {"do": "spawn", "name": "a", "body": [{"do": "sleep", "delay": 5}]},
    {"do": "spawn", "name": "b", "body": [{"do": "try", "body": [{"do": "sleep", "delay": 5}],
      "catch": ["CancelledError"], "handler": [{"do": "log", "msg": "b cleans up"}], "reraise": true}]},
    {"do": "sleep", "delay": 0.5},
    {"do": "raise", "msg": "main fails"})")),
            "0.500000 - done main error ScenarioError:main fails\n"
            "0.500000 b caught CancelledError\n"
            "0.500000 b log b cleans up\n"
            "0.500000 - done a cancelled\n"
            "0.500000 - done b cancelled\n");
}

TEST(Interpreter, ADeadlockEndsTheRunWithADeadlockLine) {
  const std::string json = main_of(R"(
    {"do": "sleep", "delay": 0.25}, {"do": "event", "name": "e"}, {"do": "wait_event", "target": "e"})");
  EXPECT_EQ(run_text(json), "0.250000 - deadlock\n");
  EXPECT_EQ(run_text(json, LoopKind::virtual_clock), "0.250000 - deadlock\n");
  EXPECT_EQ(run_text(json, LoopKind::sim, false), "- - deadlock\n");
}

TEST(Interpreter, TheRealLoopReportsADeadlockInsteadOfHanging) {
  RunOptions options;
  options.loop = LoopKind::real;
  options.time_scale = 0.01;
  const RunResult result = run_scenario(
      parse_scenario(main_of(R"({"do": "future", "name": "f"}, {"do": "await", "target": "f"})")), options);
  EXPECT_TRUE(result.deadlock);
  EXPECT_EQ(format_trace(result.lines, false), "- - deadlock\n");
}

TEST(Interpreter, TryReturnsFromTheHandlerAndReraisesOnlyWhenAsked) {
  EXPECT_EQ(run_text(main_of(R"(
    {"do": "spawn", "name": "t", "body": [
      {"do": "try", "body": [{"do": "raise", "msg": "x"}], "catch": ["ScenarioError"],
       "handler": [{"do": "return", "value": 7}], "reraise": true}]},
    {"do": "spawn", "name": "u", "body": [
      {"do": "try", "body": [{"do": "raise", "msg": "y"}], "catch": ["TimeoutError", "ScenarioError"],
       "handler": [], "reraise": true}]},
    {"do": "gather", "name": "g", "targets": ["t", "u"], "return_exceptions": true},
    {"do": "await", "target": "g"})")),
            "0.000000 t caught ScenarioError:x\n"
            "0.000000 u caught ScenarioError:y\n"
            "0.000000 - done t ok 7\n"
            "0.000000 - done u error ScenarioError:y\n"
            "0.000000 - done g ok [7, !ScenarioError:y]\n"
            "0.000000 main await g = [7, !ScenarioError:y]\n"
            "0.000000 - done main ok None\n");
}

TEST(Interpreter, AnErrorMessageHoldingANulBytePrintsWholeAsCPythonPrintsIt) {
  // what() ends at the NUL; the trace, like CPython's runner's, does not (found by the
  // mutation differential, tests/props/mutations_match_cpython.py).
  using namespace std::string_literals;
  EXPECT_EQ(run_text(main_of(R"(
    {"do": "spawn", "name": "t", "body": [
      {"do": "try", "body": [{"do": "raise", "msg": "a\u0000b"}], "catch": ["ScenarioError"], "handler": [],
       "reraise": true}]},
    {"do": "future", "name": "f"},
    {"do": "set_exception", "target": "f", "msg": "c\u0000"},
    {"do": "gather", "name": "g", "targets": ["t", "f"], "return_exceptions": true},
    {"do": "await", "target": "g"})")),
            "0.000000 main set_exception f ScenarioError:c\0\n"
            "0.000000 t caught ScenarioError:a\0b\n"
            "0.000000 - done f error ScenarioError:c\0\n"
            "0.000000 - done t error ScenarioError:a\0b\n"
            "0.000000 - done g ok [!ScenarioError:a\0b, !ScenarioError:c\0]\n"
            "0.000000 main await g = [!ScenarioError:a\0b, !ScenarioError:c\0]\n"
            "0.000000 - done main ok None\n"s);
}

TEST(Interpreter, RunsOnAnyLoopGivenByTheCaller) {
  const Scenario scenario = parse_scenario(main_of(R"({"do": "sleep", "delay": 1}, {"do": "log", "msg": "x"})"));
  InterpreterOptions options;
  options.is_deadlock = [](const std::exception_ptr&) { return false; };
  Interpreter interpreter(scenario, options);
  {
    VirtualLoop loop;
    interpreter.run(loop);
  }
  EXPECT_EQ(format_trace(interpreter.trace()), "1.000000 main log x\n1.000000 - done main ok None\n");
  EXPECT_FALSE(interpreter.deadlocked());
}

}  // namespace
}  // namespace asim::props
