// SPDX-License-Identifier: MIT
// Compiling scenarios: from a tree, or from JSON text in one SAX pass.
//
// The one-pass compiler handles the files people and generators write (`do` first in
// each statement, each key once, everything valid) and gives up on anything else by
// stopping the parse (a SAX event returns false); the text is then read again by
// parse_scenario, whose messages name the place of the fault, and its tree is
// compiled. So malformed input is reported exactly as parse_scenario reports it, and
// the fast path stays small.
#include <asim/props/program.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>

namespace asim::props {

namespace {

/// Slot and text tables shared by both compilers. Names are interned in an
/// open-addressing table of slots (compared against Program::names, so nothing but
/// the names themselves is stored twice); load time is the only time a name is hashed.
class Tables {
 public:
  explicit Tables(Program& program) : program_(program), table_(64, Entry{}) {
    program_.names.add("main");
    insert(hash("main"), 0);
  }
  Slot slot(std::string_view name) {
    const std::uint64_t h = hash(name);
    const auto check = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry entry = table_[i];
      if (entry.slot_plus_one == 0) break;
      if (entry.check == check && program_.names[entry.slot_plus_one - 1] == name) return entry.slot_plus_one - 1;
    }
    const auto slot = static_cast<Slot>(program_.names.size());
    program_.names.add(name);
    insert(h, slot);
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
    std::vector<Entry> old(table_.size() * 2, Entry{});
    old.swap(table_);
    for (const Entry entry : old) {
      if (entry.slot_plus_one != 0) place(entry, hash(program_.names[entry.slot_plus_one - 1]));
    }
  }

