// SPDX-License-Identifier: MIT
// The one-pass compiler: nlohmann's SAX events (or the fast reader's, which gives the
// same) compiled into a Program as they come, and checked as parse_scenario checks its
// tree, with the same messages. Private to the loaders (program.cpp).
#pragma once

#include "name_table.hpp"
#include "statement_fields.hpp"

#include <asim/props/program.hpp>
#include <asim/props/scenario.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace asim::props::detail {

inline std::string delay_problem(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", seconds);
  return std::string(text) + " seconds is beyond the scenario language's limit of " +
         "1e9 seconds either way (the loop clock's range)";
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
/// The events of a statement before its `do` are kept and replayed once `do` is read.
/// A key given twice in one object is not JSON to the language: like a syntax error it
/// is thrown at once, at the second key's pointer; inside a skipped value (or a value
/// kept before `do`), where this pass keeps no pointer, it stops the pass and
/// detail::check_keys_once reads the keys again for it. A number beyond double range
/// stops the pass (`fallback`) and the text is read again by parse_scenario, whose
/// message names a place this pass does not track. No writer produces these;
/// everything else, good or bad, is read once.
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
  /// The pass stopped at a key given twice where it keeps no pointer (a skipped value,
  /// a value kept before `do`): detail::check_keys_once names it, without a tree.
  [[nodiscard]] bool stopped_at_key_twice() const noexcept { return key_twice_; }
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
        if (f.texts && !is_exception_class(v) && f.fault_mask == 0) {
          set_fault(f, 0, Fault{here(), unknown_exception_class_problem(v)});
        }
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
  [[nodiscard]] [[gnu::always_inline]] std::optional<Op> direct_op(std::string_view name, bool in_callback) {
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
    enter_object();
    std::vector<Instruction>& staged = staged_[static_cast<std::size_t>(frames_.back().depth)];
    const bool in_callback = frames_.back().in_callback;
    const int depth = frames_.back().depth;
    Frame& f = frames_.emplace_back();
    f.kind = Kind::statement;
    f.in_callback = in_callback;
    f.depth = depth;
    f.in = staged.back();
    staged.pop_back();
    const StatementFields& masks = statement_fields(f.in.op);
    f.allowed = masks.allowed;
    f.required = masks.required;
    f.seen = seen;
    f.field = field;
  }

  bool start_object(std::size_t /*n*/) override {
    enter_object();
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
    if (skip_ > 0) return first_key(k) || key_twice_unplaced();
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
    if (k == "do") key_twice(frames_.size() - 1, k);
    const Field field = field_of(k);
    const std::uint32_t b = field == Field::count ? 0 : bit(field);
    if ((f.allowed & b) == 0) {
      if (!first_key(k)) key_twice(frames_.size() - 1, k);
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
    if ((f.seen & b) != 0) key_twice(frames_.size() - 1, k);
    f.seen |= b;
    f.field = field;
    // After an unknown field only the keys matter (for missing fields).
    f.live = !f.do_fault && !f.has_unknown;
    return true;
  }
  bool end_object() override {
    if (buffering_) {
      if (buffer_depth_ > 0) {
        leave_object();
        return record(Event{Event::Type::end_object});
      }
      buffering_ = false;  // the statement ends without `do`
      buffer_.clear();
    }
    leave_object();
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
      const StatementFields& order = statement_fields(f.in.op);
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
    /// the i-th field of statement_fields; block and names: 0).
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
    const StatementFields& order = statement_fields(f.in.op);
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
    if (!first_key(k)) key_twice(0, k);
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
      fault_ = Fault{"/" + json_pointer_token(doc_.unknown), "unknown field"};
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
  /// An object opens: its keys start afresh.
  void enter_object() {
    if (replaying_ > 0) return;
    if (object_keys_.size() <= object_depth_) object_keys_.resize(object_depth_ + 1);
    std::unordered_set<std::string>& keys = object_keys_[object_depth_];
    if (!keys.empty()) keys.clear();
    ++object_depth_;
  }
  bool key_twice_unplaced() {
    key_twice_ = true;
    return fallback();
  }
  /// A key given twice in the object that frames_[end - 1] reads (the document: end 0).
  [[noreturn]] void key_twice(std::size_t end, std::string_view k) const {
    throw ScenarioFormatError(here(end) + "/" + json_pointer_token(k), duplicate_key_problem);
  }
  void leave_object() {
    if (replaying_ == 0) --object_depth_;
  }
  /// False when the open object has given `k` before.
  bool first_key(std::string_view k) { return replaying_ > 0 || object_keys_[object_depth_ - 1].emplace(k).second; }
  bool end_skip() {
    --skip_;
    return true;
  }

  static bool is_seconds(Field f) { return f == Field::delay || f == Field::offset || f == Field::timeout; }

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
    const StatementFields& masks = statement_fields(*op);
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
    if (!first_key(k)) {
      if (buffer_depth_ > 0) return key_twice_unplaced();
      key_twice(frames_.size() - 1, k);
    }
    return record(Event{Event::Type::key, false, 0, 0, 0.0, std::string(k)});
  }
  /// Feeds the kept events to the handlers (a statement nested in them may keep its
  /// own: the list is taken first).
  bool replay() {
    if (buffer_.empty()) return true;
    std::vector<Event> events = std::move(buffer_);
    buffer_.clear();
    // Their keys were checked as they were kept (a key twice is found where it is in
    // the text, before a later syntax error).
    struct Replaying {
      int& depth;
      explicit Replaying(int& d) : depth(++d) {}
      ~Replaying() { --depth; }
    } replaying(replaying_);
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
  /// The faults of the open frames, a frame's after its parent's.
  std::vector<FaultEntry> faults_;
  /// The open statements' unknown keys, an inner statement's after its parent's.
  std::vector<UnknownKey> unknown_;
  /// Events before a statement's `do`, and the depth of containers among them.
  std::vector<Event> buffer_;
  std::size_t buffer_depth_ = 0;
  bool buffering_ = false;
  /// Containers being skipped (parsed, not read).
  std::size_t skip_ = 0;
  /// Objects open in the text (the events' and the direct reader's), and the keys
  /// given so far in each where bits do not tell (the document's, a statement's
  /// unknown ones, a skipped object's): a key given twice is found wherever it is.
  std::size_t object_depth_ = 0;
  std::vector<std::unordered_set<std::string>> object_keys_;
  /// Kept events are being fed again (their objects and keys were counted as kept).
  int replaying_ = 0;
  bool fallback_ = false;
  bool key_twice_ = false;
};

}  // namespace asim::props::detail
