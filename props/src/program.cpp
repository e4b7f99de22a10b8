// SPDX-License-Identifier: MIT
// Compiling scenarios: from a tree, or from JSON text in one SAX pass.
//
// The one-pass compiler checks what it reads as parse_scenario checks its tree and
// reports the same fault with the same message (see SaxCompiler), so a malformed file
// is read once too. Only text that no writer produces (`do` twice, a number beyond
// double range) is read again by parse_scenario.
#include <asim/props/program.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <span>

namespace asim::props {

namespace {

/// a == b, in line: names and statement kinds are a few bytes long, shorter than the
/// call to memcmp that == makes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  // 4 to 16 bytes: two overlapping loads of each (its head and its tail); else byte
  // by byte.
  if (n >= 8 && n <= 16) {
    std::uint64_t x[2];
    std::uint64_t y[2];
    std::memcpy(&x[0], a.data(), 8);
    std::memcpy(&x[1], a.data() + n - 8, 8);
    std::memcpy(&y[0], b.data(), 8);
    std::memcpy(&y[1], b.data() + n - 8, 8);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  if (n >= 4 && n < 8) {
    std::uint32_t x[2];
    std::uint32_t y[2];
    std::memcpy(&x[0], a.data(), 4);
    std::memcpy(&x[1], a.data() + n - 4, 4);
    std::memcpy(&y[0], b.data(), 4);
    std::memcpy(&y[1], b.data() + n - 4, 4);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// Slot and text tables shared by both compilers. Names are interned in an
/// open-addressing table of slots (compared against Program::names, so nothing but the
/// names themselves is stored twice), sized once from a guess; in front of it a small
/// direct-mapped cache of the names used last, since a scenario uses a name mostly
/// right after defining it (a future's set_result and await). Load time is the only
/// time a name is hashed.
class Tables {
 public:
  /// `expected_names`: a guess of the number of names, to size the table once.
  explicit Tables(Program& program, std::size_t expected_names = 32) : program_(program) {
    std::size_t capacity = 64;
    while (capacity < expected_names * 2) capacity *= 2;
    allocate(capacity);
    filter_.assign(capacity / 8, 0);
    recent_.fill(Recent{});
    pending_.reserve(pending_capacity);
    program_.names.add("main");
    insert(hash("main"), 0);
    remember(hash("main"));
  }
  Slot slot(std::string_view name) {
    // The name defined last is the one most often used next (a future's set_result and
    // await): it is found without hashing.
    if (last_new_ != no_slot && same_text(program_.names[last_new_], name)) return last_new_;
    return slot(name, hash(name));
  }
  /// The hash of a name about to be bound, whose filter word is fetched now: a reader
  /// that reads a defined name (mostly a new one) a few dozen instructions before it
  /// binds it overlaps that word's cache miss with the rest of the statement.
  [[nodiscard]] std::uint64_t prefetch(std::string_view name) const noexcept {
    const std::uint64_t h = hash(name);
    __builtin_prefetch(&filter_[(h >> 40) & (filter_.size() - 1)]);
    return h;
  }
  /// slot(name) with the name's hash.
  Slot slot(std::string_view name, std::uint64_t h) {
    if (last_new_ != no_slot && same_text(program_.names[last_new_], name)) return last_new_;
    Recent& recent = recent_[h % recent_.size()];
    if (recent.hash == h && recent.slot != no_slot && same_text(program_.names[recent.slot], name)) return recent.slot;
    if (maybe_known(h)) {
      for (const Pending& p : pending_) {
        if (p.hash == h && same_text(program_.names[p.slot], name)) {
          recent = Recent{h, p.slot};
          return p.slot;
        }
      }
      const auto check = static_cast<std::uint32_t>(h >> 32);
      const std::size_t mask = table_.size() - 1;
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Entry entry = table_[i];
        if (entry.slot_plus_one == 0) break;
        if (entry.check == check && same_text(program_.names[entry.slot_plus_one - 1], name)) {
          recent = Recent{h, entry.slot_plus_one - 1};
          return entry.slot_plus_one - 1;
        }
      }
    }
    // A new name. Its entry waits in pending_ with a few others: they are placed
    // together, their table lines fetched at once rather than one miss after another.
    const auto slot = static_cast<Slot>(program_.names.size());
    program_.names.add(name);
    remember(h);
    // Its table line is fetched now, to be there when the batch is placed.
    __builtin_prefetch(&table_[h & (table_.size() - 1)], 1);
    pending_.push_back(Pending{h, slot});
    if (pending_.size() == pending_capacity) place_pending();
    recent = Recent{h, slot};
    last_new_ = slot;
    return slot;
  }
  // Copies rather than moves: the SAX parser's string is its token buffer, whose
  // capacity it reuses for the next token.
  std::uint32_t text(std::string_view text) { return program_.texts.add(text); }

 private:
  // FNV-1a, 64 bits: names are short.
  static std::uint64_t hash(std::string_view text) noexcept {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h ^ (h >> 29);
  }
  struct Entry {
    std::uint32_t slot_plus_one = 0;  // 0: empty
    std::uint32_t check = 0;          // the hash's high half, to skip most compares
  };
  struct Recent {
    std::uint64_t hash = 0;
    Slot slot = no_slot;
  };
  struct Pending {
    std::uint64_t hash;
    Slot slot;
  };
  static constexpr std::size_t pending_capacity = 16;

  /// A filter of the names' hashes (two bits in one word, 8 bits a table entry): a name
  /// it has not seen is new without a look at the table, which is mostly out of cache.
  [[nodiscard]] bool maybe_known(std::uint64_t h) const noexcept {
    const std::uint64_t word = filter_[(h >> 40) & (filter_.size() - 1)];
    const std::uint64_t bits = (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
    return (word & bits) == bits;
  }
  void remember(std::uint64_t h) noexcept {
    filter_[(h >> 40) & (filter_.size() - 1)] |= (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
  }
  void place_pending() {
    for (const Pending& p : pending_) insert(p.hash, p.slot);
    pending_.clear();
  }
  void insert(std::uint64_t h, Slot slot) {
    if ((count_ + 1) * 2 > table_.size()) grow();
    place(Entry{slot + 1, static_cast<std::uint32_t>(h >> 32)}, h);
    ++count_;
  }
  void place(Entry entry, std::uint64_t h) {
    const std::size_t mask = table_.size() - 1;
    std::size_t i = h & mask;
    while (table_[i].slot_plus_one != 0) i = (i + 1) & mask;
    table_[i] = entry;
  }
  void grow() {
    std::unique_ptr<Entry[], Free> old = std::move(memory_);
    const std::span<Entry> entries = table_;
    allocate(table_.size() * 2);
    for (const Entry entry : entries) {
      if (entry.slot_plus_one != 0) place(entry, hash(program_.names[entry.slot_plus_one - 1]));
    }
  }
  /// A zeroed table of `capacity` entries. A big one is aligned to and advised onto
  /// transparent huge pages: each new name is a random access into it, and with 4 KiB
  /// pages most of them would miss the TLB too.
  void allocate(std::size_t capacity) {
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    const std::size_t bytes = capacity * sizeof(Entry);
    const std::size_t align = bytes >= huge_page ? huge_page : alignof(Entry);
    void* memory = std::aligned_alloc(align, (bytes + align - 1) / align * align);
    if (memory == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    if (align == huge_page) (void)::madvise(memory, bytes, MADV_HUGEPAGE);
#endif
    std::memset(memory, 0, bytes);
    memory_.reset(static_cast<Entry*>(memory));
    table_ = std::span<Entry>(memory_.get(), capacity);
  }
  struct Free {
    void operator()(Entry* p) const noexcept { std::free(p); }
  };

  Program& program_;
  std::unique_ptr<Entry[], Free> memory_;
  std::span<Entry> table_;
  std::array<Recent, 64> recent_;
  std::vector<std::uint64_t> filter_;
  std::vector<Pending> pending_;
  std::size_t count_ = 0;
  Slot last_new_ = no_slot;
};

std::string delay_problem(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", seconds);
  return std::string(text) + " seconds is beyond the scenario language's limit of " +
         "1e9 seconds either way (the loop clock's range)";
}

[[noreturn]] void too_deep(const std::string& pointer) {
  throw ScenarioFormatError(pointer, "bodies nested more than " + std::to_string(max_nesting_depth) +
                                         " deep (the scenario language's limit)");
}

// ---------------------------------------------------------------------------------
// From a tree.

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
        for (const std::string& c : s.catch_classes) program_.lists.push_back(tables_.text(c));
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

// ---------------------------------------------------------------------------------
// From text, in one pass.

enum class Field : std::uint8_t {
  msg,
  delay,
  name,
  body,
  target,
  targets,
  value,
  label,
  then,
  offset,
  timeout,
  return_when,
  return_exceptions,
  catch_,
  handler,
  reraise,
  maxsize,
  count,
};

constexpr std::uint32_t bit(Field f) { return 1U << static_cast<unsigned>(f); }

[[gnu::always_inline]] inline Field field_of(std::string_view key) {
  // Dispatch on length first: one or two comparisons per key.
  switch (key.size()) {
    case 3:
      if (key == "msg") return Field::msg;
      break;
    case 4:
      if (key == "name") return Field::name;
      if (key == "body") return Field::body;
      if (key == "then") return Field::then;
      break;
    case 5:
      if (key == "delay") return Field::delay;
      if (key == "value") return Field::value;
      if (key == "label") return Field::label;
      if (key == "catch") return Field::catch_;
      break;
    case 6:
      if (key == "target") return Field::target;
      if (key == "offset") return Field::offset;
      break;
    case 7:
      if (key == "targets") return Field::targets;
      if (key == "timeout") return Field::timeout;
      if (key == "handler") return Field::handler;
      if (key == "reraise") return Field::reraise;
      if (key == "maxsize") return Field::maxsize;
      break;
    case 11:
      if (key == "return_when") return Field::return_when;
      break;
    case 17:
      if (key == "return_exceptions") return Field::return_exceptions;
      break;
    default: break;
  }
  return Field::count;
}

struct FieldMasks {
  std::uint32_t allowed;
  std::uint32_t required;
};

constexpr FieldMasks masks_of(Op op) {
  using F = Field;
  switch (op) {
    case Op::log:
    case Op::raise: return {bit(F::msg), bit(F::msg)};
    case Op::sleep: return {bit(F::delay), bit(F::delay)};
    case Op::spawn: return {bit(F::name) | bit(F::body), bit(F::name) | bit(F::body)};
    case Op::future:
    case Op::lock:
    case Op::event: return {bit(F::name), bit(F::name)};
    case Op::await_:
    case Op::cancel:
    case Op::acquire:
    case Op::release:
    case Op::set:
    case Op::clear:
    case Op::wait_event:
    case Op::get:
    case Op::get_nowait: return {bit(F::target), bit(F::target)};
    case Op::set_result:
    case Op::put:
    case Op::put_nowait: return {bit(F::target) | bit(F::value), bit(F::target) | bit(F::value)};
    case Op::set_exception: return {bit(F::target) | bit(F::msg), bit(F::target) | bit(F::msg)};
    case Op::call_soon: return {bit(F::label) | bit(F::name) | bit(F::then), bit(F::label)};
    case Op::call_later:
      return {bit(F::delay) | bit(F::label) | bit(F::name) | bit(F::then), bit(F::delay) | bit(F::label)};
    case Op::call_at:
      return {bit(F::offset) | bit(F::label) | bit(F::name) | bit(F::then), bit(F::offset) | bit(F::label)};
    case Op::wait:
      return {bit(F::targets) | bit(F::timeout) | bit(F::return_when), bit(F::targets) | bit(F::return_when)};
    case Op::wait_for: return {bit(F::target) | bit(F::timeout), bit(F::target)};
    case Op::gather:
      return {bit(F::name) | bit(F::targets) | bit(F::return_exceptions),
              bit(F::name) | bit(F::targets) | bit(F::return_exceptions)};
    case Op::shield: return {bit(F::name) | bit(F::target), bit(F::name) | bit(F::target)};
    case Op::as_completed: return {bit(F::targets) | bit(F::timeout), bit(F::targets)};
    case Op::timeout: return {bit(F::delay) | bit(F::body), bit(F::body)};
    case Op::try_:
      return {bit(F::body) | bit(F::catch_) | bit(F::handler) | bit(F::reraise), bit(F::body) | bit(F::catch_)};
    case Op::return_: return {bit(F::value), 0};
    case Op::semaphore: return {bit(F::name) | bit(F::value), bit(F::name) | bit(F::value)};
    case Op::queue: return {bit(F::name) | bit(F::maxsize), bit(F::name) | bit(F::maxsize)};
  }
  return {0, 0};
}

/// Which fields a statement has, in the order parse_scenario checks them (its
/// `fields_of`): the first fault in this order is the one reported.
struct FieldOrder {
  std::array<Field, 4> fields;
  std::uint8_t size;
};

constexpr FieldOrder order_of(Op op) {
  using F = Field;
  switch (op) {
    case Op::log:
    case Op::raise: return {{F::msg}, 1};
    case Op::sleep: return {{F::delay}, 1};
    case Op::spawn: return {{F::name, F::body}, 2};
    case Op::future:
    case Op::lock:
    case Op::event: return {{F::name}, 1};
    case Op::await_:
    case Op::cancel:
    case Op::acquire:
    case Op::release:
    case Op::set:
    case Op::clear:
    case Op::wait_event:
    case Op::get:
    case Op::get_nowait: return {{F::target}, 1};
    case Op::set_result:
    case Op::put:
    case Op::put_nowait: return {{F::target, F::value}, 2};
    case Op::set_exception: return {{F::target, F::msg}, 2};
    case Op::call_soon: return {{F::label, F::name, F::then}, 3};
    case Op::call_later: return {{F::delay, F::label, F::name, F::then}, 4};
    case Op::call_at: return {{F::offset, F::label, F::name, F::then}, 4};
    case Op::wait: return {{F::targets, F::timeout, F::return_when}, 3};
    case Op::wait_for: return {{F::target, F::timeout}, 2};
    case Op::gather: return {{F::name, F::targets, F::return_exceptions}, 3};
    case Op::shield: return {{F::name, F::target}, 2};
    case Op::as_completed: return {{F::targets, F::timeout}, 2};
    case Op::timeout: return {{F::delay, F::body}, 2};
    case Op::try_: return {{F::body, F::catch_, F::handler, F::reraise}, 4};
    case Op::return_: return {{F::value}, 1};
    case Op::semaphore: return {{F::name, F::value}, 2};
    case Op::queue: return {{F::name, F::maxsize}, 2};
  }
  return {{}, 0};
}

constexpr std::string_view key_of(Field f) {
  switch (f) {
    case Field::msg: return "msg";
    case Field::delay: return "delay";
    case Field::name: return "name";
    case Field::body: return "body";
    case Field::target: return "target";
    case Field::targets: return "targets";
    case Field::value: return "value";
    case Field::label: return "label";
    case Field::then: return "then";
    case Field::offset: return "offset";
    case Field::timeout: return "timeout";
    case Field::return_when: return "return_when";
    case Field::return_exceptions: return "return_exceptions";
    case Field::catch_: return "catch";
    case Field::handler: return "handler";
    case Field::reraise: return "reraise";
    case Field::maxsize: return "maxsize";
    case Field::count: break;
  }
  return "";
}

/// nlohmann's SAX events, compiled as they come, and checked as parse_scenario checks
/// the tree, so that a malformed file is reported with parse_scenario's message from
/// this one pass. Every frame is a JSON container being read; blocks stage their
/// instructions and append them to the arena when they close, so a body is contiguous.
///
/// parse_scenario builds the whole tree first (a JSON syntax error anywhere wins), then
/// reads it in its own order: the document's keys, then main's statements in order; in a
/// statement `do`, then unknown fields (the smallest key), then missing fields, then the
/// fields in the order of `fields_of`, nested bodies included. So a fault found here is
/// kept, not thrown: each frame keeps the first fault in that order among what it has
/// read, a closed frame hands its fault to its parent, and the document's fault is
/// thrown once the text has parsed. Once a block has a fault its later statements,
/// and the values of fields that cannot matter any more, are only parsed (`skip_`).
///
/// A key given twice counts with its last value (as in the DOM); the events of a
/// statement before its `do` are kept and replayed once `do` is read. Two cases stop
/// the pass (`fallback`) and are read again by parse_scenario: `do` twice (the
/// statement changes under its fields) and a number beyond double range (its message
/// names a place this pass does not track). No writer produces these; everything
/// else, good or bad, is read once.
class SaxCompiler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  /// `text_size`: the JSON's size in bytes (a name per ~150 bytes is a generous guess:
  /// the big scenario has one per ~185, and growing the table re-reads every name).
  SaxCompiler(Program& program, std::size_t text_size) : program_(program), tables_(program, text_size / 150) {
    // Names and labels: at most one of each per ~150 bytes, of ~8 characters (the big
    // scenario: one name and one label per ~185 bytes, 4-8 characters).
    program.names.reserve(text_size / 150, text_size / 150 * 8);
    program.texts.reserve(text_size / 150, text_size / 150 * 8);
  }

  /// The outcome once sax_parse has returned true.
  [[nodiscard]] bool needs_fallback() const noexcept { return fallback_; }
  /// Throws the fault parse_scenario would report, if any.
  void throw_fault() const {
    if (fault_) throw ScenarioFormatError(fault_->pointer, fault_->problem);
  }

  bool null() override {
    if (buffering_) return record(Event{Event::Type::null});
    if (skip_ > 0) return true;
    if (frames_.empty()) return top_scalar();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::document: return doc_scalar(f, false);
      case Kind::block: return block_scalar(f);
      case Kind::names: return names_scalar(f);
      case Kind::statement: break;
    }
    if (f.expect_do) return do_not_string(f);
    if (!f.live) return true;
    switch (f.field) {
      case Field::name:
        if (is_call(f.in.op)) {
          f.in.name = no_slot;
          return true;
        }
        return field_fault(f, "expected a string");
      case Field::delay:
      case Field::offset:
        if (f.in.op == Op::timeout) return true;
        return field_fault(f, "expected a number");
      case Field::timeout: return true;
      case Field::value:
      case Field::maxsize:
        if (f.in.op != Op::semaphore && f.in.op != Op::queue) return true;
        return field_fault(f, "expected an integer");
      default: return scalar_fault(f);
    }
  }
  bool boolean(bool v) override {
    if (buffering_) return record(Event{Event::Type::boolean, v});
    if (skip_ > 0) return true;
    if (frames_.empty()) return top_scalar();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::document: return doc_scalar(f, false);
      case Kind::block: return block_scalar(f);
      case Kind::names: return names_scalar(f);
      case Kind::statement: break;
    }
    if (f.expect_do) return do_not_string(f);
    if (!f.live) return true;
    if (f.field != Field::return_exceptions && f.field != Field::reraise) return scalar_fault(f);
    f.in.flag = v;
    return true;
  }
  bool number_integer(number_integer_t v) override {
    if (buffering_) return record(Event{Event::Type::integer, false, v});
    return integer(v, false);
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (buffering_) return record(Event{Event::Type::unsigned_, false, 0, v});
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return integer(static_cast<std::int64_t>(v), true, static_cast<double>(v));
    }
    return integer(static_cast<std::int64_t>(v), false);
  }
  bool number_float(number_float_t v, const string_t& /*text*/) override {
    if (buffering_) return record(Event{Event::Type::floating, false, 0, 0, v});
    if (skip_ > 0) return true;
    if (frames_.empty()) return top_scalar();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::document: return doc_scalar(f, false);
      case Kind::block: return block_scalar(f);
      case Kind::names: return names_scalar(f);
      case Kind::statement: break;
    }
    if (f.expect_do) return do_not_string(f);
    if (!f.live) return true;
    if (is_seconds(f.field)) return seconds(f, v);
    if (f.field == Field::value || f.field == Field::maxsize) return field_fault(f, "expected an integer");
    return scalar_fault(f);
  }
  bool string(string_t& v) override { return on_string(v); }
  /// string(), for a text that may not be in a std::string.
  bool on_string(std::string_view v) {
    if (buffering_) return record(Event{Event::Type::string, false, 0, 0, 0.0, std::string(v)});
    if (skip_ > 0) return true;
    if (frames_.empty()) return top_scalar();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::document: return doc_scalar(f, false);
      case Kind::block: return block_scalar(f);
      case Kind::names:
        names_.push_back(f.texts ? tables_.text(v) : tables_.slot(v));
        ++f.index;
        return true;
      case Kind::statement: break;
    }
    if (f.expect_do) return op(f, v);
    if (!f.live) return true;
    switch (f.field) {
      case Field::msg:
      case Field::label: f.in.text = tables_.text(v); return true;
      case Field::name: f.in.name = tables_.slot(v); return true;
      case Field::target: f.in.target = tables_.slot(v); return true;
      case Field::return_when:
        if (v == "ALL_COMPLETED") {
          f.in.return_when = ReturnWhen::all_completed;
        } else if (v == "FIRST_COMPLETED") {
          f.in.return_when = ReturnWhen::first_completed;
        } else if (v == "FIRST_EXCEPTION") {
          f.in.return_when = ReturnWhen::first_exception;
        } else {
          return field_fault(f, "expected ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION");
        }
        return true;
      default: return scalar_fault(f);
    }
  }
  bool binary(binary_t& /*v*/) override { return fallback(); }