  Program& program_;
  std::vector<Entry> table_;
  std::size_t count_ = 0;
};

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
  static bool is_call(Op op) { return op == Op::call_soon || op == Op::call_later || op == Op::call_at; }
  static bool uses_text(Op op) { return op == Op::log || op == Op::raise || op == Op::set_exception || is_call(op); }
  static bool uses_target(Op op) {
    switch (op) {
      case Op::await_:
      case Op::cancel:
      case Op::set_result:
      case Op::set_exception:
      case Op::wait_for:
      case Op::shield:
      case Op::acquire:
      case Op::release:
      case Op::set:
      case Op::clear:
      case Op::wait_event:
      case Op::put:
      case Op::get:
      case Op::put_nowait:
      case Op::get_nowait: return true;
      default: return false;
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

Field field_of(std::string_view key) {
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

/// nlohmann's SAX events, compiled as they come. Every frame is a JSON container
/// being read; blocks stage their instructions and append them to the arena when they
/// close, so a body is contiguous.
class SaxCompiler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit SaxCompiler(Program& program) : program_(program), tables_(program) {}

  /// True when the whole document was compiled (false: read it again with parse_scenario).
  [[nodiscard]] bool complete() const { return !failed_ && frames_.empty() && saw_version_ && saw_main_; }

  bool null() override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind != Kind::statement) return fallback();
    switch (f.field) {
      case Field::name:
        if (!is_call(f.in.op)) return fallback();
        f.in.name = no_slot;
        return true;
      case Field::delay:
        if (f.in.op != Op::timeout) return fallback();
        return true;
      case Field::timeout: return true;
      case Field::value:
        if (f.in.op == Op::semaphore) return fallback();
        return true;
      default: return fallback();
    }
  }
  bool boolean(bool v) override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind != Kind::statement || (f.field != Field::return_exceptions && f.field != Field::reraise)) {
      return fallback();
    }
    f.in.flag = v;
    return true;
  }
  bool number_integer(number_integer_t v) override { return integer(v, static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return fallback();
    return integer(static_cast<std::int64_t>(v), static_cast<double>(v));
  }
  bool number_float(number_float_t v, const string_t& /*text*/) override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind == Kind::document || f.kind != Kind::statement) return fallback();
    if (!is_seconds(f.field) || !std::isfinite(v) || std::fabs(v) > max_delay_seconds) return fallback();
    f.in.has_number = true;
    f.in.number.seconds = v;
    return true;
  }
  bool string(string_t& v) override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::names: names_.push_back(f.texts ? tables_.text(v) : tables_.slot(v)); return true;
      case Kind::statement: break;
      default: return fallback();
    }
    if (f.expect_do) return op(f, v);
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
          return fallback();
        }
        return true;
      default: return fallback();
    }
  }
  bool binary(binary_t& /*v*/) override { return fallback(); }

  bool start_object(std::size_t /*n*/) override {
    if (frames_.empty()) {
      if (started_) return fallback();
      started_ = true;
      frames_.push_back(Frame{Kind::document});
      return true;
    }
    if (frames_.empty()) return fallback();
    Frame& parent = frames_.back();
    if (parent.kind != Kind::block) return fallback();
    Frame f{Kind::statement};
    f.in_callback = parent.in_callback;
    f.depth = parent.depth;
    f.expect_do = true;
    frames_.push_back(f);
    return true;
  }
  bool key(string_t& k) override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind == Kind::document) {
      if (k == "version" && !saw_version_) {
        f.doc_key = DocKey::version;
      } else if (k == "main" && !saw_main_) {
        f.doc_key = DocKey::main;
      } else {
        return fallback();
      }
      return true;
    }
    if (f.expect_do) {
      if (k != "do") return fallback();
      return true;
    }
    const Field field = field_of(k);
    if (field == Field::count) return fallback();
    const std::uint32_t b = bit(field);
    if ((f.allowed & b) == 0 || (f.seen & b) != 0) return fallback();
    f.seen |= b;
    f.field = field;
    return true;
  }
  bool end_object() override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind == Kind::document) {
      frames_.pop_back();
      return true;
    }
    if (f.expect_do || (f.seen & f.required) != f.required) return fallback();
    const Instruction in = f.in;
    frames_.pop_back();
    staged_[static_cast<std::size_t>(frames_.back().depth)].push_back(in);
    return true;
  }
  bool start_array(std::size_t /*n*/) override {
    if (frames_.empty()) return fallback();
    if (frames_.empty()) return fallback();
    Frame& parent = frames_.back();
    if (parent.kind == Kind::document) {
      if (parent.doc_key != DocKey::main) return fallback();
      saw_main_ = true;
      return push_block(false, 1);
    }
    if (parent.kind != Kind::statement || parent.expect_do) return fallback();
    switch (parent.field) {
      case Field::body: return push_block(parent.in.op == Op::spawn ? false : parent.in_callback, parent.depth + 1);
      case Field::then: return push_block(true, parent.depth + 1);
      case Field::handler: return push_block(parent.in_callback, parent.depth + 1);
      case Field::targets:
      case Field::catch_: {
        Frame f{Kind::names};
        f.texts = parent.field == Field::catch_;
        f.list_begin = names_.size();
        frames_.push_back(f);
        break;
      }
      default: return fallback();
    }
    return true;
  }
  bool end_array() override {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind == Kind::names) {
      const auto begin = static_cast<std::uint32_t>(program_.lists.size());
      program_.lists.insert(program_.lists.end(), names_.begin() + static_cast<std::ptrdiff_t>(f.list_begin),
                            names_.end());
      names_.resize(f.list_begin);
      frames_.pop_back();
      frames_.back().in.set_list(Span{begin, static_cast<std::uint32_t>(program_.lists.size() - begin)});
      return true;
    }
    if (f.kind != Kind::block) return fallback();
    std::vector<Instruction>& staged = staged_[static_cast<std::size_t>(f.depth)];
    const Span span{static_cast<std::uint32_t>(program_.code.size()), static_cast<std::uint32_t>(staged.size())};
    program_.code.insert(program_.code.end(), staged.begin(), staged.end());
    staged.clear();
    frames_.pop_back();
    if (frames_.empty()) return fallback();
    Frame& parent = frames_.back();
    if (parent.kind == Kind::document) {
      program_.main = span;
    } else if (parent.field == Field::handler) {
      parent.in.set_handler(span);
    } else {
      parent.in.body = span;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) override {
    // Not JSON: parse_scenario would stop at the same byte with the same lexer, before
    // looking at any statement, so its message is made here rather than by reading the
    // text again. (A number beyond double range, error 406, is reported at the JSON
    // pointer of its value, which this pass does not track: read again.)
    if (e.id == 406) return fallback();
    throw ScenarioFormatError("", "invalid JSON at byte " + std::to_string(position) + " near '" + token +
                                      "': " + e.what());
  }

 private:
  enum class Kind : std::uint8_t { document, block, statement, names };
  enum class DocKey : std::uint8_t { none, version, main };
  struct Frame {
    Kind kind;
    DocKey doc_key = DocKey::none;
    bool in_callback = false;
    bool expect_do = false;
    bool texts = false;
    int depth = 0;
    Field field = Field::count;
    std::uint32_t allowed = 0;
    std::uint32_t required = 0;
    std::uint32_t seen = 0;
    std::size_t list_begin = 0;
    Instruction in;
  };

  /// Stops the parse: the text is outside the happy path. (Returning false from a SAX
  /// event stops nlohmann's parser without an exception, which keeps a malformed input
  /// cheap: it is read again anyway.)
  bool fallback() {
    failed_ = true;
    return false;
  }

  static bool is_call(Op op) { return op == Op::call_soon || op == Op::call_later || op == Op::call_at; }
  static bool is_seconds(Field f) { return f == Field::delay || f == Field::offset || f == Field::timeout; }

  bool op(Frame& f, const std::string& name) {
    const std::optional<Op> op = op_from_name(name);
    if (!op || (f.in_callback && !allowed_in_callback(*op))) return fallback();
    f.expect_do = false;
    f.in.op = *op;
    const FieldMasks masks = masks_of(*op);
    f.allowed = masks.allowed;
    f.required = masks.required;
    return true;
  }

  bool integer(std::int64_t v, double as_double) {
    if (frames_.empty()) return fallback();
    Frame& f = frames_.back();
    if (f.kind == Kind::document) {
      if (f.doc_key != DocKey::version || v != 1 || saw_version_) return fallback();
      saw_version_ = true;
      return true;
    }
    if (f.kind != Kind::statement || f.expect_do) return fallback();
    if (is_seconds(f.field)) {
      if (std::fabs(as_double) > max_delay_seconds) return fallback();
      f.in.has_number = true;
      f.in.number.seconds = as_double;
      return true;
    }
    if (f.field != Field::value && f.field != Field::maxsize) return fallback();
    f.in.has_number = true;
    f.in.number.value = v;
    return true;
  }

  bool push_block(bool in_callback, int depth) {
    if (depth > max_nesting_depth) return fallback();
    Frame f{Kind::block};
    f.in_callback = in_callback;
    f.depth = depth;
    if (staged_.size() <= static_cast<std::size_t>(depth)) staged_.resize(static_cast<std::size_t>(depth) + 1);
    frames_.push_back(f);
    return true;
  }

  Program& program_;
  Tables tables_;
  std::vector<Frame> frames_;
  /// Instructions of the open block at each depth (reused from statement to statement).
  std::vector<std::vector<Instruction>> staged_;
  std::vector<std::uint32_t> names_;
  bool started_ = false;
  bool saw_version_ = false;
  bool saw_main_ = false;
  bool failed_ = false;
};

