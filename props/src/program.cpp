// SPDX-License-Identifier: MIT
// Compiling scenarios: from a tree, or from JSON text in one pass (sax_compiler.hpp),
// read by the fast reader (fast_reader.hpp) or by nlohmann's parser.
//
// The one-pass compiler checks what it reads as parse_scenario checks its tree and
// reports the same fault with the same message (see SaxCompiler), so a malformed file
// is read once too. Only text that no writer produces (`do` twice, a number beyond
// double range) is read again by parse_scenario.
#include <asim/props/program.hpp>

#include <asim/detail/huge_pages.hpp>

#include "fast_reader.hpp"
#include "json_checks.hpp"
#include "name_table.hpp"
#include "sax_compiler.hpp"
#include "truncation_guard.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

namespace {

using detail::check_keys_once;
using detail::delay_problem;
using detail::FastReader;
using detail::ReleasedText;
using detail::SaxCompiler;
using detail::Tables;
using detail::TruncationGuard;

[[noreturn]] void too_deep(const std::string& pointer) {
  throw ScenarioFormatError(pointer, "bodies nested more than " + std::to_string(max_nesting_depth) +
                                         " deep (the scenario language's limit)");
}

/// Compiles a tree (generated or parsed by parse_scenario).
class TreeCompiler {
 public:
  explicit TreeCompiler(Program& program) : program_(program), tables_(program) {}

  /// Compiles a block whose JSON pointer is pointer_.
  Span block(const std::vector<Statement>& statements, int depth) {
    if (depth > max_nesting_depth) too_deep(pointer_);
    std::vector<Instruction> staged;
    staged.reserve(statements.size());
    const std::size_t mark = pointer_.size();
    for (std::size_t i = 0; i < statements.size(); ++i) {
      // The pointer is kept in one string, extended and cut back, so that it costs
      // no allocation per statement; it is only read for an error.
      char digits[24];
      pointer_ += '/';
      pointer_.append(digits, std::to_chars(digits, digits + sizeof digits, i).ptr);
      staged.push_back(statement(statements[i], depth));
      pointer_.resize(mark);
    }
    const Span span{static_cast<std::uint32_t>(program_.code.size()), static_cast<std::uint32_t>(staged.size())};
    program_.code.insert(program_.code.end(), staged.begin(), staged.end());
    return span;
  }

  std::string pointer_ = "/main";

 private:
  Span nested(const std::vector<Statement>& statements, int depth, std::string_view key) {
    const std::size_t mark = pointer_.size();
    pointer_ += '/';
    pointer_ += key;
    const Span span = block(statements, depth);
    pointer_.resize(mark);
    return span;
  }

  Instruction statement(const Statement& s, int depth) {
    Instruction in;
    in.op = s.op;
    in.flag = s.flag;
    in.return_when = s.return_when;
    switch (s.op) {
      case Op::try_: {
        in.body = nested(s.body, depth + 1, "body");
        in.set_handler(nested(s.handler, depth + 1, "handler"));
        const auto begin = static_cast<std::uint32_t>(program_.lists.size());
        for (std::size_t i = 0; i < s.catch_classes.size(); ++i) {
          const std::string& c = s.catch_classes[i];
          if (!is_exception_class(c)) {
            throw ScenarioFormatError(pointer_ + "/catch/" + std::to_string(i), unknown_exception_class_problem(c));
          }
          program_.lists.push_back(tables_.text(c));
        }
        in.set_list(Span{begin, static_cast<std::uint32_t>(s.catch_classes.size())});
        return in;
      }
      case Op::wait:
      case Op::gather:
      case Op::as_completed: {
        const auto begin = static_cast<std::uint32_t>(program_.lists.size());
        for (const std::string& t : s.targets) program_.lists.push_back(tables_.slot(t));
        in.set_list(Span{begin, static_cast<std::uint32_t>(s.targets.size())});
        break;
      }
      default:
        if (uses_target(s.op)) in.target = tables_.slot(s.target);
        if (uses_text(s.op)) in.text = tables_.text(s.text);
        break;
    }
    if (s.name) in.name = tables_.slot(*s.name);
    if (s.seconds) {
      if (std::fabs(*s.seconds) > max_delay_seconds) check_delay(*s.seconds, pointer_ + "/" + seconds_key(s.op));
      in.has_number = true;
      in.number.seconds = *s.seconds;
    } else if (s.value) {
      in.has_number = true;
      in.number.value = *s.value;
    }
    if (!s.body.empty() || s.op == Op::spawn || s.op == Op::timeout) {
      in.body = nested(s.body, depth + 1, is_call(s.op) ? "then" : "body");
    }
    return in;
  }

  static const char* seconds_key(Op op) {
    switch (op) {
      case Op::call_at: return "offset";
      case Op::wait:
      case Op::wait_for:
      case Op::as_completed: return "timeout";
      default: return "delay";
    }
  }

