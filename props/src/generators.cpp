// SPDX-License-Identifier: MIT
// Structural scenario generation: every choice is one pick, so shrinking a pick
// simplifies the scenario (fewer statements, simpler kinds, smaller delays).
#include <asim/props/generators.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asim::props {

namespace {

/// The kinds of names a scenario makes, each with its own prefix and counter.
namespace kind {
enum Kind : std::uint8_t { task, future, gather, shield, handle, lock, semaphore, event, queue, count };
}  // namespace kind
using kind::Kind;
constexpr int kind_count = kind::count;
constexpr std::string_view prefixes[kind_count] = {"t", "f", "g", "s", "h", "lk", "sm", "e", "q"};

/// Names made so far, by kind, in generation order, as slots. A nested body's names are
/// forgotten by cutting the lists back to their lengths before it (bodies only append).
struct Scope {
  std::array<std::vector<Slot>, kind_count> names;
  std::array<int, kind_count> counters{};
  int messages = 0;
};

/// A thread's working memory for building: the scope's lists and the staged bodies,
/// kept from one scenario to the next (`asim check` builds one per seed).
struct Scratch {
  Scope scope;
  std::vector<std::vector<Instruction>> staging;  // by depth
  /// In use: a build inside a build (from a picker) takes its own.
  bool busy = false;
};
thread_local Scratch thread_scratch;

/// Up to three slots (the targets of wait, gather, as_completed).
struct Targets {
  std::array<Slot, 3> slots{};
  std::uint32_t size = 0;
};

/// Builds a Program straight from the picks (no tree, no name lookup): each name gets
/// its slot when it is made, each body's instructions are staged at its depth and
/// appended to the code when the body ends, as compile() lays a tree out.
/// P is a Picker, or a final class of one so that its picks inline.
template <class P>
class Builder {
 public:
  Builder(P& picker, const GenOptions& options, Program& program, Scratch& scratch)
      : p_(picker), options_(options), program_(program), scope_(scratch.scope), staging_(scratch.staging) {
    for (std::vector<Slot>& names : scope_.names) names.clear();
    scope_.counters = {};
    scope_.messages = 0;
    for (std::vector<Instruction>& body : staging_) body.clear();
  }

  /// Builds the scenario; returns the deepest nesting of bodies (main is 1).
  int build() {
    program_.names.add("main");  // slot 0
    const int size = std::max(1, options_.size);
    // The larger of two picks: scenarios are mostly long, yet shrink to one statement.
    const int first = p_.pick(1, size);
    const int n = std::max(first, p_.pick(1, size));
    block(n, 0, false);
    program_.main = close(0);
    return deepest_ + 1;
  }

 private:
  bool chance(int percent) { return p_.pick(0, 99) < percent; }

  double delay() {
    if (options_.coarse) return 0.25 * p_.pick(0, 8);
    // Mostly small multiples of 1/512 s, sometimes round values, so that deadlines
    // meet now and then (ties are skipped by conformance, near-ties are not).
    switch (p_.pick(0, 3)) {
      case 0: return 0.0;
      case 1: return 0.125 * p_.pick(1, 8);
      default: return p_.pick(1, 768) / 512.0;
    }
  }
  static void set_seconds(Instruction& in, double seconds) {
    in.has_number = true;
    in.number.seconds = seconds;
  }
  void maybe_delay(Instruction& in) {
    if (chance(40)) return;
    set_seconds(in, delay());
  }
  /// A value, or None (no number).
  void value(Instruction& in) {
    if (chance(15)) return;
    in.has_number = true;
    in.number.value = p_.pick(0, 99);
  }
  std::uint32_t add_text(std::string_view text) { return static_cast<std::uint32_t>(program_.texts.add(text)); }
  std::uint32_t numbered(StringTable& table, std::string_view prefix, int number) {
    char text[32];
    const std::size_t length = prefix.size();
    std::memcpy(text, prefix.data(), length);
    char* const end = std::to_chars(text + length, text + sizeof text, number).ptr;
    return table.add(std::string_view(text, static_cast<std::size_t>(end - text)));
  }
  Slot fresh(Kind kind) { return numbered(program_.names, prefixes[kind], ++scope_.counters[kind]); }
  std::uint32_t message() { return numbered(program_.texts, "m", ++scope_.messages); }

