// SPDX-License-Identifier: MIT
// Reading, validating and writing scenarios as JSON (nlohmann_json).
#include <asim/props/scenario.hpp>

#include <asim/props/program.hpp>

#include "json_checks.hpp"
#include "statement_fields.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>
#include <utility>
#include <vector>

namespace asim::props {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

struct OpInfo {
  Op op;
  std::string_view name;
  bool callback;
};

constexpr std::array<OpInfo, 33> op_table{{
    {Op::log, "log", true},
    {Op::sleep, "sleep", false},
    {Op::spawn, "spawn", true},
    {Op::future, "future", true},
    {Op::await_, "await", false},
    {Op::cancel, "cancel", true},
    {Op::set_result, "set_result", true},
    {Op::set_exception, "set_exception", true},
    {Op::call_soon, "call_soon", true},
    {Op::call_later, "call_later", true},
    {Op::call_at, "call_at", true},
    {Op::wait, "wait", false},
    {Op::wait_for, "wait_for", false},
    {Op::gather, "gather", true},
    {Op::shield, "shield", true},
    {Op::as_completed, "as_completed", false},
    {Op::timeout, "timeout", false},
    {Op::try_, "try", false},
    {Op::return_, "return", false},
    {Op::raise, "raise", false},
    {Op::lock, "lock", true},
    {Op::semaphore, "semaphore", true},
    {Op::acquire, "acquire", false},
    {Op::release, "release", true},
    {Op::event, "event", true},
    {Op::set, "set", true},
    {Op::clear, "clear", true},
    {Op::wait_event, "wait_event", false},
    {Op::queue, "queue", true},
    {Op::put, "put", false},
    {Op::get, "get", false},
    {Op::put_nowait, "put_nowait", true},
    {Op::get_nowait, "get_nowait", true},
}};

const OpInfo& info(Op op) noexcept { return op_table[static_cast<std::size_t>(op)]; }

class Reader {
 public:
  std::vector<Statement> block(const Json& json, const std::string& pointer, bool in_callback, int depth) {
    if (!json.is_array()) fail(pointer, "expected a list of statements");
    if (depth > max_nesting_depth) {
      fail(pointer, "bodies nested more than " + std::to_string(max_nesting_depth) +
                        " deep (the scenario language's limit)");
    }
    std::vector<Statement> out;
    out.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
      out.push_back(statement(json[i], pointer + "/" + std::to_string(i), in_callback, depth));
    }
    return out;
  }

 private:
  [[noreturn]] static void fail(const std::string& pointer, const std::string& problem) {
    throw ScenarioFormatError(pointer, problem);
  }


  Statement statement(const Json& json, const std::string& pointer, bool in_callback, int depth) {
    if (!json.is_object()) fail(pointer, "expected a statement object");
    auto do_it = json.find("do");
    if (do_it == json.end()) fail(pointer + "/do", "missing field");
    if (!do_it->is_string()) fail(pointer + "/do", "expected a string");
    const std::string& do_name = do_it->get_ref<const std::string&>();
    std::optional<Op> op = op_from_name(do_name);
    if (!op) fail(pointer + "/do", "unknown statement '" + do_name + "'");
    if (in_callback && !allowed_in_callback(*op)) {
      fail(pointer + "/do", "statement '" + do_name + "' is not allowed in a callback's then");
    }
    const detail::StatementFields& fields = detail::statement_fields(*op);
    const auto required = [&fields](detail::Field field) { return (fields.required & detail::bit(field)) != 0; };
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (it.key() == "do") continue;
      const detail::Field field = detail::field_of(it.key());
      const bool known = field != detail::Field::count && (fields.allowed & detail::bit(field)) != 0;
      if (!known) fail(pointer + "/" + json_pointer_token(it.key()), "unknown field of '" + do_name + "'");
    }
    for (std::size_t i = 0; i < fields.size; ++i) {
      const std::string_view key = detail::key_of(fields.fields[i]);
      if (required(fields.fields[i]) && !json.contains(key)) fail(pointer + "/" + std::string(key), "missing field");
    }

