// SPDX-License-Identifier: MIT
// Compiled scenarios: the one-pass compiler agrees with parse_scenario, and bad input
// (deep nesting, huge delays, many tasks) is rejected at load time or run flat.
#include <asim/props/program.hpp>
#include <asim/props/runner.hpp>
#include <asim/props/trace_writer.hpp>
#include <asim/props/virtual_loop.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace asim::props {
namespace {

std::string main_of(const std::string& statements) { return R"({"version": 1, "main": [)" + statements + "]}"; }

/// The message of the ScenarioFormatError that `load` raises, or "".
template <class Load>
std::string format_error(Load load) {
  try {
    (void)load();
  } catch (const ScenarioFormatError& e) {
    return e.what();
  }
  return "";
}
/// The message of the ScenarioFormatError compile_scenario raises, or "".
std::string compile_error(const std::string& text) {
  return format_error([&] { return compile_scenario(text); });
}
/// The message of the ScenarioFormatError parse_scenario raises, or "".
std::string parse_error(const std::string& text) {
  return format_error([&] { return parse_scenario(text); });
}

std::string run_text(const Program& program) {
  RunOptions options;
  options.loop = LoopKind::virtual_clock;
  return format_trace(run_program(program, options).lines);
}

/// `depth` statements of `open`, each nested in the previous one's body.
std::string nested(int depth, const std::string& open, const std::string& innermost, const std::string& close) {
  std::string text = R"({"version": 1, "main": [)";
  for (int i = 0; i < depth; ++i) text += open;
  text += innermost;
  for (int i = 0; i < depth; ++i) text += close;
  return text + "]}";
}

std::string nested_pointer(int levels, const std::string& step) {
  std::string pointer = "/main";
  for (int i = 0; i < levels; ++i) pointer += "/0/" + step;
  return pointer;
}

TEST(StringTable, GivesBackEachStringShortOrLong) {
  // Up to 15 bytes are kept in the string's record, longer ones elsewhere; both read back
  // whole, with embedded zero bytes, in any order of adding.
  const std::vector<std::string> strings = {"",
                                            "main",
                                            "f12345_19",
                                            std::string(15, 'x'),
                                            std::string(16, 'y'),
                                            "a message longer than fifteen bytes",
                                            std::string("nul\0inside", 10),
                                            std::string(1000, 'z'),
                                            "t0"};
  StringTable table;
  for (std::size_t i = 0; i < strings.size(); ++i) EXPECT_EQ(table.add(strings[i]), i);
  ASSERT_EQ(table.size(), strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) EXPECT_EQ(table[i], strings[i]) << i;
  StringTable same;
  same.reserve(4, 100);
  for (const std::string& s : strings) same.add(s);
  EXPECT_EQ(table, same);
  same.clear();
  EXPECT_EQ(same.size(), 0U);
  same.add("other");
  EXPECT_EQ(same[0], "other");
  EXPECT_FALSE(table == same);
}

TEST(Program, TheOnePassCompilerRunsLikeTheTreeCompiler) {
  const std::string text = main_of(R"(
    {"do": "spawn", "name": "t", "body": [{"do": "sleep", "delay": 0.5}, {"do": "return", "value": 7}]},
    {"do": "future", "name": "f"},
    {"do": "call_later", "delay": 0.25, "label": "c", "name": "h", "then": [
      {"do": "set_result", "target": "f", "value": 3}]},
    {"do": "await", "target": "f"},
    {"do": "gather", "name": "g", "targets": ["t", "f"], "return_exceptions": false},
    {"do": "wait", "targets": ["t", "g"], "timeout": null, "return_when": "ALL_COMPLETED"},
    {"do": "try", "body": [{"do": "raise", "msg": "x"}], "catch": ["ScenarioError"],
     "handler": [{"do": "log", "msg": "handled"}]},
    {"do": "queue", "name": "q", "maxsize": 1}, {"do": "put", "target": "q", "value": 1},
    {"do": "get", "target": "q"}, {"do": "await", "target": "g"})");
  const Program fast = compile_scenario(text);
  const Program tree = compile(parse_scenario(text));
  EXPECT_EQ(fast.names, tree.names);
  EXPECT_EQ(run_text(fast), run_text(tree));
  EXPECT_NE(run_text(fast).find("main await g = [7, 3]"), std::string::npos) << run_text(fast);
}

TEST(Program, TheFastReaderReadsDecimalsAsTheTreeCompilerDoes) {
  // Decimals of up to 15 digits take the fast reader's exact division; the others
  // (more digits, an exponent) take from_chars. Each must be the same double as
  // nlohmann's reading through parse_scenario.
  const char* delays[] = {"0.001",          "1.0",        "-0.0",    "0.1",        "0.3",
                          "123456.789012345", "0.000000000000001", "999999999.999999", "2.5e-3",
                          "0.1234567890123456", "1e2",     "7",         "-12.75",  "1E-7"};
  std::string statements;
  for (const char* delay : delays) {
    if (!statements.empty()) statements += ", ";
    statements += std::string(R"({"do": "sleep", "delay": )") + delay + "}";
  }
  const std::string text = main_of(statements);
  const Program fast = compile_scenario(text);
  const Program tree = compile(parse_scenario(text));
  ASSERT_EQ(fast.code.size(), tree.code.size());
  for (std::size_t i = 0; i < fast.code.size(); ++i) {
    SCOPED_TRACE(delays[i]);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(fast.code[i].number.seconds),
              std::bit_cast<std::uint64_t>(tree.code[i].number.seconds));
  }
}

