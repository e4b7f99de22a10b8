// SPDX-License-Identifier: MIT
// A scenario compiled for running: names bound to slots, numbers and enums parsed,
// bodies as spans into one arena of fixed-size instructions.
#pragma once

#include <asim/props/scenario.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace asim::props {

/// The scenario language's limits (SCENARIO.md, "Limits"). Beyond them a file is
/// rejected at load time with ScenarioFormatError naming the limit and the place.
/// Bodies nested in bodies (spawn, timeout, try, call_*'s then), counting main as 1.
inline constexpr int max_nesting_depth = 100;
/// The largest |delay|, |offset| or |timeout| in scenario seconds: the loop clock counts
/// int64 nanoseconds (saturating near 9.2e9 s), and a run may add delays up.
inline constexpr double max_delay_seconds = 1e9;

/// An index into Program::names: every name of a scenario, bound once at load time.
using Slot = std::uint32_t;
inline constexpr Slot no_slot = 0xFFFFFFFFU;

/// A run of consecutive instructions (a body) or list entries.
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t size = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

/// One statement, 32 bytes. The fields each op uses are those of Statement (see
/// scenario.hpp), stored as slots, text ids and spans.
struct Instruction {
  Op op = Op::log;
  /// return_exceptions of gather, reraise of try.
  bool flag = false;
  /// seconds (delay, offset, timeout) or value is present (false: JSON null / absent).
  bool has_number = false;
  ReturnWhen return_when = ReturnWhen::all_completed;
  /// The defined name (spawn, future, gather, shield, lock, semaphore, event, queue,
  /// and the optional handle of call_*), or no_slot.
  Slot name = no_slot;
  /// The one name a statement uses (await, cancel, ...), or no_slot.
  Slot target = no_slot;
  /// Text id (Program::texts): msg of log/raise/set_exception, label of call_*.
  std::uint32_t text = 0;
  /// body of spawn/timeout/try, then of call_*; for wait, gather, as_completed the
  /// target slots and for try the catch class text ids, in Program::lists (`list`);
  /// try's handler lives in `handler` (name/target/text are unused by try).
  Span body;
  union {
    double seconds;
    std::int64_t value;
  } number{0.0};

  [[nodiscard]] Span list() const noexcept { return Span{target, text}; }
  void set_list(Span s) noexcept {
    target = s.begin;
    text = s.size;
  }
  [[nodiscard]] Span handler() const noexcept { return Span{name, static_cast<std::uint32_t>(number.value)}; }
  void set_handler(Span s) noexcept {
    name = s.begin;
    number.value = s.size;
  }
};
static_assert(sizeof(Instruction) == 32);
// Code packs an Instruction as eight 4-byte words in this order, with these defaults
// (Op::log and ReturnWhen::all_completed are 0, as is the number 0.0).
static_assert(offsetof(Instruction, name) == 4 && offsetof(Instruction, target) == 8 &&
              offsetof(Instruction, text) == 12 && offsetof(Instruction, body) == 16 &&
              offsetof(Instruction, number) == 24 && offsetof(Instruction, return_when) == 3);
static_assert(static_cast<int>(Op::log) == 0 && static_cast<int>(ReturnWhen::all_completed) == 0);

/// The instructions of a program, packed 16 bytes each: most statements use at most
/// three of an Instruction's six 4-byte fields (name, target, text, the body's begin
/// and size, the number's two halves), and their packed form keeps those three; the
/// others, which need more, are kept whole on the side. A big scenario's code is its
/// largest table, written once at load time and read once a statement as tasks run, so
/// at 100,000 tasks half its size is 160 MB fewer pages to fault in and zero, and half
/// the cache lines a task's round reads. Reading gives an Instruction by value (decoded
/// from the packed form, exactly as it was appended).
class Code {
 public:
  class const_iterator {
   public:
    using value_type = Instruction;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const Code* code, std::size_t i) noexcept : code_(code), i_(i) {}
    Instruction operator*() const noexcept { return (*code_)[i_]; }
    const_iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept { return a.i_ == b.i_; }