    Statement s;
    s.op = *op;
    for (std::size_t i = 0; i < fields.size; ++i) {
      const std::string_view key = detail::key_of(fields.fields[i]);
      auto it = json.find(key);
      if (it == json.end()) continue;
      const Json& v = *it;
      const std::string at = pointer + "/" + std::string(key);
      if (key == "msg" || key == "label") {
        s.text = string(v, at);
      } else if (key == "name") {
        if (required(detail::Field::name) || !v.is_null()) s.name = string(v, at);
      } else if (key == "target") {
        s.target = string(v, at);
      } else if (key == "targets") {
        if (!v.is_array()) fail(at, "expected a list of names");
        for (std::size_t i = 0; i < v.size(); ++i) s.targets.push_back(string(v[i], at + "/" + std::to_string(i)));
      } else if (key == "catch") {
        if (!v.is_array()) fail(at, "expected a list of class names");
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::string entry = at + "/" + std::to_string(i);
          s.catch_classes.push_back(string(v[i], entry));
          if (!is_exception_class(s.catch_classes.back())) {
            fail(entry, unknown_exception_class_problem(s.catch_classes.back()));
          }
        }
      } else if (key == "delay" || key == "offset") {
        // Only the timeout statement allows a null delay.
        if (*op == Op::timeout && v.is_null()) continue;
        s.seconds = number(v, at);
        check_delay(*s.seconds, at);
      } else if (key == "timeout") {
        if (!v.is_null()) {
          s.seconds = number(v, at);
          check_delay(*s.seconds, at);
        }
      } else if (key == "value" || key == "maxsize") {
        if (v.is_null() && (*op != Op::semaphore && *op != Op::queue)) continue;
        s.value = integer(v, at);
      } else if (key == "return_exceptions" || key == "reraise") {
        if (!v.is_boolean()) fail(at, "expected true or false");
        s.flag = v.get<bool>();
      } else if (key == "return_when") {
        const std::string text = string(v, at);
        if (text == "ALL_COMPLETED") {
          s.return_when = ReturnWhen::all_completed;
        } else if (text == "FIRST_COMPLETED") {
          s.return_when = ReturnWhen::first_completed;
        } else if (text == "FIRST_EXCEPTION") {
          s.return_when = ReturnWhen::first_exception;
        } else {
          fail(at, "expected ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION");
        }
      } else if (key == "body") {
        // A spawned body is a task body even inside a callback.
        s.body = block(v, at, *op == Op::spawn ? false : in_callback, depth + 1);
      } else if (key == "then") {
        s.body = block(v, at, true, depth + 1);
      } else if (key == "handler") {
        s.handler = block(v, at, in_callback, depth + 1);
      }
    }
    return s;
  }

  static std::string string(const Json& v, const std::string& at) {
    if (!v.is_string()) fail(at, "expected a string");
    return v.get<std::string>();
  }
  static double number(const Json& v, const std::string& at) {
    if (!v.is_number()) fail(at, "expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(at, "expected a finite number");
    return d;
  }
  static std::int64_t integer(const Json& v, const std::string& at) {
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(at, "integer out of range");
      }
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    fail(at, "expected an integer");
  }
};

/// A number beyond double range (1e999): nlohmann's parser refuses it while lexing
/// (error 406) and stops, where the language reads it as an infinite number, to be
/// refused in its place among the file's faults (as Python's json and the CPython
/// runner do): a syntax error later in the text, or a fault parse_scenario finds
/// first, wins over it. So the text is read again with such numbers blanked.
struct NumberOverflow {};

/// `text` with every number beyond double range outside strings replaced by "0" and
/// spaces (the same length, so byte positions stay), and which numbers they were:
/// (ordinal among the text's numbers, negative). Numbers are read as the parser reads
/// them (the longest prefix of JSON's number grammar); in a text that parses, the
/// ordinals are the order of the parser's number events.
struct BlankedNumbers {
  std::string text;
  std::vector<std::pair<std::size_t, bool>> infinite;
};
BlankedNumbers blank_overflowing_numbers(std::string_view text) {
  BlankedNumbers out{std::string(text), {}};
  std::string& t = out.text;
  const auto digit = [&](std::size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
  std::size_t ordinal = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && !digit(i)) continue;
    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    const std::size_t begin = i;
    std::size_t j = i + (c == '-' ? 1 : 0);
    bool ok = digit(j);
    if (ok && t[j] == '0') {
      ++j;
    } else {
      while (digit(j)) ++j;
    }
    if (ok && j < t.size() && t[j] == '.') {
      ok = digit(++j);
      while (digit(j)) ++j;
    }
    if (ok && j < t.size() && (t[j] == 'e' || t[j] == 'E')) {
      ++j;
      if (j < t.size() && (t[j] == '+' || t[j] == '-')) ++j;
      ok = digit(j);
      while (digit(j)) ++j;
    }
    // The parser reads the longest number there is, as this does; what follows it is
    // read as the next token.
    i = std::max(j, begin + 1) - 1;
    if (!ok) continue;  // not a number: the parser refuses the text there
    const std::string token = t.substr(begin, j - begin);
    if (std::isfinite(std::strtod(token.c_str(), nullptr))) {
      ++ordinal;
      continue;
    }
    out.infinite.emplace_back(ordinal++, c == '-');
    // Right after another number ("5E53-1e780"), a "0" would join it into one number
    // the parser reads (5E530) where the file has two tokens, a syntax error: a space
    // before the "0" keeps them apart. An infinite number has at least 4 characters.
    const bool joins =
        begin > 0 && (digit(begin - 1) || std::string_view(".eE+-").find(t[begin - 1]) != std::string_view::npos);
    t.replace(begin, j - begin, (joins ? " 0" : "0") + std::string(j - begin - (joins ? 2 : 1), ' '));
  }
  return out;
}