/// `j` with every statement's `do` written last: the fast reader reads a statement
/// whole only when `do` comes first, so such a text is read through the SAX events.
nlohmann::ordered_json do_last(const nlohmann::ordered_json& j) {
  if (j.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& e : j) out.push_back(do_last(e));
    return out;
  }
  if (!j.is_object()) return j;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : j.items()) {
    if (key != "do") out[key] = do_last(value);
  }
  if (j.contains("do")) out["do"] = j["do"];
  return out;
}

/// The two programs are the same, instruction by instruction.
void expect_same_program(const Program& a, const Program& b) {
  ASSERT_EQ(a.code.size(), b.code.size());
  for (std::size_t i = 0; i < a.code.size(); ++i) {
    // 32 bytes without padding: compared whole (the union's seconds or value).
    EXPECT_EQ(std::memcmp(&a.code[i], &b.code[i], sizeof(Instruction)), 0) << "instruction " << i;
  }
  EXPECT_EQ(a.lists, b.lists);
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.texts, b.texts);
  EXPECT_EQ(a.main, b.main);
}

TEST(Program, StatementsReadWholeCompileAsTheEventsCompileThem) {
  // Flat statements, lists of statements read with their statement (a call's then, a
  // spawned body, a timeout's body) and those left to the events (a body with a list
  // inside, try, the lists of names), with blanks and without.
  const auto scenario = nlohmann::ordered_json::parse(main_of(R"(
    {"do": "future", "name": "f"},
    {"do": "call_soon", "label": "c1", "then": [{"do": "set_result", "target": "f", "value": -3}]},
    {"do": "call_later", "delay": 2, "label": "c2", "name": null, "then": []},
    {"do": "call_at", "offset": 0.5, "label": "c3", "name": "h",
     "then": [{"do": "log", "msg": "at"}, {"do": "cancel", "target": "h"}]},
    {"do": "spawn", "name": "t1", "body": [{"do": "sleep", "delay": 0.001}, {"do": "return", "value": 7}]},
    {"do": "spawn", "name": "t2", "body": [{"do": "sleep", "delay": 1e-3},
      {"do": "call_soon", "label": "inner", "then": [{"do": "log", "msg": "in t2"}]}, {"do": "return", "value": null}]},
    {"do": "timeout", "delay": null, "body": [{"do": "await", "target": "f"}]},
    {"do": "timeout", "body": [{"do": "sleep", "delay": 0}], "delay": 5},
    {"do": "try", "body": [{"do": "raise", "msg": "x"}], "catch": ["ScenarioError"], "handler": [{"do": "log", "msg": "h"}],
     "reraise": false},
    {"do": "gather", "name": "g", "targets": ["t1", "t2"], "return_exceptions": true},
    {"do": "wait", "targets": ["g"], "timeout": 10, "return_when": "FIRST_EXCEPTION"},
    {"do": "semaphore", "name": "s", "value": 2}, {"do": "queue", "name": "q", "maxsize": 0},
    {"do": "put_nowait", "target": "q", "value": 123456789012345678}, {"do": "get_nowait", "target": "q"},
    {"do": "await", "target": "g"})"));
  const Program compact = compile_scenario(scenario.dump());
  const Program blanks = compile_scenario(scenario.dump(2));
  const Program events = compile_scenario(do_last(scenario).dump());
  expect_same_program(compact, events);
  expect_same_program(blanks, events);
  EXPECT_EQ(run_text(compact), run_text(compile(parse_scenario(scenario.dump()))));
}

TEST(Program, AFaultInAListReadWithItsStatementIsReportedAsParseScenarioReportsIt) {
  // The reader leaves a list with a fault to the events, which name its place.
  for (const char* statements :
       {R"({"do": "call_soon", "label": "c", "then": [{"do": "log", "msg": "ok"}, {"do": "sleep", "delay": 1}]})",
        R"({"do": "spawn", "name": "t", "body": [{"do": "sleep", "delay": 1e10}]})",
        R"({"do": "spawn", "name": "t", "body": [{"do": "log", "msg": "a"}], "bogus": 1})",
        R"({"do": "spawn", "name": "t", "body": [{"do": "log", "msg": "a"}], "body": [{"do": "log"}]})"}) {
    SCOPED_TRACE(statements);
    const std::string text = main_of(statements);
    const std::string expected = parse_error(text);
    EXPECT_NE(expected, "");
    EXPECT_EQ(compile_error(text), expected);
  }
}

TEST(Program, AStatementWithDoLastStillLoads) {
  const Program program = compile_scenario(main_of(R"({"msg": "late do", "do": "log"})"));
  EXPECT_EQ(run_text(program), "0.000000 main log late do\n0.000000 - done main ok None\n");
}

TEST(Program, MalformedTextIsReportedAsParseScenarioReportsIt) {
  for (const std::string& text :
       {std::string("{"), std::string(R"({"version": 2, "main": []})"), main_of(R"({"do": "jump"})"),
        main_of(R"({"do": "log", "msg": "a", "mgs": "b"})"), main_of(R"({"do": "sleep", "delay": 1e999})"),
        main_of(R"({"do": "call_soon", "label": "x", "then": [{"do": "await", "target": "t"}]})"),
        main_of(R"({"do": "put_nowait", "target": "q", "value": 1.5})"),
        main_of(R"({"do": "wait", "targets": ["a", 2], "return_when": "ALL_COMPLETED"})")}) {
    const std::string expected = parse_error(text);
    ASSERT_FALSE(expected.empty()) << text;
    EXPECT_EQ(compile_error(text), expected);
  }
}

TEST(Program, AKeyGivenTwiceIsReportedAsParseScenarioReportsItWhereverTheReaderMeetsIt) {
  // The direct reader, the events before and after `do`, a statement without `do`, a
  // skipped value, a statement after a bad one, a list read with its statement, the
  // document: each leaves the text to parse_scenario, which names the second key.
  const std::string big_body = R"({"do": "spawn", "name": "t", "body": [{"do": "log", "msg": "a"}]})";
  for (const std::string& text :
       {main_of(R"({"do": "sleep", "delay": 1, "delay": 2})"), main_of(R"({"delay": 1, "delay": 2, "do": "sleep"})"),
        main_of(R"({"delay": 1, "delay": 2})"), main_of(R"({"x": {"k": 1, "k": 2}})"),
        main_of(R"({"x": 1, "x": 2, {)"),  // found as it is kept, before the syntax error
        main_of(R"({"do": "log", "msg": "a", "x": [{"k": 1, "k": 2}]})"),
        main_of(R"({"do": "jump"}, {"do": "log", "msg": "a", "msg": "b"})"),
        main_of(R"({"do": "jump", "x": 1, "x": 2})"),
        main_of(R"({"do": "spawn", "name": "t", "body": [{"do": "log", "msg": "a", "msg": "b"}]})"),
        main_of(R"({"do": "spawn", "name": "t", "body": [], "name": "u"})"),
        main_of(R"({"do": "wait", "targets": [{"a": 1, "a": 1}], "return_when": "ALL_COMPLETED"})"),
        main_of(big_body + R"(, {"do": "sleep", "delay": 1, "do": "sleep"})"),
        std::string(R"({"main": [], "version": 1, "main": []})"),
        std::string(R"({"version": 1, "main": [], "x": {"y": {"z": 1, "z": 1}}})")}) {
    // The same after an escape, which the fast reader leaves to nlohmann's lexer.
    std::string escaped = text;
    const std::size_t main = escaped.find(R"("main": [)");
    escaped.insert(main + 9, R"({"do": "log", "msg": "A"})" + std::string(escaped[main + 9] == ']' ? "" : ", "));
    for (const std::string& variant : {text, escaped}) {
      SCOPED_TRACE(variant);
      const std::string expected = parse_error(variant);
      EXPECT_NE(expected.find("invalid JSON: a key given twice in one object"), std::string::npos) << expected;
      EXPECT_EQ(compile_error(variant), expected);
    }
  }
}

TEST(Program, CatchListsNulBytesAndHugeNumbersAreReportedAsParseScenarioReportsThem) {
  for (const std::string& text :
       {main_of(R"({"do": "try", "body": [], "catch": ["TypeErr"]})"),
        main_of(R"({"do": "try", "body": [], "catch": [1, "TypeErr"]})"),
        main_of(R"({"do": "try", "body": [], "catch": ["TypeErr", 1]})"),
        main_of(R"({"do": "try", "catch": ["TypeErr"], "body": [{"do": "sleep", "delay": "x"}]})"),
        main_of(R"({"do": "spawn", "name": "t", "body": [{"do": "try", "body": [], "catch": ["ValueError", "E"]}]})"),
        main_of(R"({"do": "try", "body": [], "catch": ["E"]}, {"do": "jump"})"),
        std::string(R"({"version": 1, "main": [{"do": "jump"}]})") + '\0',
        std::string(R"({"version": 1, "main": [{"do": "log", "msg": "\u0041"}]} )") + '\0' + "}",
        // Numbers beyond double range: read as infinities where their field is checked.
        main_of(R"({"do": "sleep", "delay": 1e999}, {"do": "jump"})"), main_of(R"({"do": "log", "msg": 1e999})"),
        main_of(R"({"do": "sleep", "delay": 1e999}], x)"),
        main_of(R"({"do": "jump"}, {"do": "sleep", "delay": -1e999})"),
        std::string(R"({"version": 1, "main": [], "a/b\n": 1})"),
        main_of(R"({"do": "spawn", "name": "t", "body": [{"do": "sleep", "delay": 1e999e5}]})"),
        std::string("[3E3564,5E53-1e780"), main_of(R"({"do": "sleep", "delay": 5E53-1e780})")}) {
    SCOPED_TRACE(text);
    const std::string expected = parse_error(text);
    EXPECT_NE(expected, "");
    EXPECT_EQ(compile_error(text), expected);
  }
}

TEST(Program, TenThousandNestedTriesAreRejectedNamingTheLimitAndThePlace) {
  const std::string open = R"({"do": "try", "catch": [], "body": [)";
  for (const int depth : {10'000, 100'000}) {
    const std::string error = compile_error(nested(depth, open, R"({"do": "log", "msg": "x"})", "]}"));
    // main is depth 1, so the body at 100 levels below it is the first too deep.
    EXPECT_EQ(error, nested_pointer(max_nesting_depth, "body") +
                         ": bodies nested more than 100 deep (the scenario language's limit)");
  }
}

TEST(Program, AChainOfFiftyThousandNestedSpawnsIsRejected) {
  const std::string open = R"({"do": "spawn", "name": "t", "body": [)";
  const std::string close = R"(]}, {"do": "await", "target": "t"})";
  const std::string error = compile_error(nested(50'000, open, R"({"do": "sleep", "delay": 0})", close));
  EXPECT_EQ(error.rfind(nested_pointer(max_nesting_depth, "body") + ": bodies nested more than 100 deep", 0), 0U)
      << error;
}

TEST(Program, NestingUpToTheLimitRuns) {
  const std::string open = R"({"do": "try", "catch": ["ScenarioError"], "body": [)";
  const Program program =
      compile_scenario(nested(max_nesting_depth - 1, open, R"({"do": "raise", "msg": "deep"})", "]}"));
  const std::string trace = run_text(program);
  EXPECT_EQ(trace, "0.000000 main caught ScenarioError:deep\n0.000000 - done main ok None\n");
}

TEST(Program, DelaysBeyondTheClocksRangeAreRejectedAtLoadTime) {
  EXPECT_EQ(compile_error(main_of(R"({"do": "sleep", "delay": 1e300})")),
            "/main/0/delay: 1e+300 seconds is beyond the scenario language's limit of 1e9 seconds either way "
            "(the loop clock's range)");
  EXPECT_EQ(compile_error(main_of(R"({"do": "log", "msg": "a"}, {"do": "call_later", "delay": -1e300, "label": "x"})"))
                .rfind("/main/1/delay: -1e+300 seconds is beyond", 0),
            0U);
  EXPECT_EQ(
      compile_error(main_of(R"({"do": "future", "name": "f"}, {"do": "wait_for", "target": "f", "timeout": 2e9})"))
          .rfind("/main/1/timeout: 2e+09 seconds is beyond", 0),
      0U);
  EXPECT_EQ(
      compile_error(main_of(R"({"do": "call_at", "offset": 10000000000, "label": "x"})")).rfind("/main/0/offset", 0),
      0U);
  // The limit itself is fine.
  EXPECT_EQ(compile_error(main_of(R"({"do": "sleep", "delay": 1e9})")), "");
}

TEST(Program, TwoHundredThousandSleepingTasksRun) {
  constexpr int tasks = 200'000;
  std::string text = R"({"version": 1, "main": [)";
  for (int i = 0; i < tasks; ++i) {
    text += R"({"do": "spawn", "name": "t)" + std::to_string(i) + R"(", "body": [{"do": "sleep", "delay": 0}]},)";
  }
  text += R"({"do": "sleep", "delay": 0.001}]})";
  const Program program = compile_scenario(text);
  EXPECT_EQ(program.names.size(), static_cast<std::size_t>(tasks) + 1);
  RunOptions options;
  options.loop = LoopKind::virtual_clock;
  const RunResult result = run_program(program, options);
  ASSERT_EQ(result.lines.size(), static_cast<std::size_t>(tasks) + 1);
  EXPECT_EQ(result.lines.front().event, "done t0 ok None");
  EXPECT_EQ(result.lines.back().event, "done main ok None");
}

// The interpreter lets a done future go after the last statement that names it; every
// statement before that must still find it (in tasks, callbacks and lists alike).
TEST(Program, AFutureStaysNamedUntilItsLastUse) {
  const Program program = compile_scenario(main_of(R"(
    {"do": "future", "name": "f"},
    {"do": "spawn", "name": "t", "body": [{"do": "await", "target": "f"}, {"do": "sleep", "delay": 1},
                                          {"do": "await", "target": "f"}]},
    {"do": "call_soon", "label": "c", "then": [{"do": "set_result", "target": "f", "value": 5}]},
    {"do": "await", "target": "f"},
    {"do": "call_later", "delay": 0.5, "label": "d", "then": [{"do": "cancel", "target": "f"}]},
    {"do": "gather", "name": "g", "targets": ["f", "t"], "return_exceptions": false},
    {"do": "await", "target": "g"},
    {"do": "await", "target": "f"})"));
  const std::string trace = run_text(program);
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = trace.find(what); at != std::string::npos; at = trace.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("t await f = 5"), 2U) << trace;
  EXPECT_EQ(count("main await f = 5"), 2U) << trace;
  EXPECT_EQ(count("cancel f -> False"), 1U) << trace;
  EXPECT_EQ(count("main await g = [5, None]"), 1U) << trace;
  EXPECT_EQ(trace.find("Error"), std::string::npos) << trace;
}

/// Writes `text` to a new temporary file and returns its path.
std::string temp_file(const std::string& text) {
  char path[] = "/tmp/asim-program-test-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  std::FILE* file = ::fdopen(fd, "w");
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);
  return path;
}

/// A valid scenario of a few MiB: the loader gives its pages back as it parses them.
std::string big_text() {
  std::string text = R"({"version": 1, "main": [)";
  for (int i = 0; i < 40'000; ++i) {
    text += R"({"do": "future", "name": "f)" + std::to_string(i) + R"("}, {"do": "log", "msg": "m)" +
            std::to_string(i) + R"("},)";
  }
  return text + R"({"do": "sleep", "delay": 0}]})";
}