  Program& program_;
  Tables tables_;
};

/// How a one-pass compile ended.
enum class Pass : std::uint8_t { compiled, gave_up, read_again, key_twice };

/// The one-pass compile of the text [first, last) into `program` (which must be empty):
/// the fast reader when `fast`, else nlohmann's parser. Throws ScenarioFormatError for a
/// malformed text; gave_up: the fast reader met text it does not read (run nlohmann's);
/// read_again: parse_scenario has to read it; key_twice: check_keys_once names the
/// key given twice it stopped at (see SaxCompiler).
Pass compile_once(const char* first, const char* last, bool fast, Program& program, ReleasedText* release) {
  // Capacity by the text's size: a statement takes at least 10 bytes of JSON.
  // Pages never touched cost no memory, and nothing is moved as the program grows.
  program.code.reserve(static_cast<std::size_t>(last - first) / 10 + 16);
  // Written once from start to end: huge pages (a tenth of the big scenario's load was
  // the faults of its 4 KiB pages).
  asim::detail::advise_huge_pages(program.code.data(), program.code.capacity() * sizeof(Instruction));
  SaxCompiler sax(program, static_cast<std::size_t>(last - first));
  bool parsed = false;
  if (fast) {
    parsed = FastReader<SaxCompiler>(first, last, release).read(sax);
  } else {
    parsed = nlohmann::json::sax_parse(first, last, &sax);
  }
  if (sax.stopped_at_key_twice()) return Pass::key_twice;
  if (fast && !parsed) return Pass::gave_up;
  if (!parsed || sax.needs_fallback()) return Pass::read_again;
  if (!fast) detail::check_no_nul(std::string_view(first, static_cast<std::size_t>(last - first)));
  sax.throw_fault();
  return Pass::compiled;
}

}  // namespace

void check_delay(double seconds, const std::string& pointer) {
  if (std::fabs(seconds) <= max_delay_seconds) return;
  throw ScenarioFormatError(pointer, delay_problem(seconds));
}

Program compile(const Scenario& scenario) {
  Program program;
  TreeCompiler compiler(program);
  program.main = compiler.block(scenario.main, 1);
  return program;
}

namespace {

/// The text a one-pass compile could not finish (read_again, key_twice), read as
/// parse_scenario reads it.
Program read_again(std::string_view json_text, Pass pass) {
  if (pass == Pass::key_twice) check_keys_once(json_text);  // throws, the key's place
  return compile(parse_scenario(json_text));
}

/// compile_scenario, after the fast reader when `fast`.
Program compile_text(std::string_view json_text, bool fast) {
  const char* const first = json_text.data();
  const char* const last = first + json_text.size();
  Pass pass = Pass::gave_up;
  for (;; fast = false) {
    Program program;
    pass = compile_once(first, last, fast, program, nullptr);
    if (pass == Pass::compiled) return program;
    if (pass != Pass::gave_up || !fast) break;
  }
  return read_again(json_text, pass);
}

}  // namespace

Program compile_scenario(std::string_view json_text) { return compile_text(json_text, true); }

void (*scenario_mapped_test_hook)(const std::string& path) = nullptr;

bool read_file(const std::string& path, std::string& out) {
  const bool stdin_path = path == "-";
  const int fd = stdin_path ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::size_t size = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<std::size_t>(st.st_size);
  // One read for a regular file (one byte more to see its end); stdin or a pipe grows.
  out.resize(size + 1);
  std::size_t have = 0;
  bool ok = true;
  for (;;) {
    if (have == out.size()) out.resize(out.size() * 2 + 65536);
    const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    if (size > 0 && have == size) break;  // the whole regular file, in one call
  }
  out.resize(have);
  if (!stdin_path) ::close(fd);
  return ok;
}

Program load_program(const std::string& path) {
  // Whether the fast reader has had this file's text (mapped) and given it up.
  bool fast_gave_up = false;
  if (path != "-") {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      Pass pass = Pass::gave_up;
      Program program;
      {
        ReleasedText text;
        const bool read = text.read(fd, static_cast<std::size_t>(st.st_size));
        ::close(fd);
        if (read) {
          // A file truncated under the reader: what was read is not the file; it is read
          // again below, and a cut-off text is reported as one.
          const TruncationGuard guard(text.data(), text.size());
          if (scenario_mapped_test_hook != nullptr) scenario_mapped_test_hook(path);
          try {
            pass = compile_once(text.data(), text.data() + text.size(), true, program, &text);
          } catch (const ScenarioFormatError&) {
            if (!guard.tripped()) throw;
          }
          if (guard.tripped()) pass = Pass::gave_up;
          fast_gave_up = true;  // (read_again and compiled return below)
        }
      }
      // Else the text's pages are gone: read it again for nlohmann's parser below.
      if (pass == Pass::compiled) return program;
      if (pass == Pass::read_again || pass == Pass::key_twice) {
        std::string text;
        if (!read_file(path, text)) throw ScenarioFormatError("", "cannot read " + path);
        return read_again(text, pass);
      }
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  // Text the fast reader does not read: nlohmann's parser. Stdin, a pipe, a FIFO or an
  // empty file: read whole, then the fast reader first.
  std::string text;
  if (!read_file(path, text)) throw ScenarioFormatError("", "cannot read " + path);
  return compile_text(text, !fast_gave_up);
}

}  // namespace asim::props