/// Builds the DOM like nlohmann's own parser and keeps the JSON pointer of the value
/// being read, so that errors the lexer raises can still name their place. An object
/// that gives a key twice is not JSON to the scenario language (nlohmann would keep
/// the last value, CPython's runner refuses it): it stops the parse like a syntax
/// error, at the pointer of the second key.
class PathSax final : public nlohmann::json_sax<Json> {
 public:
  /// `out`: the DOM to build, or nullptr to read the keys only (check_keys_once).
  /// `blanked`: the text is `original` with numbers blanked (blank_overflowing_numbers),
  /// read as the infinities they were.
  explicit PathSax(Json* out, const BlankedNumbers* blanked = nullptr, std::string_view original = {})
      : blanked_(blanked), original_(original) {
    if (out != nullptr) dom_.emplace(*out, true);
  }

  [[nodiscard]] std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) out += "/" + (f.array ? std::to_string(f.index) : json_pointer_token(f.key));
    return out;
  }

  bool null() override { return value(), !dom_ || dom_->null(); }
  bool boolean(bool v) override { return value(), !dom_ || dom_->boolean(v); }
  bool number_integer(number_integer_t v) override {
    return value(), blanked() ? infinity() : !dom_ || dom_->number_integer(v);
  }
  bool number_unsigned(number_unsigned_t v) override {
    return value(), blanked() ? infinity() : !dom_ || dom_->number_unsigned(v);
  }
  bool number_float(number_float_t v, const string_t& s) override {
    return value(), blanked() ? infinity() : !dom_ || dom_->number_float(v, s);
  }
  bool string(string_t& v) override { return value(), !dom_ || dom_->string(v); }
  bool binary(binary_t& v) override { return value(), !dom_ || dom_->binary(v); }
  bool start_object(std::size_t n) override {
    enter();
    frames_.push_back(Frame{false, 0, {}, true, {}});
    return !dom_ || dom_->start_object(n);
  }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) throw ScenarioFormatError(pointer(), detail::duplicate_key_problem);
    return !dom_ || dom_->key(k);
  }
  bool end_object() override {
    frames_.pop_back();
    return !dom_ || dom_->end_object();
  }
  bool start_array(std::size_t n) override {
    enter();
    frames_.push_back(Frame{true, 0, {}, true, {}});
    return !dom_ || dom_->start_array(n);
  }
  bool end_array() override {
    frames_.pop_back();
    return !dom_ || dom_->end_array();
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) override {
    // nlohmann refuses numbers beyond double range (1e999) while lexing (error 406):
    // read again with them blanked (NumberOverflow); if the blanked text still has one,
    // its place is all that can be said.
    if (e.id == 406) {
      if (blanked_ == nullptr) throw NumberOverflow{};
      throw ScenarioFormatError(pointer(), "expected a finite number");
    }
    throw ScenarioFormatError(
        "", "invalid JSON at byte " + std::to_string(position) + " near '" + near(position, token) + "': " + e.what());
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    bool fresh;
    /// An object's keys so far.
    std::unordered_set<std::string> keys;
  };
  /// A scalar value is read: it takes the next array slot.
  void value() { enter(); }
  void enter() {
    if (frames_.empty() || !frames_.back().array) return;
    Frame& f = frames_.back();
    if (f.fresh) {
      f.fresh = false;
    } else {
      ++f.index;
    }
  }

  /// The text of a syntax error's place: in a blanked text, what the file has there
  /// (when the parser's token is the text's bytes, not an escaped rendering of them).
  [[nodiscard]] std::string near(std::size_t position, const std::string& token) const {
    if (blanked_ == nullptr || position < token.size() || position > blanked_->text.size()) return token;
    const std::size_t begin = position - token.size();
    if (std::string_view(blanked_->text).substr(begin, token.size()) != token) return token;
    return std::string(original_.substr(begin, token.size()));
  }
  /// The number being read was blanked: it is the next infinity.
  bool blanked() {
    const std::size_t ordinal = numbers_++;
    return blanked_ != nullptr && next_infinite_ < blanked_->infinite.size() &&
           blanked_->infinite[next_infinite_].first == ordinal;
  }
  bool infinity() {
    const bool negative = blanked_->infinite[next_infinite_++].second;
    const double v = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return !dom_ || dom_->number_float(v, "");
  }

  std::optional<nlohmann::detail::json_sax_dom_parser<Json>> dom_;
  std::vector<Frame> frames_;
  const BlankedNumbers* blanked_ = nullptr;
  std::string_view original_;
  std::size_t numbers_ = 0;
  std::size_t next_infinite_ = 0;
};