   private:
    const Code* code_ = nullptr;
    std::size_t i_ = 0;
  };

  [[nodiscard]] std::size_t size() const noexcept { return packed_.size(); }
  [[nodiscard]] bool empty() const noexcept { return packed_.empty(); }
  [[nodiscard]] [[gnu::always_inline]] Instruction operator[](std::size_t i) const noexcept {
    const Packed& p = packed_[i];
    const unsigned form = p.head[3] >> form_shift;
    if (form == whole) [[unlikely]]
      return whole_[p.word[0]];
    // The Instruction as its eight 4-byte words: the defaults, the head, then the
    // three words the form keeps, each where it belongs.
    std::uint32_t words[8] = {0, no_slot, no_slot, 0, 0, 0, 0, 0};
    std::memcpy(words, p.head, sizeof p.head);
    reinterpret_cast<unsigned char*>(words)[3] &= head_mask;
    words[form_words[form][0]] = p.word[0];
    words[form_words[form][1]] = p.word[1];
    words[form_words[form][2]] = p.word[2];
    Instruction in;
    std::memcpy(&in, words, sizeof in);
    return in;
  }
  [[nodiscard]] const_iterator begin() const noexcept { return const_iterator(this, 0); }
  [[nodiscard]] const_iterator end() const noexcept { return const_iterator(this, packed_.size()); }

  void push_back(const Instruction& in) { packed_.push_back(pack(in)); }
  /// Appends [first, last) (`at` must be end(): code is only ever appended to).
  template <class It>
  void insert(const_iterator /*at*/, It first, It last) {
    for (; first != last; ++first) packed_.push_back(pack(*first));
  }
  void reserve(std::size_t instructions) { packed_.reserve(instructions); }
  void clear() noexcept {
    packed_.clear();
    whole_.clear();
  }
  /// The packed instructions' memory and its reserved size in bytes (a loader advises
  /// it onto huge pages).
  [[nodiscard]] void* data() noexcept { return packed_.data(); }
  [[nodiscard]] std::size_t reserved_bytes() const noexcept { return packed_.capacity() * sizeof(Packed); }

 private:
  // An Instruction's eight 4-byte words: 0 the head (op, flag, has_number,
  // return_when), 1 name, 2 target, 3 text, 4 and 5 the body, 6 and 7 the number.
  // A form keeps the head and three of the others; the rest are at their defaults.
  static constexpr unsigned char form_words[][3] = {
      {1, 2, 3},  // names: define, use, text (future, await, log, gather's list, ...)
      {2, 6, 7},  // a target and a number (set_result, sleep, put_nowait, ...)
      {1, 6, 7},  // a name and a number (semaphore, queue, ...)
      {3, 4, 5},  // a text and a body (call_soon without a handle)
      {1, 4, 5},  // a name and a body (spawn)
  };
  static constexpr unsigned forms = sizeof form_words / sizeof form_words[0];
  static constexpr unsigned whole = 15;  // kept whole on the side: word[0] is its index
  // The form is kept in the high half of return_when's byte (0 to 2).
  static constexpr int form_shift = 4;
  static constexpr unsigned char head_mask = 0x0F;
  struct Packed {
    unsigned char head[4];
    std::uint32_t word[3];
  };
  static_assert(sizeof(Packed) == 16);

  /// By the set of words not at their default (bit w: word w, 1 to 7; bit 0 unused):
  /// the first form that keeps them all, or whole.
  static constexpr std::array<unsigned char, 256> form_of = [] {
    std::array<unsigned char, 256> table{};
    for (unsigned set = 0; set < 256; ++set) {
      table[set] = whole;
      for (unsigned f = 0; f < forms; ++f) {
        const unsigned kept = (1U << form_words[f][0]) | (1U << form_words[f][1]) | (1U << form_words[f][2]);
        if ((set & ~kept & 0xFEU) == 0) {
          table[set] = static_cast<unsigned char>(f);
          break;
        }
      }
    }
    return table;
  }();

  Packed pack(const Instruction& in) {
    std::uint32_t words[8];
    std::memcpy(words, &in, sizeof words);
    const unsigned set = static_cast<unsigned>(words[1] != no_slot) << 1 | static_cast<unsigned>(words[2] != no_slot) << 2 |
                         static_cast<unsigned>(words[3] != 0) << 3 | static_cast<unsigned>(words[4] != 0) << 4 |
                         static_cast<unsigned>(words[5] != 0) << 5 | static_cast<unsigned>(words[6] != 0) << 6 |
                         static_cast<unsigned>(words[7] != 0) << 7;
    Packed p;
    std::memcpy(p.head, words, sizeof p.head);
    unsigned form = p.head[3] <= head_mask ? form_of[set] : whole;
    if (form == whole) [[unlikely]] {
      p.word[0] = static_cast<std::uint32_t>(whole_.size());
      p.word[1] = 0;
      p.word[2] = 0;
      whole_.push_back(in);
    } else {
      p.word[0] = words[form_words[form][0]];
      p.word[1] = words[form_words[form][1]];
      p.word[2] = words[form_words[form][2]];
    }
    p.head[3] = static_cast<unsigned char>(p.head[3] | (form << form_shift));
    return p;
  }

  std::vector<Packed> packed_;
  /// The instructions no form keeps, whole (form `whole`: word[0] is the index).
  std::vector<Instruction> whole_;
};