TEST(Program, LoadingABigFileCompilesWhatTheTextCompilesTo) {
  const std::string text = big_text();
  ASSERT_GT(text.size(), std::size_t{2} << 20);
  const std::string path = temp_file(text);
  const Program loaded = load_program(path);
  const Program compiled = compile_scenario(text);
  EXPECT_EQ(loaded.names, compiled.names);
  EXPECT_EQ(loaded.texts, compiled.texts);
  EXPECT_EQ(loaded.code.size(), compiled.code.size());
  EXPECT_EQ(run_text(loaded), run_text(compiled));
  std::remove(path.c_str());
}

TEST(Program, AFaultAtTheEndOfABigFileIsReportedAsParseScenarioReportsIt) {
  // The pages before the fault are gone when it is found: the file is read again.
  std::string text = big_text();
  text.insert(text.size() - 2, R"(, {"do": "sleep", "delay": "late"})");
  const std::string path = temp_file(text);
  const std::string expected = parse_error(text);
  EXPECT_EQ(expected, "/main/80001/delay: expected a number");
  try {
    (void)load_program(path);
    ADD_FAILURE() << "loaded";
  } catch (const ScenarioFormatError& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
  std::remove(path.c_str());
  EXPECT_THROW((void)load_program(path), ScenarioFormatError);  // gone: cannot read
}

/// The length the next file mapped by load_program is cut to, once mapped (the
/// truncation test's seam, as another process would cut it).
std::size_t cut_to = 0;
void cut_mapped_file(const std::string& path) { ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(cut_to)), 0); }