  // The direct path (FastReader::statement): a statement object read whole by the
  // reader, with no event per key and value. It only takes statements that compile
  // without a fault, in a block that has none; anything else is read again from its
  // `{` through the events above. So what it takes, it compiles exactly as the events
  // would, and everything it does not take keeps the events' messages.

  /// A statement may be read whole here: the open frame is a block without a fault.
  [[nodiscard]] bool takes_statement() const noexcept {
    if (buffering_ || skip_ > 0 || frames_.empty()) return false;
    const Frame& f = frames_.back();
    return f.kind == Kind::block && f.fault_mask == 0;
  }
  /// Statements of the open block are in a callback's `then`.
  [[nodiscard]] bool block_in_callback() const noexcept { return frames_.back().in_callback; }
  /// A list of statements `levels` below the open block is within the nesting limit.
  [[nodiscard]] bool nests(int levels) const noexcept { return frames_.back().depth + levels <= max_nesting_depth; }
  /// The statement kind `name`, when a statement of it compiles where `in_callback`
  /// says.
  [[nodiscard]] std::optional<Op> direct_op(std::string_view name, bool in_callback) {
    const std::optional<Op> op = find_op(name);
    if (op && in_callback && !allowed_in_callback(*op)) return std::nullopt;
    return op;
  }
  /// A string value of a directly read statement, bound as the events bind it.
  struct DirectString {
    const char* data;
    std::uint32_t size;
    Field field;
    /// The statement: an index into the nested statements, or ~0 for the outer one.
    std::uint32_t owner;
    /// name: its hash (see Tables::prefetch).
    std::uint64_t hash;
  };
  /// A defined name's hash, its filter word fetched (see Tables::prefetch).
  [[nodiscard]] std::uint64_t prefetch_name(std::string_view name) const noexcept { return tables_.prefetch(name); }
  /// Binds the strings of a directly read statement into `in` (owner ~0) and `nested`,
  /// in the text's order (the order the events bind them in).
  void bind_direct(Instruction& in, Instruction* nested, const DirectString* strings, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const DirectString& s = strings[i];
      Instruction& to = s.owner == 0xFFFFFFFFU ? in : nested[s.owner];
      const std::string_view text(s.data, s.size);
      switch (s.field) {
        case Field::name: to.name = tables_.slot(text, s.hash); break;
        case Field::target: to.target = tables_.slot(text); break;
        default: to.text = tables_.text(text); break;
      }
    }
  }
  /// A list of statements read whole: appended to the code as the events append a
  /// block at its `]`.
  Span append_code(const Instruction* first, std::size_t count) {
    const Span span{static_cast<std::uint32_t>(program_.code.size()), static_cast<std::uint32_t>(count)};
    program_.code.insert(program_.code.end(), first, first + count);
    return span;
  }
  /// A directly read statement's instruction, at the end of the open block.
  Instruction& begin_statement() { return staged_[static_cast<std::size_t>(frames_.back().depth)].emplace_back(); }
  /// The statement is left to the events: its instruction goes.
  template <class Taken>
  Taken cancel_statement() {
    staged_[static_cast<std::size_t>(frames_.back().depth)].pop_back();
    return Taken{};
  }
  /// The statement was read whole.
  void end_statement() noexcept { ++frames_.back().index; }
  /// The statement was read up to the list that is `field`'s value (the reader is at its
  /// `[`): from here the events read it, from a frame as theirs would be at this point.
  void open_statement(std::uint32_t seen, Field field) {
    std::vector<Instruction>& staged = staged_[static_cast<std::size_t>(frames_.back().depth)];
    const bool in_callback = frames_.back().in_callback;
    const int depth = frames_.back().depth;
    Frame& f = frames_.emplace_back();
    f.kind = Kind::statement;
    f.in_callback = in_callback;
    f.depth = depth;
    f.in = staged.back();
    staged.pop_back();
    const FieldMasks masks = masks_of(f.in.op);
    f.allowed = masks.allowed;
    f.required = masks.required;
    f.seen = seen;
    f.field = field;
  }

  bool start_object(std::size_t /*n*/) override {
    if (buffering_) return record(Event{Event::Type::start_object});
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (frames_.empty()) {
      frames_.push_back(Frame{Kind::document});
      return true;
    }
    Frame& parent = frames_.back();
    switch (parent.kind) {
      case Kind::document: doc_scalar(parent, true); return true;
      case Kind::names:
        names_scalar(parent);
        skip_ = 1;
        return true;
      case Kind::statement:
        if (parent.expect_do) {
          do_not_string(parent);
        } else if (parent.live) {
          container_fault(parent);
        }
        skip_ = 1;
        return true;
      case Kind::block: break;
    }
    if (parent.fault_mask != 0) {  // a statement after the first bad one: parse only
      skip_ = 1;
      return true;
    }
    // Built in place: a frame built aside and copied in is read back 16 bytes at a
    // time right after its fields were written one by one (a store-forwarding stall).
    const bool in_callback = parent.in_callback;
    const int depth = parent.depth;
    Frame& f = frames_.emplace_back();  // `parent` is stale from here
    f.kind = Kind::statement;
    f.in_callback = in_callback;
    f.depth = depth;
    f.expect_do = true;
    return true;
  }
  bool key(string_t& k) override { return on_key(k); }
  /// key(), for a text that may not be in a std::string.
  bool on_key(std::string_view k) {
    if (buffering_) return buffered_key(k);
    if (skip_ > 0) return true;
    Frame& f = frames_.back();
    if (f.kind == Kind::document) return doc_key(f, k);
    if (f.expect_do) {
      if (k != "do") {
        // A key before `do`: parse_scenario finds `do` wherever it is. The events up
        // to `do` are kept and replayed once the statement is known.
        buffering_ = true;
        buffer_depth_ = 0;
        return buffered_key(k);
      }
      return true;
    }
    if (k == "do") return fallback();  // `do` twice: the DOM keeps the last
    const Field field = field_of(k);
    const std::uint32_t b = field == Field::count ? 0 : bit(field);
    if ((f.allowed & b) == 0) {
      // Unknown field: the smallest key is reported (the DOM's keys are sorted).
      if (!f.has_unknown) {
        unknown_.push_back(UnknownKey{index_of(f), std::string(k)});
        f.has_unknown = true;
      } else if (k < unknown_.back().key) {
        unknown_.back().key = k;
      }
      f.live = false;
      return true;
    }
    if ((f.seen & b) != 0) {
      // A key twice: the DOM keeps the last value, so its fault goes and the
      // instruction's field is set again.
      clear_fault(f, 1 + rank(f, field));
      reset(f, field);
    }
    f.seen |= b;
    f.field = field;
    // After an unknown field only the keys matter (for missing fields).
    f.live = !f.do_fault && !f.has_unknown;
    return true;
  }
  bool end_object() override {
    if (buffering_) {
      if (buffer_depth_ > 0) return record(Event{Event::Type::end_object});
      buffering_ = false;  // the statement ends without `do`
      buffer_.clear();
    }
    if (skip_ > 0) return end_skip();
    Frame& f = frames_.back();
    if (f.kind == Kind::document) return end_document(f);
    // The statement's fault, in parse_scenario's order.
    std::optional<Fault> fault = take_fault(f);
    if (f.expect_do) {
      fault = Fault{here(frames_.size() - 1) + "/do", "missing field"};
    } else if (f.do_fault) {
      // taken above
    } else if (f.has_unknown) {
      fault = Fault{here(frames_.size() - 1) + "/" + json_pointer_token(unknown_.back().key),
                    "unknown field of '" + std::string(op_name(f.in.op)) + "'"};
    } else if ((f.seen & f.required) != f.required) {
      const FieldOrder order = order_of(f.in.op);
      for (std::size_t i = 0; i < order.size; ++i) {
        if ((f.required & bit(order.fields[i])) != 0 && (f.seen & bit(order.fields[i])) == 0) {
          fault = Fault{here(frames_.size() - 1) + "/" + std::string(key_of(order.fields[i])), "missing field"};
          break;
        }
      }
    }
    if (f.has_unknown) unknown_.pop_back();
    // The instruction goes from its frame to its block directly (a copy aside was read
    // back at once: a store-forwarding stall per statement).
    Frame& block = frames_[frames_.size() - 2];
    if (fault) {
      set_fault(block, 0, std::move(*fault));
    } else {
      staged_[static_cast<std::size_t>(block.depth)].push_back(f.in);
    }
    ++block.index;
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) override {
    if (buffering_) return record(Event{Event::Type::start_array});
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (frames_.empty()) {
      top_scalar();
      skip_ = 1;
      return true;
    }
    Frame& parent = frames_.back();
    switch (parent.kind) {
      case Kind::document:
        if (parent.doc_key == DocKey::main) {
          doc_.main = Presence::good;
          return push_block(false, 1);
        }
        doc_scalar(parent, true);
        return true;
      case Kind::block:
        block_scalar(parent);
        skip_ = 1;
        return true;
      case Kind::names:
        names_scalar(parent);
        skip_ = 1;
        return true;
      case Kind::statement: break;
    }
    if (parent.expect_do) {
      do_not_string(parent);
      skip_ = 1;
      return true;
    }
    if (!parent.live) {
      skip_ = 1;
      return true;
    }
    switch (parent.field) {
      case Field::body: return push_block(parent.in.op == Op::spawn ? false : parent.in_callback, parent.depth + 1);
      case Field::then: return push_block(true, parent.depth + 1);
      case Field::handler: return push_block(parent.in_callback, parent.depth + 1);
      case Field::targets:
      case Field::catch_: {
        const bool texts = parent.field == Field::catch_;
        Frame& f = frames_.emplace_back();  // `parent` is stale from here
        f.kind = Kind::names;
        f.texts = texts;
        f.list_begin = names_.size();
        return true;
      }
      default:
        container_fault(parent);
        skip_ = 1;
        return true;
    }
  }
  bool end_array() override {
    if (buffering_) return record(Event{Event::Type::end_array});
    if (skip_ > 0) return end_skip();
    Frame& f = frames_.back();
    if (f.kind == Kind::names) {
      const auto begin = static_cast<std::uint32_t>(program_.lists.size());
      program_.lists.insert(program_.lists.end(), names_.begin() + static_cast<std::ptrdiff_t>(f.list_begin),
                            names_.end());
      names_.resize(f.list_begin);
      std::optional<Fault> fault = take_fault(f);
      frames_.pop_back();
      Frame& parent = frames_.back();
      parent.in.set_list(Span{begin, static_cast<std::uint32_t>(program_.lists.size() - begin)});
      if (fault) keep_fault(parent, parent.field, std::move(*fault));
      return true;
    }
    // A block.
    std::vector<Instruction>& staged = staged_[static_cast<std::size_t>(f.depth)];
    const Span span{static_cast<std::uint32_t>(program_.code.size()), static_cast<std::uint32_t>(staged.size())};
    program_.code.insert(program_.code.end(), staged.begin(), staged.end());
    staged.clear();
    std::optional<Fault> fault = take_fault(f);
    frames_.pop_back();
    Frame& parent = frames_.back();
    if (parent.kind == Kind::document) {
      program_.main = span;
      if (fault) {
        doc_.main = Presence::bad;
        doc_.main_fault = std::move(*fault);
      }
      return true;
    }
    if (parent.field == Field::handler) {
      parent.in.set_handler(span);
    } else {
      parent.in.body = span;
    }
    if (fault) keep_fault(parent, parent.field, std::move(*fault));
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) override {
    // Not JSON: parse_scenario stops at the same byte with the same lexer, before looking
    // at any statement. A number beyond double range (error 406) is reported at the
    // pointer of its value as nlohmann's DOM sees it: read again.
    if (e.id == 406) return fallback();
    throw ScenarioFormatError(
        "", "invalid JSON at byte " + std::to_string(position) + " near '" + token + "': " + e.what());
  }

 private:
  enum class Kind : std::uint8_t { document, block, statement, names };
  enum class DocKey : std::uint8_t { none, version, main, other };
  enum class Presence : std::uint8_t { absent, good, bad };
  struct Fault {
    std::string pointer;
    std::string problem;
  };
  struct Frame {
    Kind kind = Kind::document;
    DocKey doc_key = DocKey::none;
    bool in_callback = false;
    bool expect_do = false;
    bool texts = false;
    /// The value of the current field is checked and compiled (false: only parsed).
    bool live = true;
    bool do_fault = false;
    bool has_unknown = false;
    int depth = 0;
    /// Bit r: faults_ holds this frame's fault of rank r (statement: 0 is `do`, 1 + i
    /// the i-th field of order_of; block and names: 0).
    std::uint32_t fault_mask = 0;
    Field field = Field::count;
    std::uint32_t allowed = 0;
    std::uint32_t required = 0;
    std::uint32_t seen = 0;
    /// block, names: the index of the element being read.
    std::uint32_t index = 0;
    std::size_t list_begin = 0;
    Instruction in;
  };
  /// The smallest unknown key of an open statement (frames_[frame]).
  struct UnknownKey {
    std::size_t frame;
    std::string key;
  };
  struct FaultEntry {
    std::size_t frame;
    int rank;
    Fault fault;
  };
  /// The document's keys, checked at its end in parse_scenario's order.
  struct Document {
    Presence version = Presence::absent;
    Presence main = Presence::absent;
    bool has_unknown = false;
    std::string unknown;
    Fault main_fault;
  };

  /// Stops the pass: the text is read again by parse_scenario.
  bool fallback() {
    fallback_ = true;
    return false;
  }

  /// The JSON pointer of the value being read in frames_[0, end).
  [[nodiscard]] std::string here(std::size_t end) const {
    std::string out;
    for (std::size_t i = 0; i < end; ++i) {
      const Frame& f = frames_[i];
      switch (f.kind) {
        case Kind::document: out += "/main"; break;
        case Kind::block:
        case Kind::names:
          out += '/';
          out += std::to_string(f.index);
          break;
        case Kind::statement:
          out += '/';
          out += key_of(f.field);
          break;
      }
    }
    return out;
  }
  [[nodiscard]] std::string here() const { return here(frames_.size()); }

  static int rank(const Frame& f, Field field) {
    const FieldOrder order = order_of(f.in.op);
    for (std::size_t i = 0; i < order.size; ++i) {
      if (order.fields[i] == field) return static_cast<int>(i);
    }
    return static_cast<int>(order.size);
  }
  [[nodiscard]] std::size_t index_of(const Frame& f) const noexcept {
    return static_cast<std::size_t>(&f - frames_.data());
  }
  void set_fault(Frame& f, int rank, Fault fault) {
    const std::size_t frame = index_of(f);
    const std::uint32_t b = 1U << rank;
    if ((f.fault_mask & b) != 0) {
      for (auto it = faults_.rbegin(); it != faults_.rend(); ++it) {
        if (it->frame == frame && it->rank == rank) {
          it->fault = std::move(fault);
          return;
        }
      }
    }
    f.fault_mask |= b;
    faults_.push_back(FaultEntry{frame, rank, std::move(fault)});
  }
  void clear_fault(Frame& f, int rank) {
    const std::uint32_t b = 1U << rank;
    if ((f.fault_mask & b) == 0) return;
    const std::size_t frame = index_of(f);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->frame == frame && it->rank == rank) {
        faults_.erase(it);
        break;
      }
    }
    f.fault_mask &= ~b;
  }
  /// The frame's first fault (the lowest rank), if any; forgets all of its faults.
  std::optional<Fault> take_fault(Frame& f) {
    if (f.fault_mask == 0) [[likely]] return std::nullopt;
    return take_faults(f);
  }
  [[gnu::noinline]] std::optional<Fault> take_faults(Frame& f) {
    const std::size_t frame = index_of(f);
    const int first = std::countr_zero(f.fault_mask);
    std::optional<Fault> out;
    for (FaultEntry& e : faults_) {
      if (e.frame == frame && e.rank == first) out = std::move(e.fault);
    }
    std::erase_if(faults_, [frame](const FaultEntry& e) { return e.frame == frame; });
    f.fault_mask = 0;
    return out;
  }
  /// A fault of the statement `f`'s field `field`.
  void keep_fault(Frame& f, Field field, Fault fault) { set_fault(f, 1 + rank(f, field), std::move(fault)); }
  /// The current field's value is of the wrong kind.
  bool field_fault(Frame& f, const std::string& problem) {
    keep_fault(f, f.field, Fault{here(), problem});
    return true;
  }
  /// A scalar where the current field wants something else.
  bool scalar_fault(Frame& f) { return field_fault(f, expected_for(f.field)); }
  /// An object (or an array) where the current field wants something else.
  void container_fault(Frame& f) { field_fault(f, expected_for(f.field)); }
  static std::string expected_for(Field field) {
    switch (field) {
      case Field::msg:
      case Field::label:
      case Field::name:
      case Field::target:
      case Field::return_when: return "expected a string";
      case Field::delay:
      case Field::offset:
      case Field::timeout: return "expected a number";
      case Field::value:
      case Field::maxsize: return "expected an integer";
      case Field::return_exceptions:
      case Field::reraise: return "expected true or false";
      case Field::body:
      case Field::then:
      case Field::handler: return "expected a list of statements";
      case Field::targets: return "expected a list of names";
      case Field::catch_: return "expected a list of class names";
      case Field::count: break;
    }
    return "";
  }

  /// The document is not an object.
  bool top_scalar() {
    fault_ = Fault{"", "expected an object with \"version\": 1 and a list \"main\""};
    return true;
  }
  /// A value of the document's key (a container when `container`: skipped).
  bool doc_scalar(Frame& f, bool container) {
    if (container) skip_ = 1;
    switch (f.doc_key) {
      case DocKey::main:
        doc_.main = Presence::bad;
        doc_.main_fault = Fault{"/main", "expected a list of statements"};
        break;
      case DocKey::version: doc_.version = Presence::bad; break;
      default: break;
    }
    return true;
  }
  bool doc_key(Frame& f, std::string_view k) {
    // A key twice: its last value counts, as in the DOM.
    if (k == "version") {
      f.doc_key = DocKey::version;
    } else if (k == "main") {
      f.doc_key = DocKey::main;
    } else {
      f.doc_key = DocKey::other;
      if (!doc_.has_unknown || k < doc_.unknown) doc_.unknown = k;
      doc_.has_unknown = true;
    }
    return true;
  }
  bool end_document(Frame& /*f*/) {
    frames_.pop_back();
    if (doc_.has_unknown) {
      fault_ = Fault{"/" + doc_.unknown, "unknown field"};
    } else if (doc_.version == Presence::absent) {
      fault_ = Fault{"/version", "missing field"};
    } else if (doc_.version == Presence::bad) {
      fault_ = Fault{"/version", "unsupported version (expected 1)"};
    } else if (doc_.main == Presence::absent) {
      fault_ = Fault{"/main", "missing field"};
    } else if (doc_.main == Presence::bad) {
      fault_ = std::move(doc_.main_fault);
    }
    return true;
  }
  /// A scalar (or, then skipped, an array) as a statement of a block.
  bool block_scalar(Frame& f) {
    if (f.fault_mask == 0) set_fault(f, 0, Fault{here(), "expected a statement object"});
    ++f.index;
    return true;
  }
  /// A non-string in a list of names.
  bool names_scalar(Frame& f) {
    if (f.fault_mask == 0) set_fault(f, 0, Fault{here(), "expected a string"});
    ++f.index;
    return true;
  }
  bool end_skip() {
    --skip_;
    return true;
  }

  static bool is_seconds(Field f) { return f == Field::delay || f == Field::offset || f == Field::timeout; }

  /// A field given again: what its first value set is undone.
  static void reset(Frame& f, Field field) {
    switch (field) {
      case Field::name: f.in.name = no_slot; break;
      case Field::delay:
      case Field::offset:
      case Field::timeout:
      case Field::value:
      case Field::maxsize:
        f.in.has_number = false;
        f.in.number.value = 0;
        break;
      case Field::body:
      case Field::then: f.in.body = Span{}; break;
      case Field::handler: f.in.set_handler(Span{}); break;
      case Field::targets:
      case Field::catch_: f.in.set_list(Span{}); break;
      default: break;
    }
  }

  /// op_from_name, behind a cache of the kinds read last (a scenario repeats a few).
  [[gnu::always_inline]] std::optional<Op> find_op(std::string_view name) {
    if (name.empty()) return op_from_name(name);
    const std::size_t i = (name.size() * 7 + static_cast<unsigned char>(name.front()) * 3 +
                           static_cast<unsigned char>(name.back())) % ops_.size();
    if (same_text(ops_[i].name, name)) return ops_[i].op;
    const std::optional<Op> op = op_from_name(name);
    if (op) ops_[i] = KnownOp{*op, op_name(*op)};
    return op;
  }
  bool op(Frame& f, std::string_view name) {
    f.expect_do = false;
    const std::optional<Op> op = find_op(name);
    if (!op) return do_fault(f, "unknown statement '" + std::string(name) + "'");
    if (f.in_callback && !allowed_in_callback(*op)) {
      return do_fault(f, "statement '" + std::string(name) + "' is not allowed in a callback's then");
    }
    f.in.op = *op;
    const FieldMasks masks = masks_of(*op);
    f.allowed = masks.allowed;
    f.required = masks.required;
    return replay();
  }
  /// `do` is bad: nothing else of the statement matters.
  bool do_fault(Frame& f, const std::string& problem) {
    f.do_fault = true;
    f.live = false;
    buffer_.clear();
    f.expect_do = false;
    set_fault(f, 0, Fault{here(frames_.size() - 1) + "/do", problem});
    return true;
  }
  /// `do` is not a string.
  bool do_not_string(Frame& f) { return do_fault(f, "expected a string"); }

  bool seconds(Frame& f, double v) {
    if (std::fabs(v) > max_delay_seconds) return field_fault(f, delay_problem(v));
    f.in.has_number = true;
    f.in.number.seconds = v;
    return true;
  }

  bool integer(std::int64_t v, bool out_of_range, double as_double = 0.0) {
    if (skip_ > 0) return true;
    if (frames_.empty()) return top_scalar();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::document:
        if (f.doc_key == DocKey::version) {
          doc_.version = !out_of_range && v == 1 ? Presence::good : Presence::bad;
          return true;
        }
        return doc_scalar(f, false);
      case Kind::block: return block_scalar(f);
      case Kind::names: return names_scalar(f);
      case Kind::statement: break;
    }
    if (f.expect_do) return do_not_string(f);
    if (!f.live) return true;
    if (is_seconds(f.field)) return seconds(f, out_of_range ? as_double : static_cast<double>(v));
    if (f.field != Field::value && f.field != Field::maxsize) return scalar_fault(f);
    if (out_of_range) return field_fault(f, "integer out of range");
    f.in.has_number = true;
    f.in.number.value = v;
    return true;
  }

  /// A SAX event kept while a statement's `do` is not known yet.
  struct Event {
    enum class Type : std::uint8_t {
      null,
      boolean,
      integer,
      unsigned_,
      floating,
      string,
      key,
      start_object,
      end_object,
      start_array,
      end_array
    };
    Type type;
    bool flag = false;
    std::int64_t integer = 0;
    std::uint64_t unsigned_ = 0;
    double floating = 0.0;
    std::string text;
  };
  bool record(Event e) {
    if (e.type == Event::Type::start_object || e.type == Event::Type::start_array) ++buffer_depth_;
    if (e.type == Event::Type::end_object || e.type == Event::Type::end_array) --buffer_depth_;
    buffer_.push_back(std::move(e));
    return true;
  }
  bool buffered_key(std::string_view k) {
    if (buffer_depth_ == 0 && k == "do") {
      buffering_ = false;  // `do`'s value comes next
      return true;
    }
    return record(Event{Event::Type::key, false, 0, 0, 0.0, std::string(k)});
  }
  /// Feeds the kept events to the handlers (a statement nested in them may keep its
  /// own: the list is taken first).
  bool replay() {
    if (buffer_.empty()) return true;
    std::vector<Event> events = std::move(buffer_);
    buffer_.clear();
    for (Event& e : events) {
      bool ok = true;
      switch (e.type) {
        case Event::Type::null: ok = null(); break;
        case Event::Type::boolean: ok = boolean(e.flag); break;
        case Event::Type::integer: ok = number_integer(e.integer); break;
        case Event::Type::unsigned_: ok = number_unsigned(e.unsigned_); break;
        case Event::Type::floating: ok = number_float(e.floating, e.text); break;
        case Event::Type::string: ok = on_string(e.text); break;
        case Event::Type::key: ok = on_key(e.text); break;
        case Event::Type::start_object: ok = start_object(0); break;
        case Event::Type::end_object: ok = end_object(); break;
        case Event::Type::start_array: ok = start_array(0); break;
        case Event::Type::end_array: ok = end_array(); break;
      }
      if (!ok) return false;
    }
    return true;
  }

  bool push_block(bool in_callback, int depth) {
    if (depth > max_nesting_depth) {
      Frame& parent = frames_.back();
      Fault fault{here(), "bodies nested more than " + std::to_string(max_nesting_depth) +
                              " deep (the scenario language's limit)"};
      if (parent.kind == Kind::document) {
        doc_.main = Presence::bad;
        doc_.main_fault = std::move(fault);
      } else {
        keep_fault(parent, parent.field, std::move(fault));
      }
      skip_ = 1;
      return true;
    }
    if (staged_.size() <= static_cast<std::size_t>(depth)) staged_.resize(static_cast<std::size_t>(depth) + 1);
    Frame& f = frames_.emplace_back();
    f.kind = Kind::block;
    f.in_callback = in_callback;
    f.depth = depth;
    return true;
  }

  struct KnownOp {
    Op op = Op::log;
    std::string_view name;  // op_name(op); empty: none (no statement kind is empty)
  };

  Program& program_;
  Tables tables_;
  std::array<KnownOp, 32> ops_{};
  std::vector<Frame> frames_;
  /// Instructions of the open block at each depth (reused from statement to statement).
  std::vector<std::vector<Instruction>> staged_;
  std::vector<std::uint32_t> names_;
  Document doc_;
  std::optional<Fault> fault_;
  /// The faults of the open frames, a frame's after its parent's (a later value of a
  /// key given twice replaces its fault, as the DOM keeps the last value).
  std::vector<FaultEntry> faults_;
  /// The open statements' unknown keys, an inner statement's after its parent's.
  std::vector<UnknownKey> unknown_;
  /// Events before a statement's `do`, and the depth of containers among them.
  std::vector<Event> buffer_;
  std::size_t buffer_depth_ = 0;
  bool buffering_ = false;
  /// Containers being skipped (parsed, not read).
  std::size_t skip_ = 0;
  bool fallback_ = false;
};

