// SPDX-License-Identifier: MIT
#include <asim/props/scenario.hpp>

#include <gtest/gtest.h>

#include <string>

namespace asim::props {
namespace {

/// The message of the ScenarioFormatError `text` raises, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    (void)parse_scenario(text);
  } catch (const ScenarioFormatError& e) {
    return e.what();
  }
  return "";
}

std::string main_of(const std::string& statements) { return R"({"version": 1, "main": [)" + statements + "]}"; }

TEST(Scenario, ParsesEveryStatementAndWritesItBackUnchanged) {
  const std::string text = main_of(R"(
    {"do": "log", "msg": "hi"},
    {"do": "sleep", "delay": 0.125},
    {"do": "spawn", "name": "t1", "body": [{"do": "return", "value": 3}]},
    {"do": "future", "name": "f1"},
    {"do": "await", "target": "t1"},
    {"do": "cancel", "target": "t1"},
    {"do": "set_result", "target": "f1", "value": null},
    {"do": "set_exception", "target": "f1", "msg": "boom"},
    {"do": "call_soon", "label": "a"},
    {"do": "call_later", "delay": 1, "label": "b", "name": "h1", "then": [{"do": "log", "msg": "x"}]},
    {"do": "call_at", "offset": 0.5, "label": "c", "then": []},
    {"do": "wait", "targets": ["t1", "f1"], "timeout": null, "return_when": "FIRST_EXCEPTION"},
    {"do": "wait_for", "target": "t1", "timeout": 2},
    {"do": "gather", "name": "g1", "targets": ["t1"], "return_exceptions": true},
    {"do": "shield", "name": "s1", "target": "t1"},
    {"do": "as_completed", "targets": ["t1"], "timeout": null},
    {"do": "timeout", "delay": null, "body": [{"do": "raise", "msg": "r"}]},
    {"do": "try", "body": [], "catch": ["TimeoutError"], "handler": [{"do": "log", "msg": "h"}], "reraise": true},
    {"do": "lock", "name": "lk"}, {"do": "semaphore", "name": "sm", "value": 2},
    {"do": "acquire", "target": "lk"}, {"do": "release", "target": "lk"},
    {"do": "event", "name": "e"}, {"do": "set", "target": "e"}, {"do": "clear", "target": "e"},
    {"do": "wait_event", "target": "e"},
    {"do": "queue", "name": "q", "maxsize": 0}, {"do": "put", "target": "q", "value": 1},
    {"do": "get", "target": "q"}, {"do": "put_nowait", "target": "q", "value": 2},
    {"do": "get_nowait", "target": "q"}, {"do": "return"})");
  const Scenario scenario = parse_scenario(text);
  ASSERT_EQ(scenario.main.size(), 32U);
  EXPECT_EQ(scenario.main[1].seconds, 0.125);
  EXPECT_EQ(scenario.main[2].body.at(0).value, 3);
  EXPECT_FALSE(scenario.main[6].value.has_value());
  EXPECT_EQ(scenario.main[9].name, "h1");
  EXPECT_FALSE(scenario.main[8].name.has_value());
  EXPECT_EQ(scenario.main[11].return_when, ReturnWhen::first_exception);
  EXPECT_FALSE(scenario.main[16].seconds.has_value());
  EXPECT_TRUE(scenario.main[17].flag);
  EXPECT_EQ(parse_scenario(to_json(scenario)), scenario);
  EXPECT_EQ(parse_scenario(to_json(scenario, false)), scenario);
  EXPECT_EQ(statement_count(scenario), 36U);
}

TEST(Scenario, InvalidJsonIsReportedAtTheRoot) {
  EXPECT_EQ(error_of("{").rfind("/: invalid JSON", 0), 0U) << error_of("{");
}