  /// One name of the given lists (concatenated), or no_slot when there is none.
  Slot one_of(std::initializer_list<Kind> kinds) {
    std::size_t total = 0;
    for (const Kind kind : kinds) total += scope_.names[kind].size();
    if (total == 0) return no_slot;
    auto index = static_cast<std::size_t>(p_.pick(0, static_cast<int>(total) - 1));
    for (const Kind kind : kinds) {
      const std::vector<Slot>& list = scope_.names[kind];
      if (index < list.size()) return list[index];
      index -= list.size();
    }
    return no_slot;
  }
  Targets some_of(std::initializer_list<Kind> kinds, int max) {
    Targets out;
    const int n = p_.pick(1, max);
    for (int i = 0; i < n; ++i) {
      const Slot slot = one_of(kinds);
      if (slot != no_slot) out.slots[out.size++] = slot;
    }
    return out;
  }
  /// Any future: tasks, futures, shields and gathers (all futures, as in asyncio).
  /// Every name is drawn from the names made before the statement was generated and a
  /// task's body is generated before its name exists, so no task can wait, through
  /// gathers or shields, on itself: the generator never makes a cancel cycle.
  Slot any_future() { return one_of({kind::task, kind::future, kind::shield, kind::gather}); }
  Targets some_futures(int max) { return some_of({kind::task, kind::future, kind::shield, kind::gather}, max); }

  void set_list(Instruction& in, const Slot* slots, std::uint32_t size) {
    const auto begin = static_cast<std::uint32_t>(program_.lists.size());
    program_.lists.insert(program_.lists.end(), slots, slots + size);
    in.set_list(Span{begin, size});
  }

  /// The staged statements of the body at `depth`.
  std::vector<Instruction>& staged(int depth) {
    if (static_cast<std::size_t>(depth) >= staging_.size()) staging_.resize(static_cast<std::size_t>(depth) + 1);
    deepest_ = std::max(deepest_, depth);
    return staging_[static_cast<std::size_t>(depth)];
  }
  /// Ends the body at `depth`: its statements join the code, in one run.
  Span close(int depth) {
    std::vector<Instruction>& body = staged(depth);
    const Span span{static_cast<std::uint32_t>(program_.code.size()), static_cast<std::uint32_t>(body.size())};
    program_.code.insert(program_.code.end(), body.begin(), body.end());
    body.clear();
    return span;
  }

  void block(int n, int depth, bool callback) {
    for (int i = 0; i < n; ++i) {
      // A draw that needs a name no one has made yet is drawn again (twice at most).
      for (int attempt = 0; attempt < 3; ++attempt) {
        if (statement(depth, callback)) break;
      }
    }
  }

  /// A nested body (a task's, a callback's, a try's or handler's, a timeout's), staged
  /// at depth + 1 and left open (a timeout adds to it). Its names are visible inside it
  /// only: the statements after it may run before the body (a task or callback runs
  /// later) or without all of it (an exception or a timeout cuts it short), so using
  /// one of its names there could raise NameError.
  void open_small_block(int depth, bool callback) {
    std::array<std::size_t, kind_count> lengths{};
    for (int kind = 0; kind < kind_count; ++kind) lengths[kind] = scope_.names[kind].size();
    (void)staged(depth + 1);
    block(p_.pick(0, depth >= 2 ? 1 : 3), depth + 1, callback);
    // Keep the counters (names stay unique), forget the body's names.
    for (int kind = 0; kind < kind_count; ++kind) scope_.names[kind].resize(lengths[kind]);
  }
  Span small_block(int depth, bool callback) {
    open_small_block(depth, callback);
    return close(depth + 1);
  }