/// A file's text in anonymous memory, read with one read(2), whose pages the parser
/// gives back as it moves on: the text is not needed once compiled, so the peak memory
/// of a load is the program plus a megabyte, not the program plus the file.
class ReleasedText {
 public:
  static constexpr std::size_t chunk = std::size_t{1} << 20;

  ~ReleasedText() {
    if (base_ != nullptr) ::munmap(base_, mapped_);
  }
  /// Reads a regular file; false when it is not one or cannot be read.
  bool read(int fd, std::size_t size) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    mapped_ = (size + page) / page * page;
    void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    base_ = static_cast<char*>(p);
    released_ = base_;
    while (size_ < size) {
      const ssize_t n = ::read(fd, base_ + size_, size - size_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      size_ += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Gives back the whole chunks before `p`.
  void release_before(const char* p) noexcept {
    char* const end = base_ + static_cast<std::size_t>(p - base_) / chunk * chunk;
    if (end <= released_) return;
    ::madvise(released_, static_cast<std::size_t>(end - released_), MADV_DONTNEED);
    released_ = end;
  }

  /// The iterator nlohmann's parser reads through: a pointer that releases each chunk
  /// it leaves behind (one well-predicted test per character).
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;
    Iterator() = default;
    Iterator(const char* p, ReleasedText* owner) : p_(p), owner_(owner) {}
    reference operator*() const noexcept { return *p_; }
    Iterator& operator++() noexcept {
      ++p_;
      if ((reinterpret_cast<std::uintptr_t>(p_) & (chunk - 1)) == 0) owner_->release_before(p_);
      return *this;
    }
    Iterator operator++(int) noexcept {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator!=(const Iterator& a, const Iterator& b) noexcept { return a.p_ != b.p_; }

   private:
    const char* p_ = nullptr;
    ReleasedText* owner_ = nullptr;
  };
  Iterator begin() noexcept { return {base_, this}; }
  Iterator end() noexcept { return {base_ + size_, this}; }

 private:
  char* base_ = nullptr;
  char* released_ = nullptr;
  std::size_t mapped_ = 0;
  std::size_t size_ = 0;
};

/// The one-pass compile of `text`; false when it has to be read again.
template <class Iterator>
bool compile_once(Iterator first, Iterator last, std::size_t size, Program& program) {
  // Capacity by the text's size: a statement takes at least 10 bytes of JSON.
  // Pages never touched cost no memory, and nothing is moved as the program grows.
  program.code.reserve(size / 10 + 16);
  SaxCompiler sax(program);
  const bool parsed = nlohmann::json::sax_parse(first, last, &sax);
  return parsed && sax.complete();
}

}  // namespace

void check_delay(double seconds, const std::string& pointer) {
  if (std::fabs(seconds) <= max_delay_seconds) return;
  char text[64];
  std::snprintf(text, sizeof text, "%g", seconds);
  throw ScenarioFormatError(pointer, std::string(text) + " seconds is beyond the scenario language's limit of " +
                                         "1e9 seconds either way (the loop clock's range)");
}

Program compile(const Scenario& scenario) {
  Program program;
  TreeCompiler compiler(program);
  program.main = compiler.block(scenario.main, 1);
  return program;
}

Program compile_scenario(std::string_view json_text) {
  {
    Program program;
    if (compile_once(json_text.data(), json_text.data() + json_text.size(), json_text.size(), program)) {
      return program;
    }
  }
  // Read again for the precise message (or the odd but valid file: a key before `do`).
  return compile(parse_scenario(json_text));
}

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
      bool compiled = false;
      Program program;
      {
        ReleasedText text;
        const bool read = text.read(fd, static_cast<std::size_t>(st.st_size));
        ::close(fd);
        if (read) compiled = compile_once(text.begin(), text.end(), static_cast<std::size_t>(st.st_size), program);
      }
      // Else the text is gone: read it again below for parse_scenario's message.
      if (compiled) return program;
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  std::string text;
  if (!read_file(path, text)) throw ScenarioFormatError("", "cannot read " + path);
  return compile_scenario(text);
}

}  // namespace asim::props