OrderedJson names_json(const std::vector<std::string>& names) {
  OrderedJson out = OrderedJson::array();
  for (const std::string& n : names) out.push_back(n);
  return out;
}

OrderedJson seconds_json(const std::optional<double>& seconds) {
  return seconds ? OrderedJson(*seconds) : OrderedJson(nullptr);
}

OrderedJson value_json(const std::optional<std::int64_t>& value) {
  return value ? OrderedJson(*value) : OrderedJson(nullptr);
}

OrderedJson block_json(const std::vector<Statement>& block);

OrderedJson statement_json(const Statement& s) {
  OrderedJson j = OrderedJson::object();
  j["do"] = std::string(op_name(s.op));
  switch (s.op) {
    case Op::log:
    case Op::raise: j["msg"] = s.text; break;
    case Op::sleep: j["delay"] = seconds_json(s.seconds); break;
    case Op::spawn:
      j["name"] = s.name.value_or("");
      j["body"] = block_json(s.body);
      break;
    case Op::future:
    case Op::lock:
    case Op::event: j["name"] = s.name.value_or(""); break;
    case Op::await_:
    case Op::cancel:
    case Op::acquire:
    case Op::release:
    case Op::set:
    case Op::clear:
    case Op::wait_event:
    case Op::get:
    case Op::get_nowait: j["target"] = s.target; break;
    case Op::set_result:
    case Op::put:
    case Op::put_nowait:
      j["target"] = s.target;
      j["value"] = value_json(s.value);
      break;
    case Op::set_exception:
      j["target"] = s.target;
      j["msg"] = s.text;
      break;
    case Op::call_soon:
    case Op::call_later:
    case Op::call_at:
      if (s.op == Op::call_later) j["delay"] = seconds_json(s.seconds);
      if (s.op == Op::call_at) j["offset"] = seconds_json(s.seconds);
      j["label"] = s.text;
      if (s.name) j["name"] = *s.name;
      if (s.op != Op::call_soon || !s.body.empty()) j["then"] = block_json(s.body);
      break;
    case Op::wait:
      j["targets"] = names_json(s.targets);
      j["timeout"] = seconds_json(s.seconds);
      j["return_when"] = s.return_when == ReturnWhen::all_completed     ? "ALL_COMPLETED"
                         : s.return_when == ReturnWhen::first_completed ? "FIRST_COMPLETED"
                                                                        : "FIRST_EXCEPTION";
      break;
    case Op::wait_for:
      j["target"] = s.target;
      j["timeout"] = seconds_json(s.seconds);
      break;
    case Op::gather:
      j["name"] = s.name.value_or("");
      j["targets"] = names_json(s.targets);
      j["return_exceptions"] = s.flag;
      break;
    case Op::shield:
      j["name"] = s.name.value_or("");
      j["target"] = s.target;
      break;
    case Op::as_completed:
      j["targets"] = names_json(s.targets);
      j["timeout"] = seconds_json(s.seconds);
      break;
    case Op::timeout:
      j["delay"] = seconds_json(s.seconds);
      j["body"] = block_json(s.body);
      break;
    case Op::try_:
      j["body"] = block_json(s.body);
      j["catch"] = names_json(s.catch_classes);
      j["handler"] = block_json(s.handler);
      j["reraise"] = s.flag;
      break;
    case Op::return_: j["value"] = value_json(s.value); break;
    case Op::semaphore:
      j["name"] = s.name.value_or("");
      j["value"] = s.value.value_or(0);
      break;
    case Op::queue:
      j["name"] = s.name.value_or("");
      j["maxsize"] = s.value.value_or(0);
      break;
  }
  return j;
}

OrderedJson block_json(const std::vector<Statement>& block) {
  OrderedJson out = OrderedJson::array();
  for (const Statement& s : block) out.push_back(statement_json(s));
  return out;
}

void write_block(std::ostream& out, const std::vector<Statement>& block, int indent);