  /// Generates one statement into the body at `depth`; false when the draw needs a
  /// name that does not exist (nothing is made then).
  bool statement(int depth, bool callback) {
    Instruction in;
    Op op = pick_op();
    // Callbacks only take the (cb) statements; map the others onto log.
    if (callback && !allowed_in_callback(op)) op = Op::log;
    in.op = op;
    switch (op) {
      case Op::log: in.text = message(); break;
      case Op::sleep: set_seconds(in, delay()); break;
      case Op::spawn: {
        in.name = fresh(kind::task);
        // The body is generated before the name enters the scope: no task waits on
        // itself through a gather or shield (a cancel cycle). Only a plain await may
        // name the task itself (RuntimeError at once), through `self_`.
        const Slot outer_self = std::exchange(self_, in.name);
        in.body = depth >= 2 ? Span{static_cast<std::uint32_t>(program_.code.size()), 0} : small_block(depth, false);
        self_ = outer_self;
        scope_.names[kind::task].push_back(in.name);
        break;
      }
      case Op::future:
        in.name = fresh(kind::future);
        scope_.names[kind::future].push_back(in.name);
        break;
      case Op::await_:
        if (self_ != no_slot && chance(15)) {
          self_await(depth);
          return true;
        }
        in.target = any_future();
        if (in.target == no_slot) return false;
        break;
      case Op::set_result:
      case Op::set_exception:
        // Mostly plain futures; now and then any future (a pending gather or shield
        // takes the value, a task raises RuntimeError).
        // Now and then a shield's outer future: its inner still completes it later
        // (asyncio then reports InvalidStateError to the exception handler).
        if (chance(12)) in.target = one_of({kind::shield});
        if (in.target == no_slot) in.target = chance(80) ? one_of({kind::future}) : any_future();
        if (in.target == no_slot) return false;
        if (op == Op::set_result) {
          value(in);
        } else {
          in.text = message();
        }
        break;
      case Op::cancel:
        in.target = one_of({kind::task, kind::future, kind::handle, kind::gather, kind::shield});
        if (in.target == no_slot) return false;
        break;
      case Op::call_soon:
      case Op::call_later:
      case Op::call_at:
        if (op != Op::call_soon) set_seconds(in, chance(15) ? overdue() : delay());
        in.text = message();
        in.body = small_block(depth, true);
        if (chance(40)) {
          in.name = fresh(kind::handle);
          scope_.names[kind::handle].push_back(in.name);
        }
        break;
      case Op::wait: {
        const Targets targets = some_futures(3);
        if (targets.size == 0) return false;
        maybe_delay(in);
        in.return_when = static_cast<ReturnWhen>(p_.pick(0, 2));
        set_list(in, targets.slots.data(), targets.size);
        break;
      }
      case Op::wait_for:
        in.target = any_future();
        if (in.target == no_slot) return false;
        maybe_delay(in);
        break;
      case Op::gather: {
        Targets targets = some_futures(3);
        if (chance(10)) targets.size = 0;  // gather() of nothing is done at once
        in.flag = chance(50);
        in.name = fresh(kind::gather);
        scope_.names[kind::gather].push_back(in.name);
        set_list(in, targets.slots.data(), targets.size);
        break;
      }
      case Op::shield:
        in.target = any_future();
        if (in.target == no_slot) return false;
        in.name = fresh(kind::shield);
        scope_.names[kind::shield].push_back(in.name);
        break;
      case Op::as_completed: {
        const Targets targets = some_futures(3);
        if (targets.size == 0) return false;
        // Mostly with a timeout: iteration stopped early by a failing target leaves
        // its timer armed, which the trace shows through the loop's idle time.
        if (chance(75)) set_seconds(in, delay() + (options_.coarse ? 0.25 : 0.125));
        set_list(in, targets.slots.data(), targets.size);
        break;
      }
      case Op::timeout:
        if (!chance(15)) set_seconds(in, delay());
        open_small_block(depth, false);
        // Dense cancellation inside timeouts and shields: cancel a task or shield
        // right inside the block, then await one, racing the deadline.
        if (chance(35)) {
          if (const Slot target = one_of({kind::task, kind::shield}); target != no_slot) {
            Instruction cancel;
            cancel.op = Op::cancel;
            cancel.target = target;
            staged(depth + 1).push_back(cancel);
          }
          if (const Slot target = one_of({kind::shield, kind::task}); target != no_slot && chance(60)) {
            Instruction wait;
            wait.op = Op::await_;
            wait.target = target;
            staged(depth + 1).push_back(wait);
          }
        }
        in.body = close(depth + 1);
        break;
      case Op::try_: {
        in.body = small_block(depth, false);
        std::array<std::uint32_t, 3> catches{};
        const int n = p_.pick(1, 3);
        for (int i = 0; i < n; ++i) {
          catches[static_cast<std::size_t>(i)] = add_text(exception_classes[static_cast<std::size_t>(p_.pick(0, 9))]);
        }
        const Span handler = small_block(depth, false);
        in.flag = chance(30);
        set_list(in, catches.data(), static_cast<std::uint32_t>(n));
        in.set_handler(handler);
        break;
      }
      case Op::return_:
        // A return cuts the rest of the body; keep it rare.
        if (!chance(30)) return false;
        value(in);
        break;
      case Op::raise:
        if (!chance(40)) return false;
        in.text = message();
        break;
      case Op::lock:
        in.name = fresh(kind::lock);
        scope_.names[kind::lock].push_back(in.name);
        break;
      case Op::semaphore:
        in.name = fresh(kind::semaphore);
        in.has_number = true;
        in.number.value = p_.pick(0, 2);
        scope_.names[kind::semaphore].push_back(in.name);
        break;
      case Op::acquire:
      case Op::release:
        in.target = one_of({kind::lock, kind::semaphore});
        if (in.target == no_slot) return false;
        break;
      case Op::event:
        in.name = fresh(kind::event);
        scope_.names[kind::event].push_back(in.name);
        break;
      case Op::set:
      case Op::clear:
      case Op::wait_event:
        in.target = one_of({kind::event});
        if (in.target == no_slot) return false;
        break;
      case Op::queue:
        in.name = fresh(kind::queue);
        in.has_number = true;
        in.number.value = p_.pick(0, 2);
        scope_.names[kind::queue].push_back(in.name);
        break;
      case Op::put:
      case Op::put_nowait:
        in.target = one_of({kind::queue});
        if (in.target == no_slot) return false;
        value(in);
        break;
      case Op::get:
      case Op::get_nowait:
        in.target = one_of({kind::queue});
        if (in.target == no_slot) return false;
        break;
    }
    staged(depth).push_back(in);
    return true;
  }

