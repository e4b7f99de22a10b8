// SPDX-License-Identifier: MIT
// A scenario compiled for running: names bound to slots, numbers and enums parsed,
// bodies as spans into one arena of fixed-size instructions.
#pragma once

#include <asim/detail/huge_pages.hpp>
#include <asim/props/scenario.hpp>

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

/// A table of strings, each in a 16-byte record of its own: up to 15 bytes in the
/// record itself (a scenario's names and labels: "f12345_19"), a longer one in an
/// overflow buffer that the record points to. Reading a string touches one cache line
/// (the record) where offsets and text kept apart would touch two or three: a big
/// scenario reads a name for most trace lines, and its tables are out of cache.
class StringTable {
 public:
  /// Appends `text`; returns its index.
  std::uint32_t add(std::string_view text) {
    Record& r = records_.emplace_back();
    if (text.size() <= Record::inline_size) {
      r.size = static_cast<unsigned char>(text.size());
      std::memcpy(r.text, text.data(), text.size());
    } else {
      // In long_: its size, then its bytes; the record holds where.
      r.size = Record::long_marker;
      const auto where = static_cast<std::uint64_t>(long_.size());
      const auto size = static_cast<std::uint64_t>(text.size());
      std::memcpy(r.text, &where, sizeof where);
      long_.append(reinterpret_cast<const char*>(&size), sizeof size);
      long_.append(text);
    }
    return static_cast<std::uint32_t>(records_.size() - 1);
  }
  /// Room for `strings` strings of `chars` characters in all: a loader that knows
  /// the size of its text grows the table once, not by doubling (each doubling copies
  /// the table into pages touched for the first time).
  void reserve(std::size_t strings, std::size_t chars) {
    (void)chars;  // mostly in the records
    records_.reserve(strings);
    // Written once from start to end: huge pages (at 1e5 tasks the names' and
    // labels' records were a quarter of the run's page faults).
    asim::detail::advise_huge_pages(records_.data(), records_.capacity() * sizeof(Record));
  }
  [[nodiscard]] std::string_view operator[](std::size_t i) const noexcept {
    const Record& r = records_[i];
    if (r.size != Record::long_marker) [[likely]]
      return {r.text, r.size};
    std::uint64_t where = 0;
    std::uint64_t size = 0;
    std::memcpy(&where, r.text, sizeof where);
    std::memcpy(&size, long_.data() + where, sizeof size);
    return std::string_view(long_).substr(where + sizeof size, size);
  }
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }
  /// Empty again, keeping the room (a Program rebuilt in place).
  void clear() noexcept {
    records_.clear();
    long_.clear();
  }
  friend bool operator==(const StringTable&, const StringTable&) = default;

 private:
  struct Record {
    static constexpr std::size_t inline_size = 15;
    static constexpr unsigned char long_marker = 0xFF;
    unsigned char size = 0;  // long_marker: `text` begins with the string's offset in long_
    char text[inline_size] = {};
    friend bool operator==(const Record&, const Record&) = default;
  };
  static_assert(sizeof(Record) == 16);
  std::vector<Record> records_;
  std::string long_;
};

/// A loaded scenario. Immutable once built; an Interpreter runs it.
struct Program {
  std::vector<Instruction> code;
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
/// the same pass (only a number beyond double range is read again by parse_scenario).
[[nodiscard]] Program compile_scenario(std::string_view json_text);
/// Reads a file in one system call ("-": stdin) and compiles it. Throws
/// ScenarioFormatError, also when the file cannot be read.
[[nodiscard]] Program load_program(const std::string& path);

/// The whole contents of `path` ("-": stdin); nullopt when it cannot be read.
[[nodiscard]] bool read_file(const std::string& path, std::string& out);

/// Checks one delay-like number against max_delay_seconds (throws ScenarioFormatError at `pointer`).
void check_delay(double seconds, const std::string& pointer);

/// A test seam: when set, load_program calls it once a regular file is mapped, before
/// the file is read (a test truncates the file there, as another process might). Null
/// otherwise.
extern void (*scenario_mapped_test_hook)(const std::string& path);

}  // namespace asim::props