TEST(Scenario, AKeyGivenTwiceInOneObjectIsNotJsonAndNamesTheSecondKey) {
  // Wherever the object is: a statement, the document, a value nobody reads.
  const std::string twice = ": invalid JSON: a key given twice in one object";
  EXPECT_EQ(error_of(main_of(R"({"do": "sleep", "delay": 1, "delay": 2})")), "/main/0/delay" + twice);
  EXPECT_EQ(error_of(R"({"version": 1, "main": [], "version": 1})"), "/version" + twice);
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a", "x": {"k": 1, "k": 1}})")), "/main/0/x/k" + twice);
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a", "a/b": 1, "a/b": 2})")), "/main/0/a~1b" + twice);
  // Not JSON wins over what the statements say, as a syntax error does; a syntax
  // error before the second key wins over it.
  EXPECT_EQ(error_of(main_of(R"({"do": "jump"}, {"do": "log", "msg": "a", "msg": "b"})")), "/main/1/msg" + twice);
  EXPECT_EQ(error_of(main_of(R"({"do": "log" "msg": "a", "msg": "b"})")).rfind("/: invalid JSON at byte", 0), 0U);
}

TEST(Scenario, TextAfterANulByteIsNotIgnored) {
  // nlohmann's parser takes a NUL for the end of its input; JSON has none.
  const std::string text = std::string(R"({"version": 1, "main": []})") + '\0' + "anything";
  EXPECT_EQ(error_of(text),
            "/: invalid JSON at byte 27: a NUL byte after the document (JSON has no NUL outside escapes)");
}

TEST(Scenario, AByteOrderMarkIsAllowedAtTheStartOnly) {
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(error_of(bom + main_of(R"({"do": "log", "msg": "a"})")), "");
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a"})") + bom).rfind("/: invalid JSON at byte", 0), 0U);
}

TEST(Scenario, ACatchListNamesOnlyTheTenExceptionClasses) {
  EXPECT_EQ(error_of(main_of(R"({"do": "try", "body": [], "catch": ["TimeoutError", "TypeErr"]})")),
            "/main/0/catch/1: unknown exception class 'TypeErr'");
  EXPECT_EQ(error_of(main_of(R"({"do": "try", "body": [], "catch": ["Exception"]})")),
            "/main/0/catch/0: unknown exception class 'Exception'");
  std::string all;
  for (const std::string_view name : exception_classes) all += (all.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  EXPECT_EQ(error_of(main_of(R"({"do": "try", "body": [], "catch": [)" + all + "]}")), "");
}

TEST(Scenario, AWrongOrMissingVersionNamesVersion) {
  EXPECT_EQ(error_of(R"({"version": 2, "main": []})"), "/version: unsupported version (expected 1)");
  EXPECT_EQ(error_of(R"({"main": []})"), "/version: missing field");
  EXPECT_EQ(error_of(R"({"version": 1})"), "/main: missing field");
  EXPECT_EQ(error_of(R"({"version": 1, "main": {}})"), "/main: expected a list of statements");
  EXPECT_EQ(error_of(R"({"version": 1, "main": [], "extra": 1})"), "/extra: unknown field");
}

TEST(Scenario, AnUnknownStatementNamesItsDo) {
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a"}, {"do": "jump"})")), "/main/1/do: unknown statement 'jump'");
  EXPECT_EQ(error_of(main_of(R"({"msg": "a"})")), "/main/0/do: missing field");
  EXPECT_EQ(error_of(main_of(R"(3)")), "/main/0: expected a statement object");
}

TEST(Scenario, AMissingFieldNamesItsPointer) {
  EXPECT_EQ(error_of(main_of(R"({"do": "spawn", "name": "t", "body": [{"do": "sleep"}]})")),
            "/main/0/body/0/delay: missing field");
  EXPECT_EQ(error_of(main_of(R"({"do": "set_result", "target": "f"})")), "/main/0/value: missing field");
}

TEST(Scenario, AnIllTypedFieldNamesItsPointer) {
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a"}, {"do": "log", "msg": "b"}, {"do": "log", "msg": "c"},
      {"do": "timeout", "delay": 1, "body": [{"do": "sleep", "delay": "soon"}]})")),
            "/main/3/body/0/delay: expected a number");
  EXPECT_EQ(error_of(main_of(R"({"do": "sleep", "delay": true})")), "/main/0/delay: expected a number");
  EXPECT_EQ(error_of(main_of(R"({"do": "sleep", "delay": null})")), "/main/0/delay: expected a number");
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": 1})")), "/main/0/msg: expected a string");
  EXPECT_EQ(error_of(main_of(R"({"do": "put_nowait", "target": "q", "value": 1.5})")),
            "/main/0/value: expected an integer");
  EXPECT_EQ(error_of(main_of(R"({"do": "wait", "targets": ["a", 2], "return_when": "ALL_COMPLETED"})")),
            "/main/0/targets/1: expected a string");
  EXPECT_EQ(error_of(main_of(R"({"do": "wait", "targets": [], "return_when": "SOMETIME"})")),
            "/main/0/return_when: expected ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION");
  EXPECT_EQ(error_of(main_of(R"({"do": "gather", "name": "g", "targets": [], "return_exceptions": 1})")),
            "/main/0/return_exceptions: expected true or false");
}