  /// A statement kind, weighted toward the ones that make schedules interesting
  /// (tasks, sleeps, awaits, cancels, callbacks) over the ones that only log. The
  /// table runs in order of simplicity: shrinking a roll moves toward the front.
  Op pick_op() {
    struct Weighted {
      Op op;
      int weight;
    };
    static constexpr Weighted table[] = {
        {Op::log, 3},        {Op::sleep, 10},     {Op::spawn, 12},         {Op::await_, 8},
        {Op::future, 4},     {Op::set_result, 5}, {Op::set_exception, 2},  {Op::cancel, 7},
        {Op::call_soon, 3},  {Op::call_later, 4}, {Op::call_at, 2},        {Op::wait, 4},
        {Op::wait_for, 4},   {Op::gather, 4},     {Op::shield, 3},         {Op::as_completed, 2},
        {Op::timeout, 3},    {Op::try_, 4},       {Op::return_, 3},        {Op::raise, 2},
        {Op::lock, 2},       {Op::semaphore, 1},  {Op::acquire, 3},        {Op::release, 3},
        {Op::event, 2},      {Op::set, 2},        {Op::clear, 1},          {Op::wait_event, 2},
        {Op::queue, 2},      {Op::put, 3},        {Op::get, 3},            {Op::put_nowait, 2},
        {Op::get_nowait, 1},
    };
    // The roll's op by lookup: entry r is the op whose run of weights holds r (the
    // same answer as walking the table, without the walk).
    struct Rolls {
      int total = 0;
      std::array<Op, 256> ops{};
    };
    static constexpr Rolls rolls = [] {
      Rolls out;
      for (const Weighted& w : table) {
        for (int i = 0; i < w.weight; ++i) out.ops[static_cast<std::size_t>(out.total++)] = w.op;
      }
      return out;
    }();
    static_assert(rolls.total <= 256);
    return rolls.ops[static_cast<std::size_t>(p_.pick(0, rolls.total - 1))];
  }

