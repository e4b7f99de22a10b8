// SPDX-License-Identifier: MIT
// The fast reader: the JSON that writers produce, read straight from the text (mapped,
// its pages given back as it moves on) into the one-pass compiler, statement objects
// whole. Private to the loaders (program.cpp).
#pragma once

#include "sax_compiler.hpp"

#include <asim/props/program.hpp>

#include <sys/mman.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace asim::props::detail {

/// A file's text, mapped (not copied: the page cache's pages are the text), whose pages
/// the fast reader gives back as it moves on: the text is not needed once compiled, so
/// the peak memory of a load is the program plus a megabyte, not the program plus the
/// file. A file truncated by someone else while it is read raises SIGBUS on the pages
/// it lost: the loader reads under a TruncationGuard (truncation_guard.hpp).
class ReleasedText {
 public:
  static constexpr std::size_t chunk = std::size_t{1} << 20;

  ~ReleasedText() {
    if (base_ != nullptr) ::munmap(base_, size_);
  }
  /// Maps a regular file of `size` bytes; false when it cannot be mapped.
  bool read(int fd, std::size_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) return false;
    base_ = static_cast<char*>(p);
    released_ = base_;
    size_ = size;
    (void)::madvise(base_, size_, MADV_SEQUENTIAL);
    return true;
  }
  /// Gives back the whole chunks before `p`.
  void release_before(const char* p) noexcept {
    char* const end = base_ + static_cast<std::size_t>(p - base_) / chunk * chunk;
    if (end <= released_) return;
    ::madvise(released_, static_cast<std::size_t>(end - released_), MADV_DONTNEED);
    released_ = end;
  }
  [[nodiscard]] const char* data() const noexcept { return base_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  char* base_ = nullptr;
  char* released_ = nullptr;
  std::size_t size_ = 0;
};

/// The JSON that writers produce, read straight from the text into the same SAX events
/// nlohmann's parser would give: ASCII strings without escapes, integers of up to 18
/// digits, finite doubles. Anything else (an escape, a non-ASCII byte, a long integer,
/// and every syntax error) makes it give up (false), and the text is read by nlohmann's
/// parser instead, whose messages name the byte of a syntax error. About 4x faster than
/// nlohmann's lexer on the big scenario (see CONTRIBUTING). A statement object that
/// compiles without a fault it reads whole, with no event per key and value
/// (`statement`). `release` (may be null) gives back the pages the reader has passed.
template <class Handler>
class FastReader {
 public:
  FastReader(const char* begin, const char* end, ReleasedText* release)
      : p_(begin), end_(end), release_(release), next_release_(begin + ReleasedText::chunk) {}

  bool read(Handler& h) {
    stack_.clear();
    ws();
  value:
    switch (peek()) {
      case '{':
        if (h.takes_statement()) {
          for (;;) {
            const Taken taken = statement(h);
            if (taken == Taken::open) {
              stack_.push_back(1);
              goto value;
            }
            if (taken == Taken::no) break;
            // The block's next statement, when it follows at once, is read here too: a
            // statement read whole leaves the block open and without a fault.
            if (end_ - p_ < 2 || p_[0] != ',' || p_[1] != '{') goto after_value;
            ++p_;
            release_passed();
          }
        }
        ++p_;
        if (!h.start_object(std::size_t(-1))) return false;
        ws();
        if (peek() == '}') {
          ++p_;
          if (!h.end_object()) return false;
          goto after_value;
        }
        stack_.push_back(1);
        goto key;
      case '[':
        ++p_;
        if (!h.start_array(std::size_t(-1))) return false;
        ws();
        if (peek() == ']') {
          ++p_;
          if (!h.end_array()) return false;
          goto after_value;
        }
        stack_.push_back(0);
        goto value;
      case '"':
        if (!string() || !h.on_string(text_)) return false;
        goto after_value;
      case 't':
        if (!literal("true") || !h.boolean(true)) return false;
        goto after_value;
      case 'f':
        if (!literal("false") || !h.boolean(false)) return false;
        goto after_value;
      case 'n':
        if (!literal("null") || !h.null()) return false;
        goto after_value;
      default:
        if (!number(h)) return false;
        goto after_value;
    }
  key:
    if (peek() != '"' || !string()) return false;
    ws();
    if (peek() != ':') return false;
    ++p_;
    if (!h.on_key(text_)) return false;
    ws();
    goto value;
  after_value:
    release_passed();
    ws();
    if (stack_.empty()) return p_ == end_;
    switch (peek()) {
      case ',':
        ++p_;
        ws();
        if (stack_.back()) goto key;
        goto value;
      case '}':
        if (!stack_.back()) return false;
        ++p_;
        stack_.pop_back();
        if (!h.end_object()) return false;
        goto after_value;
      case ']':
        if (stack_.back()) return false;
        ++p_;
        stack_.pop_back();
        if (!h.end_array()) return false;
        goto after_value;
      default: return false;
    }
  }