/// Writes one statement on one line unless it has nested statements, which go one
/// per line below it, so a shrunk scenario stays readable.
void write_statement(std::ostream& out, const Statement& s, int indent) {
  const bool nested = !s.body.empty() || !s.handler.empty();
  if (!nested) {
    out << statement_json(s).dump();
    return;
  }
  OrderedJson flat = statement_json(s);
  out << "{";
  bool first = true;
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    if (!first) out << ", ";
    first = false;
    out << OrderedJson(it.key()).dump() << ": ";
    const bool is_block = it.key() == "body" || it.key() == "then" || it.key() == "handler";
    if (is_block && !it->empty()) {
      const std::vector<Statement>& block = it.key() == "handler" ? s.handler : s.body;
      write_block(out, block, indent + 2);
    } else {
      out << it->dump();
    }
  }
  out << "}";
}

void write_block(std::ostream& out, const std::vector<Statement>& block, int indent) {
  out << "[";
  for (std::size_t i = 0; i < block.size(); ++i) {
    out << "\n" << std::string(static_cast<std::size_t>(indent), ' ');
    write_statement(out, block[i], indent);
    if (i + 1 < block.size()) out << ",";
  }
  out << "]";
}

std::size_t count_block(const std::vector<Statement>& block) noexcept {
  std::size_t n = 0;
  for (const Statement& s : block) n += 1 + count_block(s.body) + count_block(s.handler);
  return n;
}

}  // namespace

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view op_name(Op op) noexcept { return info(op).name; }

std::optional<Op> op_from_name(std::string_view name) noexcept {
  for (const OpInfo& entry : op_table) {
    if (entry.name == name) return entry.op;
  }
  return std::nullopt;
}

bool allowed_in_callback(Op op) noexcept { return info(op).callback; }

std::string unknown_exception_class_problem(std::string_view name) {
  return "unknown exception class '" + std::string(name) + "'";
}

Scenario parse_scenario(std::string_view json_text) {
  Json json;
  try {
    try {
      PathSax sax(&json);
      Json::sax_parse(json_text.begin(), json_text.end(), &sax);
    } catch (const NumberOverflow&) {
      const BlankedNumbers blanked = blank_overflowing_numbers(json_text);
      json = Json();
      PathSax sax(&json, &blanked, json_text);
      Json::sax_parse(blanked.text.begin(), blanked.text.end(), &sax);
    }
  } catch (const Json::exception& e) {
    throw ScenarioFormatError("", std::string("invalid JSON: ") + e.what());
  }
  detail::check_no_nul(json_text);
  if (!json.is_object()) throw ScenarioFormatError("", "expected an object with \"version\": 1 and a list \"main\"");
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() != "version" && it.key() != "main") {
      throw ScenarioFormatError("/" + json_pointer_token(it.key()), "unknown field");
    }
  }
  auto version = json.find("version");
  if (version == json.end()) throw ScenarioFormatError("/version", "missing field");
  if (!version->is_number_integer() || version->get<std::int64_t>() != 1) {
    throw ScenarioFormatError("/version", "unsupported version (expected 1)");
  }
  auto main = json.find("main");
  if (main == json.end()) throw ScenarioFormatError("/main", "missing field");
  Scenario scenario;
  scenario.main = Reader().block(*main, "/main", false, 1);
  return scenario;
}

namespace detail {

void check_keys_once(std::string_view json_text) {
  PathSax sax(nullptr);
  try {
    Json::sax_parse(json_text.begin(), json_text.end(), &sax);
  } catch (const Json::exception&) {
    // Not JSON, and no key twice before the fault: parse_scenario reports it.
  }
}

void check_no_nul(std::string_view json_text) {
  const std::size_t at = json_text.find('\0');
  if (at == std::string_view::npos) return;
  throw ScenarioFormatError("", "invalid JSON at byte " + std::to_string(at + 1) +
                                    ": a NUL byte after the document (JSON has no NUL outside escapes)");
}

}  // namespace detail

Scenario load_scenario(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ScenarioFormatError("", "cannot read " + path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return parse_scenario(text);
}

std::string to_json(const Scenario& scenario, bool pretty) {
  if (!pretty) {
    OrderedJson j = OrderedJson::object();
    j["version"] = 1;
    j["main"] = block_json(scenario.main);
    return j.dump();
  }
  std::ostringstream out;
  out << "{\"version\": 1, \"main\": ";
  write_block(out, scenario.main, 2);
  out << "}\n";
  return out.str();
}

std::size_t statement_count(const Scenario& scenario) noexcept { return count_block(scenario.main); }

}  // namespace asim::props