/// The message load_program raises for `path`, or "".
std::string load_error(const std::string& path) {
  return format_error([&] { return load_program(path); });
}

TEST(Program, AFileTruncatedWhileItIsReadIsReportedAsTheCutTextNotACrash) {
  // Truncating a mapped file takes its later pages out of the mapping: reading one
  // raised SIGBUS (a cut at a page boundary, 4096; a cut inside a page leaves zeros up
  // to the page's end, where the reader stops). The loader reads the file again and
  // reports the text now there.
  const std::string text = big_text();
  const std::string path = temp_file(text);
  scenario_mapped_test_hook = cut_mapped_file;
  for (const std::size_t length : {text.size() / 2, std::size_t{4096}, std::size_t{5000}}) {
    SCOPED_TRACE(length);
    cut_to = length;
    const std::string expected = format_error([&] { return parse_scenario(text.substr(0, length)); });
    ASSERT_NE(expected, "");
    EXPECT_EQ(load_error(path), expected);
    std::FILE* file = std::fopen(path.c_str(), "w");  // whole again, for the next length
    ASSERT_NE(file, nullptr);
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }
  scenario_mapped_test_hook = nullptr;
  // Untouched, the same file loads.
  EXPECT_EQ(load_program(path).code.size(), compile_scenario(text).code.size());
  std::remove(path.c_str());
}