 private:
  [[nodiscard]] char peek() const noexcept { return p_ < end_ ? *p_ : '\0'; }
  /// Gives back the text's pages before p_, a chunk at a time.
  void release_passed() noexcept {
    if (p_ >= next_release_ && release_ != nullptr) {
      release_->release_before(p_);
      next_release_ = p_ + ReleasedText::chunk;
    }
  }
  static bool space(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
  void ws() noexcept { p_ = skip_ws(p_, end_); }
  // The scanners below take and return a pointer of their caller's (a local, kept in a
  // register: p_ is a member, reloaded after every store the compiler cannot see past).
  static char at(const char* p, const char* end) noexcept { return p < end ? *p : '\0'; }
  [[gnu::always_inline]] static const char* skip_ws(const char* p, const char* end) noexcept {
    // Written JSON is mostly compact: the first test is the usual answer.
    if (p == end || static_cast<unsigned char>(*p) > ' ') return p;
    while (p < end && space(*p)) ++p;
    return p;
  }
  /// The byte after `c` at p (after blanks if any); nullptr when another byte comes.
  [[gnu::always_inline]] static const char* expect(const char* p, const char* end, char c) noexcept {
    if (p < end && *p == c) return p + 1;  // compact JSON: the usual answer
    p = skip_ws(p, end);
    return p < end && *p == c ? p + 1 : nullptr;
  }
  static bool skip_literal(const char*& p, const char* end, std::string_view word) noexcept {
    if (static_cast<std::size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
    p += word.size();
    return true;
  }
  bool literal(std::string_view word) noexcept { return skip_literal(p_, end_, word); }
  /// The end of a string without escapes or non-ASCII bytes (p at its opening quote):
  /// the byte after its closing quote, whose text is [p + 1, end - 1). nullptr for
  /// anything else.
  [[gnu::always_inline]] static const char* scan_string(const char* p, const char* end) noexcept {
    ++p;
    if constexpr (std::endian::native == std::endian::little) {
      // Eight bytes a step (names are short: mostly one step). The lowest flagged
      // byte is exact; only bytes after it may be flagged wrongly (borrows).
      constexpr std::uint64_t ones = 0x0101010101010101ULL;
      constexpr std::uint64_t high = 0x8080808080808080ULL;
      while (end - p >= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        const std::uint64_t quote = w ^ (ones * '"');
        const std::uint64_t backslash = w ^ (ones * '\\');
        const std::uint64_t flagged = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                                      ((w - ones * 0x20) & ~w) | w;
        const std::uint64_t first = flagged & high;
        if (first != 0) {
          p += std::countr_zero(first) / 8;
          // Else an escape, a control or a non-ASCII byte.
          return *p == '"' ? p + 1 : nullptr;
        }
        p += 8;
      }
    }
    for (;; ++p) {
      if (p == end) return nullptr;
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') return p + 1;
      if (c < 0x20 || c == '\\' || c >= 0x80) return nullptr;
    }
  }
  /// A string as text_ (p_ at its opening quote).
  bool string() noexcept {
    const char* const after = scan_string(p_, end_);
    if (after == nullptr) return false;
    text_ = std::string_view(p_ + 1, static_cast<std::size_t>(after - p_ - 2));
    p_ = after;
    return true;
  }
  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
  /// A number as the events give it: a double, or an integer (negative: number_integer;
  /// else number_unsigned, below 2^63 here).
  struct Number {
    enum class Kind : std::uint8_t { floating, negative, unsigned_ } kind;
    double floating;
    std::int64_t integer;
  };
  /// Reads a number at p into `out`: the byte after it, or nullptr for text it leaves
  /// to nlohmann.
  [[gnu::always_inline]] static const char* scan_number(const char* p, const char* end, Number& out) {
    const char* const begin = p;
    const bool negative = at(p, end) == '-';
    if (negative) ++p;
    const char* const digits = p;
    if (at(p, end) == '0') {
      ++p;
    } else if (digit(at(p, end))) {
      while (digit(at(p, end))) ++p;
    } else {
      return nullptr;
    }
    const std::size_t count = static_cast<std::size_t>(p - digits);
    bool floating = false;
    bool exponent = false;
    std::size_t fraction_digits = 0;
    if (at(p, end) == '.') {
      floating = true;
      ++p;
      if (!digit(at(p, end))) return nullptr;
      const char* const fraction = p;
      while (digit(at(p, end))) ++p;
      fraction_digits = static_cast<std::size_t>(p - fraction);
    }
    if (at(p, end) == 'e' || at(p, end) == 'E') {
      floating = true;
      exponent = true;
      ++p;
      if (at(p, end) == '+' || at(p, end) == '-') ++p;
      if (!digit(at(p, end))) return nullptr;
      while (digit(at(p, end))) ++p;
    }
    if (floating && !exponent && count + fraction_digits <= 15) {
      // Clinger's fast path: the digits as an integer below 2^53 and a power of ten up
      // to 1e22 are both exact, so one division gives the correctly rounded double,
      // the same as from_chars.
      static constexpr double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
      std::int64_t m = 0;
      for (const char* d = digits; d < p; ++d) {
        if (*d != '.') m = m * 10 + (*d - '0');
      }
      const double v = static_cast<double>(m) / powers[fraction_digits];
      out.kind = Number::Kind::floating;
      out.floating = negative ? -v : v;
      return p;
    }
    if (floating) {
      double v = 0.0;
      const auto [last, error] = std::from_chars(begin, p, v);
      if (error != std::errc() || last != p || !std::isfinite(v)) return nullptr;
      out.kind = Number::Kind::floating;
      out.floating = v;
      return p;
    }
    if (count > 18) return nullptr;  // nlohmann's range checks: leave them to it
    std::int64_t v = 0;
    for (const char* d = digits; d < p; ++d) v = v * 10 + (*d - '0');
    out.kind = negative ? Number::Kind::negative : Number::Kind::unsigned_;
    out.integer = negative ? -v : v;
    return p;
  }
  bool number(Handler& h) {
    Number n{};
    const char* const after = scan_number(p_, end_, n);
    if (after == nullptr) return false;
    p_ = after;
    switch (n.kind) {
      case Number::Kind::floating: return h.number_float(n.floating, empty_);
      case Number::Kind::negative: return h.number_integer(n.integer);
      case Number::Kind::unsigned_: break;
    }
    return h.number_unsigned(static_cast<std::uint64_t>(n.integer));
  }

  /// How FastReader::statement ended.
  enum class Taken : std::uint8_t { no, whole, open };
  /// Where FastReader::fields stopped.
  enum class Stop : std::uint8_t {
    fail,  // something the events read (a fault, or text this reader does not take)
    end,   // the object's `}`: p is after it
    list,  // a list value: p is at its `[`
  };
  struct Fields {
    const char* p;
    Stop stop;
    Field field;
  };
  /// Statements of a list read whole at most: past them, a list whose last statement
  /// cannot be read whole would be read twice.
  static constexpr std::size_t max_nested = 8;

  /// `"do": "<kind>"` after a statement's `{` (p after it): the kind, when a statement
  /// of it compiles where `in_callback` says. p after the kind's closing quote.
  [[gnu::always_inline]] std::optional<Op> head(Handler& h, const char*& p_inout, bool in_callback) {
    const char* const end = end_;
    const char* p = p_inout;
    if (end - p < 5 || std::memcmp(p, "\"do\"", 4) != 0) {
      p = skip_ws(p, end);
      if (end - p < 5 || std::memcmp(p, "\"do\"", 4) != 0) return std::nullopt;
    }
    p = expect(p + 4, end, ':');
    if (p == nullptr) return std::nullopt;
    if (at(p, end) != '"') {
      p = skip_ws(p, end);
      if (at(p, end) != '"') return std::nullopt;
    }
    const char* const after = scan_string(p, end);
    if (after == nullptr) return std::nullopt;
    p_inout = after;
    return h.direct_op(std::string_view(p + 1, static_cast<std::size_t>(after - p - 2)), in_callback);
  }

  /// The fields of a statement from p (after its kind, or after a list value) to its
  /// `}` or its next list value, into `in`; its strings are kept in strings_ with
  /// `owner` (bound once the whole statement is known good).
  [[gnu::always_inline]] Fields fields(Handler& h, const char* p, Instruction& in, std::uint32_t& seen, std::uint32_t owner) {
    const char* const end = end_;
    const StatementFields& masks = statement_fields(in.op);
    for (;;) {
      if (at(p, end) != ',') {
        p = skip_ws(p, end);
        if (at(p, end) != ',') break;
      }
      ++p;
      if (at(p, end) != '"') {
        p = skip_ws(p, end);
        if (at(p, end) != '"') return {p, Stop::fail, Field::count};
      }
      const char* after = scan_string(p, end);
      if (after == nullptr) return {p, Stop::fail, Field::count};
      const Field field = field_of(std::string_view(p + 1, static_cast<std::size_t>(after - p - 2)));
      if (field == Field::count) return {p, Stop::fail, Field::count};
      const std::uint32_t b = bit(field);
      if ((masks.allowed & b) == 0 || (seen & b) != 0) return {p, Stop::fail, Field::count};
      seen |= b;
      p = expect(after, end, ':');
      if (p == nullptr) return {p, Stop::fail, Field::count};
      p = skip_ws(p, end);
      switch (field) {
        case Field::msg:
        case Field::label:
        case Field::name:
        case Field::target: {
          if (at(p, end) != '"') return {p, Stop::fail, Field::count};
          after = scan_string(p, end);
          if (after == nullptr) return {p, Stop::fail, Field::count};
          const std::string_view text(p + 1, static_cast<std::size_t>(after - p - 2));
          strings_.push_back({text.data(), static_cast<std::uint32_t>(text.size()), field, owner,
                              field == Field::name ? h.prefetch_name(text) : 0});
          p = after;
          break;
        }
        case Field::return_when: {
          if (at(p, end) != '"') return {p, Stop::fail, Field::count};
          after = scan_string(p, end);
          if (after == nullptr) return {p, Stop::fail, Field::count};
          const std::string_view text(p + 1, static_cast<std::size_t>(after - p - 2));
          if (text == "ALL_COMPLETED") {
            in.return_when = ReturnWhen::all_completed;
          } else if (text == "FIRST_COMPLETED") {
            in.return_when = ReturnWhen::first_completed;
          } else if (text == "FIRST_EXCEPTION") {
            in.return_when = ReturnWhen::first_exception;
          } else {
            return {p, Stop::fail, Field::count};
          }
          p = after;
          break;
        }
        case Field::delay:
        case Field::offset:
        case Field::timeout: {
          Number n{};
          p = scan_number(p, end, n);
          if (p == nullptr) return {p, Stop::fail, Field::count};
          const double v = n.kind == Number::Kind::floating ? n.floating : static_cast<double>(n.integer);
          if (!(std::fabs(v) <= max_delay_seconds)) return {p, Stop::fail, Field::count};
          in.has_number = true;
          in.number.seconds = v;
          break;
        }
        case Field::value:
        case Field::maxsize: {
          Number n{};
          p = scan_number(p, end, n);
          if (p == nullptr || n.kind == Number::Kind::floating) return {p, Stop::fail, Field::count};
          in.has_number = true;
          in.number.value = n.integer;
          break;
        }
        case Field::return_exceptions:
        case Field::reraise:
          if (skip_literal(p, end, "true")) {
            in.flag = true;
          } else if (skip_literal(p, end, "false")) {
            in.flag = false;
          } else {
            return {p, Stop::fail, Field::count};
          }
          break;
        default:  // body, then, handler, targets, catch
          if (at(p, end) != '[') return {p, Stop::fail, Field::count};
          return {p, Stop::list, field};
      }
    }
    if (at(p, end) != '}' || (seen & masks.required) != masks.required) return {p, Stop::fail, Field::count};
    return {p + 1, Stop::end, Field::count};
  }

  /// The statements of the list at p (its `[`), each read whole with no list of its
  /// own, into nested_: the byte after the list's `]`, or nullptr (nested_ and
  /// strings_ then hold what was read: the caller drops it).
  [[gnu::always_inline]] const char* nested_list(Handler& h, const char* p, bool in_callback) {
    const char* const end = end_;
    p = skip_ws(p + 1, end);
    if (at(p, end) == ']') return p + 1;
    for (;;) {
      if (at(p, end) != '{' || nested_.size() == max_nested) return nullptr;
      const auto owner = static_cast<std::uint32_t>(nested_.size());
      ++p;
      const std::optional<Op> op = head(h, p, in_callback);
      if (!op) return nullptr;
      Instruction& in = nested_.emplace_back();
      in.op = *op;
      std::uint32_t seen = 0;
      const Fields read = fields(h, p, in, seen, owner);
      if (read.stop != Stop::end) return nullptr;
      p = read.p;
      if (at(p, end) != ',' && at(p, end) != ']') p = skip_ws(p, end);
      if (at(p, end) == ']') return p + 1;
      if (at(p, end) != ',') return nullptr;
      p = skip_ws(p + 1, end);
    }
  }

  /// The statement object at p_ (its `{`), read whole into the handler's open block
  /// when it compiles without a fault (whole), with at most one list of statements of
  /// its own that have none; else up to its first list value (open: p_ is at that
  /// list's `[`, and the object is open). Else p_ stays at the `{` and nothing was
  /// bound (no). Every value is checked as the events check it; what they would report
  /// as a fault, this leaves to them.
  Taken statement(Handler& h) {
    const char* p = p_ + 1;
    const std::optional<Op> op = head(h, p, h.block_in_callback());
    if (!op) return Taken::no;
    // Written in place in the block (an instruction built aside and copied in is read
    // back right after its fields were written: a store-forwarding stall).
    Instruction& in = h.begin_statement();
    in.op = *op;
    std::uint32_t seen = 0;
    strings_.clear();
    nested_.clear();
    Field nested_field = Field::count;
    Fields read = fields(h, p, in, seen, outer);
    while (read.stop == Stop::list) {
      const Field field = read.field;
      const bool statements = field == Field::body || field == Field::then || field == Field::handler;
      if (nested_field == Field::count && statements && in.op != Op::try_ && h.nests(1)) {
        const std::size_t strings_before = strings_.size();
        // As the events' start_array: a then list is a callback's, a spawned body is not.
        bool in_callback = h.block_in_callback();
        if (field == Field::then) {
          in_callback = true;
        } else if (field == Field::body && in.op == Op::spawn) {
          in_callback = false;
        }
        const char* const after = nested_list(h, read.p, in_callback);
        if (after != nullptr) {
          nested_field = field;
          read = fields(h, after, in, seen, outer);
          continue;
        }
        nested_.clear();
        strings_.resize(strings_before);
      }
      if (nested_field != Field::count) break;  // a second list: the events read it all
      // The events read the list and what follows it.
      h.bind_direct(in, nested_.data(), strings_.data(), strings_.size());
      h.open_statement(seen, field);
      p_ = read.p;
      return Taken::open;
    }
    if (read.stop != Stop::end) return h.template cancel_statement<Taken>();
    h.bind_direct(in, nested_.data(), strings_.data(), strings_.size());
    if (nested_field != Field::count) {
      const Span body = h.append_code(nested_.data(), nested_.size());
      if (nested_field == Field::handler) {
        in.set_handler(body);
      } else {
        in.body = body;
      }
    }
    h.end_statement();
    p_ = read.p;
    return Taken::whole;
  }

  const char* p_;
  const char* end_;
  ReleasedText* release_;
  const char* next_release_;
  /// Open containers: 1 for an object, 0 for an array (bytes: vector<bool>'s bit
  /// operations cost more).
  std::vector<char> stack_;
  /// The last string read, in the text.
  std::string_view text_;
  std::string empty_;
  /// FastReader::statement's strings, bound once it is known good, and the
  /// instructions of its list of statements.
  static constexpr std::uint32_t outer = 0xFFFFFFFFU;
  std::vector<typename Handler::DirectString> strings_;
  std::vector<Instruction> nested_;
};

}  // namespace asim::props::detail