  /// A delay already past when armed, distinct per draw (1/8 s steps, 1/4 coarse): timers
  /// overdue on arrival fire in deadline order, not arming order.
  double overdue() { return options_.coarse ? -0.25 * p_.pick(1, 4) : -0.125 * p_.pick(1, 8); }

  /// `try: await <self> except RuntimeError: pass` in a task's body: asyncio raises
  /// at once, and (its C Task) leaves the task unawaitable while it is pending.
  void self_await(int depth) {
    Instruction wait;
    wait.op = Op::await_;
    wait.target = self_;
    staged(depth + 1).push_back(wait);
    Instruction attempt;
    attempt.op = Op::try_;
    attempt.body = close(depth + 1);
    const std::uint32_t runtime_error = add_text("RuntimeError");
    set_list(attempt, &runtime_error, 1);
    attempt.set_handler(Span{static_cast<std::uint32_t>(program_.code.size()), 0});
    attempt.flag = false;
    staged(depth).push_back(attempt);
  }

  P& p_;
  GenOptions options_;
  Program& program_;
  Scope& scope_;
  std::vector<std::vector<Instruction>>& staging_;  // by depth
  Slot self_ = no_slot;  // the task whose body is being generated, no_slot in main
  int deepest_ = 0;
};

/// Picks through rapidcheck, inside gen::exec: each pick is shrinkable on its own.
class RcPicker final : public Picker {
 public:
  int pick(int lo, int hi) override {
    if (lo >= hi) return lo;
    return *rc::gen::inRange(lo, hi + 1);
  }
};

}  // namespace

int SeededPicker::pick(int lo, int hi) {
  if (lo >= hi) return lo;
  // SplitMix64 (Steele, Lea, Flood 2014): one add and three multiply-xor steps.
  state_ += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  // The high 32 bits scaled to the range (Lemire): no division; the bias, below
  // range / 2^32, does not matter to a generator.
  const auto range = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo + 1);
  const auto offset = static_cast<std::uint32_t>(((z >> 32) * range) >> 32);
  if (record_ != nullptr) record_->push_back(offset);
  return static_cast<int>(static_cast<std::int64_t>(lo) + offset);
}

int ReplayPicker::pick(int lo, int hi) {
  if (lo >= hi) return lo;
  const auto range = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo + 1);
  // Past the end, the simplest answer; an answer out of range (the pick it was made
  // for moved) wraps around.
  const std::uint32_t offset =
      next_ < choices_.size() ? static_cast<std::uint32_t>(choices_[next_] % range) : 0U;
  ++next_;
  used_.push_back(offset);
  return static_cast<int>(static_cast<std::int64_t>(lo) + offset);
}