TEST(Scenario, ANonFiniteNumberNamesItsPointer) {
  EXPECT_EQ(error_of(main_of(R"({"do": "sleep", "delay": 1e999})")), "/main/0/delay: expected a finite number");
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a"}, {"do": "spawn", "name": "t", "body": [
      {"do": "call_later", "delay": -1e400, "label": "x"}]})")),
            "/main/1/body/0/delay: expected a finite number");
}

TEST(Scenario, ANumberBeyondDoubleRangeIsRefusedInItsPlaceAmongTheFaults) {
  // Read as infinite, as Python's json reads it: a later syntax error and an earlier
  // fault win, and where a string is wanted it is not one.
  EXPECT_EQ(
      error_of(R"({"version": 1, "main": [{"do": "sleep", "delay": 1e999}], x)").rfind("/: invalid JSON at byte", 0),
      0U);
  EXPECT_EQ(
      error_of(R"({"version": 1, "main": [{"do": "sleep", "delay": 1e999e5}]})").rfind("/: invalid JSON at byte", 0),
      0U);
  EXPECT_EQ(error_of(R"({"version": 2, "main": [{"do": "sleep", "delay": 1e999}]})"),
            "/version: unsupported version (expected 1)");
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": -1e999})")), "/main/0/msg: expected a string");
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "1e999"}, {"do": "log", "msg": "-1e999 \" 1e999"},
      {"do": "sleep", "delay": -1e999})")),
            "/main/2/delay: expected a finite number");
  EXPECT_EQ(error_of(R"([1e999])"), R"(/: expected an object with "version": 1 and a list "main")");
  // Two numbers side by side are two tokens, a syntax error, when the second is
  // beyond double range too (found by the fuzzer: read as one number 5E530 before).
  for (const char* text : {"[3E3564,5E53-1e780", "[5E53-1e780]", R"({"version": 1, "main": [], "x": 1.5e999e999})",
                           R"({"version": 1, "main": [], "x": 2.-1e999})"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(error_of(text).rfind("/: invalid JSON at byte", 0), 0U);
  }
}

TEST(Scenario, AControlCharacterInAKeyIsShownEscapedInThePlace) {
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a", "x\u0000y": 1})")),
            "/main/0/x\\u0000y: unknown field of 'log'");
  EXPECT_EQ(error_of(R"({"version": 1, "main": [], "a/b\n": 1})"), "/a~1b\\u000a: unknown field");
}

TEST(Scenario, AnUnknownFieldNamesItsPointer) {
  EXPECT_EQ(error_of(main_of(R"({"do": "log", "msg": "a", "mgs": "b"})")), "/main/0/mgs: unknown field of 'log'");
}

TEST(Scenario, TaskOnlyStatementsAreRejectedInACallbacksThen) {
  EXPECT_EQ(error_of(main_of(R"({"do": "call_soon", "label": "x", "then": [{"do": "log", "msg": "ok"},
      {"do": "await", "target": "t"}]})")),
            "/main/0/then/1/do: statement 'await' is not allowed in a callback's then");
  // A task spawned by a callback has a task body again.
  EXPECT_EQ(error_of(main_of(R"({"do": "call_soon", "label": "x", "then": [
      {"do": "spawn", "name": "t", "body": [{"do": "sleep", "delay": 0}]}]})")),
            "");
}

TEST(Scenario, OpNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Op::get_nowait); ++i) {
    const auto op = static_cast<Op>(i);
    EXPECT_EQ(op_from_name(op_name(op)), op);
  }
  EXPECT_FALSE(op_from_name("await_").has_value());
  EXPECT_TRUE(allowed_in_callback(Op::put_nowait));
  EXPECT_FALSE(allowed_in_callback(Op::put));
}

}  // namespace
}  // namespace asim::props