/// Strings end to end in one buffer (a scenario has one name or label per few
/// statements: a std::string each would cost more than the instructions).
class StringTable {
 public:
  /// Appends `text`; returns its index.
  std::uint32_t add(std::string_view text) {
    chars_.append(text);
    ends_.push_back(chars_.size());
    return static_cast<std::uint32_t>(ends_.size() - 1);
  }
  /// Room for `strings` strings of `chars` characters in all: a loader that knows
  /// the size of its text grows the table once, not by doubling (each doubling copies
  /// the table into pages touched for the first time).
  void reserve(std::size_t strings, std::size_t chars) {
    chars_.reserve(chars);
    ends_.reserve(strings);
  }
  [[nodiscard]] std::string_view operator[](std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }
  [[nodiscard]] std::size_t size() const noexcept { return ends_.size(); }
  /// Empty again, keeping the room (a Program rebuilt in place).
  void clear() noexcept {
    chars_.clear();
    ends_.clear();
  }
  friend bool operator==(const StringTable&, const StringTable&) = default;

 private:
  std::string chars_;
  std::vector<std::size_t> ends_;
};

/// A loaded scenario. Immutable once built; an Interpreter runs it.
struct Program {
  Code code;
  std::vector<std::uint32_t> lists;
  /// Slot -> name. Slot 0 is "main", the task that runs `main`.
  StringTable names;
  StringTable texts;
  Span main;
};

/// Compiles a scenario tree (generated or parsed). Throws ScenarioFormatError for a
/// tree beyond the language's limits.
[[nodiscard]] Program compile(const Scenario& scenario);
/// Parses and compiles JSON text in one pass (nlohmann's SAX interface into the
/// compiler). Malformed text is reported exactly as parse_scenario reports it, from
/// the same pass (only a key given twice as `do` or a number beyond double range is
/// read again by parse_scenario).
[[nodiscard]] Program compile_scenario(std::string_view json_text);
/// Reads a file in one system call ("-": stdin) and compiles it. Throws
/// ScenarioFormatError, also when the file cannot be read.
[[nodiscard]] Program load_program(const std::string& path);

/// The whole contents of `path` ("-": stdin); nullopt when it cannot be read.
[[nodiscard]] bool read_file(const std::string& path, std::string& out);

/// Checks one delay-like number against max_delay_seconds (throws ScenarioFormatError at `pointer`).
void check_delay(double seconds, const std::string& pointer);

}  // namespace asim::props