namespace {

/// Builds into a fresh Program; a scenario nested beyond the language's limit (about
/// never: each level is a one-in-seven draw) is compiled from its tree for compile()'s
/// error.
template <class P>
void build_into(P& picker, const GenOptions& options, Program& program) {
  program.code.clear();
  program.lists.clear();
  program.names.clear();
  program.texts.clear();
  program.main = Span{};
  program.code.reserve(64);
  int depth = 0;
  if (thread_scratch.busy) {
    Scratch own;
    depth = Builder<P>(picker, options, program, own).build();
  } else {
    thread_scratch.busy = true;
    struct Done {
      ~Done() { thread_scratch.busy = false; }
    } done;
    depth = Builder<P>(picker, options, program, thread_scratch).build();
  }
  if (depth > max_nesting_depth) (void)compile(to_scenario(program));
}
template <class P>
Program build(P& picker, const GenOptions& options) {
  Program program;
  build_into(picker, options, program);
  return program;
}

bool uses_seconds(Op op) {
  switch (op) {
    case Op::sleep:
    case Op::call_later:
    case Op::call_at:
    case Op::wait:
    case Op::wait_for:
    case Op::as_completed:
    case Op::timeout: return true;
    default: return false;
  }
}
bool uses_value(Op op) {
  switch (op) {
    case Op::set_result:
    case Op::return_:
    case Op::semaphore:
    case Op::queue:
    case Op::put:
    case Op::put_nowait: return true;
    default: return false;
  }
}
bool uses_name(Op op) {
  switch (op) {
    case Op::spawn:
    case Op::future:
    case Op::gather:
    case Op::shield:
    case Op::lock:
    case Op::semaphore:
    case Op::event:
    case Op::queue: return true;
    default: return is_call(op);
  }
}
bool has_body(Op op) { return op == Op::spawn || op == Op::timeout || op == Op::try_ || is_call(op); }

std::vector<Statement> tree_of(const Program& program, Span body) {
  std::vector<Statement> out;
  out.reserve(body.size);
  for (std::uint32_t i = body.begin; i < body.begin + body.size; ++i) {
    const Instruction& in = program.code[i];
    Statement s;
    s.op = in.op;
    s.flag = in.flag;
    s.return_when = in.return_when;
    if (uses_name(in.op) && in.name != no_slot) s.name = std::string(program.names[in.name]);
    if (uses_target(in.op)) s.target = std::string(program.names[in.target]);
    if (uses_text(in.op)) s.text = std::string(program.texts[in.text]);
    if (in.has_number && uses_seconds(in.op)) s.seconds = in.number.seconds;
    if (in.has_number && uses_value(in.op)) s.value = in.number.value;
    const Span list = in.list();
    if (in.op == Op::wait || in.op == Op::gather || in.op == Op::as_completed) {
      for (std::uint32_t j = 0; j < list.size; ++j) s.targets.emplace_back(program.names[program.lists[list.begin + j]]);
    } else if (in.op == Op::try_) {
      for (std::uint32_t j = 0; j < list.size; ++j) {
        s.catch_classes.emplace_back(program.texts[program.lists[list.begin + j]]);
      }
      s.handler = tree_of(program, in.handler());
    }
    if (has_body(in.op)) s.body = tree_of(program, in.body);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Scenario to_scenario(const Program& program) {
  Scenario scenario;
  scenario.main = tree_of(program, program.main);
  return scenario;
}

Program build_program(Picker& picker, const GenOptions& options) { return build(picker, options); }

Scenario build_scenario(Picker& picker, const GenOptions& options) {
  return to_scenario(build_program(picker, options));
}

Program generate_program(std::uint64_t seed, GenOptions options, Choices* choices) {
  SeededPicker picker(seed, choices);
  return build(picker, options);
}

void generate_program(std::uint64_t seed, const GenOptions& options, Program& program) {
  SeededPicker picker(seed, nullptr);
  build_into(picker, options, program);
}

Scenario generate(std::uint64_t seed, GenOptions options, Choices* choices) {
  return to_scenario(generate_program(seed, options, choices));
}

Scenario replay(const Choices& choices, GenOptions options, Choices* used) {
  ReplayPicker picker(choices);
  Scenario scenario = to_scenario(build(picker, options));
  if (used != nullptr) *used = picker.take_used();
  return scenario;
}

rc::Gen<Scenario> scenario_gen(GenOptions options) {
  return rc::gen::exec([options] {
    RcPicker picker;
    return build_scenario(picker, options);
  });
}

void showValue(const Scenario& scenario, std::ostream& out) { out << to_json(scenario); }

}  // namespace asim::props