/// A file's text, mapped (not copied: the page cache's pages are the text), whose pages
/// the fast reader gives back as it moves on: the text is not needed once compiled, so
/// the peak memory of a load is the program plus a megabyte, not the program plus the
/// file. (A file truncated by someone else while it is read would raise SIGBUS.)
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
/// nlohmann's lexer on the big scenario (see CONTRIBUTING). `release` (may be null)
/// gives back the pages the reader has passed.
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
    const FieldMasks masks = masks_of(in.op);
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
  const char* nested_list(Handler& h, const char* p, bool in_callback) {
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

/// Asks for transparent huge pages on the whole 2 MiB pages inside [p, p + bytes): the
/// program's code is written once from start to end, and with 4 KiB pages each page of
/// it costs a fault (a tenth of the big scenario's load). Pages never touched still
/// cost nothing; at most one partly used huge page is added to the peak.
void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge_page - 1) & ~(huge_page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge_page - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

/// How a one-pass compile ended.
enum class Pass : std::uint8_t { compiled, gave_up, read_again };

/// The one-pass compile of the text [first, last) into `program` (which must be empty):
/// the fast reader when `fast`, else nlohmann's parser. Throws ScenarioFormatError for a
/// malformed text; gave_up: the fast reader met text it does not read (run nlohmann's);
/// read_again: parse_scenario has to read it (see SaxCompiler).
Pass compile_once(const char* first, const char* last, bool fast, Program& program, ReleasedText* release) {
  // Capacity by the text's size: a statement takes at least 10 bytes of JSON.
  // Pages never touched cost no memory, and nothing is moved as the program grows.
  program.code.reserve(static_cast<std::size_t>(last - first) / 10 + 16);
  advise_huge_pages(program.code.data(), program.code.capacity() * sizeof(Instruction));
  SaxCompiler sax(program, static_cast<std::size_t>(last - first));
  bool parsed = false;
  if (fast) {
    parsed = FastReader<SaxCompiler>(first, last, release).read(sax);
    if (!parsed) return Pass::gave_up;
  } else {
    parsed = nlohmann::json::sax_parse(first, last, &sax);
  }
  if (!parsed || sax.needs_fallback()) return Pass::read_again;
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

/// compile_scenario, after the fast reader when `fast`.
Program compile_text(std::string_view json_text, bool fast) {
  const char* const first = json_text.data();
  const char* const last = first + json_text.size();
  for (;; fast = false) {
    Program program;
    const Pass pass = compile_once(first, last, fast, program, nullptr);
    if (pass == Pass::compiled) return program;
    if (pass == Pass::read_again || !fast) break;
  }
  // `do` twice or a number beyond double range: read again (see SaxCompiler).
  return compile(parse_scenario(json_text));
}

}  // namespace

Program compile_scenario(std::string_view json_text) { return compile_text(json_text, true); }

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
        if (read) pass = compile_once(text.data(), text.data() + text.size(), true, program, &text);
      }
      // Else the text's pages are gone: read it again for nlohmann's parser below.
      if (pass == Pass::compiled) return program;
      if (pass == Pass::read_again) {
        std::string text;
        if (!read_file(path, text)) throw ScenarioFormatError("", "cannot read " + path);
        return compile(parse_scenario(text));
      }
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  // Text the fast reader does not read, or stdin: nlohmann's parser (after the fast
  // reader for stdin).
  std::string text;
  if (!read_file(path, text)) throw ScenarioFormatError("", "cannot read " + path);
  return compile_text(text, path == "-");
}

}  // namespace asim::props