TEST(Program, TheTraceWriterPrintsWhatFormatTracePrints) {
  const std::string text = main_of(R"({"do": "log", "msg": "a \"quoted\"\ttab"}, {"do": "sleep", "delay": 0.5},
      {"do": "spawn", "name": "t", "body": []}, {"do": "await", "target": "t"})");
  const Program program = compile_scenario(text);
  RunOptions options;
  options.loop = LoopKind::virtual_clock;
  const std::string expected = format_trace(run_program(program, options).lines);
  for (const bool times : {true, false}) {
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    {
      TraceWriter writer(fileno(file), times, 16);  // a tiny block: several writes
      writer.keep_json_events();
      (void)run_program(program, options, &writer);
      writer.flush();
      EXPECT_EQ(writer.lines_written(), static_cast<std::size_t>(std::count(expected.begin(), expected.end(), '\n')));
      EXPECT_NE(writer.json_events().find(R"("event": "log a \"quoted\"\ttab")"), std::string::npos)
          << writer.json_events();
    }
    std::rewind(file);
    std::string written;
    char buffer[256];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) written.append(buffer, n);
    std::fclose(file);
    EXPECT_EQ(written, times ? expected : format_trace(run_program(program, options).lines, false));
  }
}

TEST(Program, TheTraceWriterWritesALineLongerThanItsBuffer) {
  // The buffer holds a block and 4 KiB more: a longer line gets a buffer of its own size.
  const std::string long_event(20000, 'x');
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    TraceWriter writer(fileno(file), true, 16);
    writer.line(0.5, "t", "short");
    writer.line(0.5, "t", long_event);
    writer.line(1.25, "-", "after");
    writer.flush();
  }
  std::rewind(file);
  std::string written;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) written.append(buffer, n);
  std::fclose(file);
  EXPECT_EQ(written, "0.500000 t short\n0.500000 t " + long_event + "\n1.250000 - after\n");
}

}  // namespace
}  // namespace asim::props
