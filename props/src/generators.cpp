// SPDX-License-Identifier: MIT
// Structural scenario generation: every choice is one pick, so shrinking a pick
// simplifies the scenario (fewer statements, simpler kinds, smaller delays).
#include <asim/props/generators.hpp>

#include <algorithm>
#include <array>
#include <ostream>
#include <string>
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
constexpr const char* prefixes[kind_count] = {"t", "f", "g", "s", "h", "lk", "sm", "e", "q"};

/// Names made so far, by kind, in generation order. A nested body's names are forgotten
/// by cutting the lists back to their lengths before it (bodies only append) rather
/// than by copying the scope, a dozen allocations per body.
struct Scope {
  std::array<std::vector<std::string>, kind_count> names;
  std::array<int, kind_count> counters{};
  int messages = 0;
};

/// P is a Picker, or a final class of one so that its picks inline.
template <class P>
class Builder {
 public:
  Builder(P& picker, const GenOptions& options) : p_(picker), options_(options) {}

  Scenario build() {
    Scenario scenario;
    const int size = std::max(1, options_.size);
    // The larger of two picks: scenarios are mostly long, yet shrink to one statement.
    const int first = p_.pick(1, size);
    const int n = std::max(first, p_.pick(1, size));
    scenario.main = block(n, 0, false);
    return scenario;
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
  std::optional<double> maybe_delay() {
    if (chance(40)) return std::nullopt;
    return delay();
  }
  std::optional<std::int64_t> value() {
    if (chance(15)) return std::nullopt;
    return p_.pick(0, 99);
  }
  std::string fresh(Kind kind) { return prefixes[kind] + std::to_string(++scope_.counters[kind]); }
  std::string message() { return "m" + std::to_string(++scope_.messages); }

  /// One name of the given lists (concatenated), or "" when there is none.
  std::string one_of(std::initializer_list<Kind> kinds) {
    std::size_t total = 0;
    for (const Kind kind : kinds) total += scope_.names[kind].size();
    if (total == 0) return {};
    auto index = static_cast<std::size_t>(p_.pick(0, static_cast<int>(total) - 1));
    for (const Kind kind : kinds) {
      const std::vector<std::string>& list = scope_.names[kind];
      if (index < list.size()) return list[index];
      index -= list.size();
    }
    return {};
  }
  std::vector<std::string> some_of(std::initializer_list<Kind> kinds, int max) {
    std::vector<std::string> out;
    const int n = p_.pick(1, max);
    for (int i = 0; i < n; ++i) {
      std::string name = one_of(kinds);
      if (!name.empty()) out.push_back(std::move(name));
    }
    return out;
  }
  /// Any future: tasks, futures, shields and gathers (all futures, as in asyncio).
  /// Every name is drawn from the names made before the statement was generated and a
  /// task's body is generated before its name exists, so no task can wait, through
  /// gathers or shields, on itself: the generator never makes a cancel cycle.
  std::string any_future() { return one_of({kind::task, kind::future, kind::shield, kind::gather}); }
  std::vector<std::string> some_futures(int max) {
    return some_of({kind::task, kind::future, kind::shield, kind::gather}, max);
  }

  std::vector<Statement> block(int n, int depth, bool callback) {
    std::vector<Statement> out;
    for (int i = 0; i < n; ++i) {
      // A draw that needs a name no one has made yet is drawn again (twice at most).
      for (int attempt = 0; attempt < 3; ++attempt) {
        if (std::optional<Statement> s = statement(depth, callback)) {
          out.push_back(std::move(*s));
          break;
        }
      }
    }
    return out;
  }

  /// A nested body (a task's, a callback's, a try's or handler's, a timeout's). Its
  /// names are visible inside it only: the statements after it may run before the body
  /// (a task or callback runs later) or without all of it (an exception or a timeout
  /// cuts it short), so using one of its names there could raise NameError.
  std::vector<Statement> small_block(int depth, bool callback) {
    std::array<std::size_t, kind_count> lengths{};
    for (int kind = 0; kind < kind_count; ++kind) lengths[kind] = scope_.names[kind].size();
    std::vector<Statement> out = block(p_.pick(0, depth >= 2 ? 1 : 3), depth + 1, callback);
    // Keep the counters (names stay unique), forget the body's names.
    for (int kind = 0; kind < kind_count; ++kind) scope_.names[kind].resize(lengths[kind]);
    return out;
  }

  std::optional<Statement> statement(int depth, bool callback) {
    Statement s;
    Op op = pick_op();
    // Callbacks only take the (cb) statements; map the others onto log.
    if (callback && !allowed_in_callback(op)) op = Op::log;
    s.op = op;
    switch (op) {
      case Op::log: s.text = message(); break;
      case Op::sleep: s.seconds = delay(); break;
      case Op::spawn: {
        s.name = fresh(kind::task);
        // The body is generated before the name enters the scope: no task waits on
        // itself through a gather or shield (a cancel cycle). Only a plain await may
        // name the task itself (RuntimeError at once), through `self_`.
        std::string outer_self = std::exchange(self_, *s.name);
        s.body = depth >= 2 ? std::vector<Statement>{} : small_block(depth, false);
        self_ = std::move(outer_self);
        scope_.names[kind::task].push_back(*s.name);
        break;
      }
      case Op::future:
        s.name = fresh(kind::future);
        scope_.names[kind::future].push_back(*s.name);
        break;
      case Op::await_:
        if (!self_.empty() && chance(15)) return self_await();
        s.target = any_future();
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::set_result:
      case Op::set_exception:
        // Mostly plain futures; now and then any future (a pending gather or shield
        // takes the value, a task raises RuntimeError).
        // Now and then a shield's outer future: its inner still completes it later
        // (asyncio then reports InvalidStateError to the exception handler).
        if (chance(12)) s.target = one_of({kind::shield});
        if (s.target.empty()) s.target = chance(80) ? one_of({kind::future}) : any_future();
        if (s.target.empty()) return std::nullopt;
        if (op == Op::set_result) {
          s.value = value();
        } else {
          s.text = message();
        }
        break;
      case Op::cancel:
        s.target = one_of({kind::task, kind::future, kind::handle, kind::gather, kind::shield});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::call_soon:
      case Op::call_later:
      case Op::call_at:
        if (op != Op::call_soon) s.seconds = chance(15) ? overdue() : delay();
        s.text = message();
        s.body = small_block(depth, true);
        if (chance(40)) {
          s.name = fresh(kind::handle);
          scope_.names[kind::handle].push_back(*s.name);
        }
        break;
      case Op::wait:
        s.targets = some_futures(3);
        if (s.targets.empty()) return std::nullopt;
        s.seconds = maybe_delay();
        s.return_when = static_cast<ReturnWhen>(p_.pick(0, 2));
        break;
      case Op::wait_for:
        s.target = any_future();
        if (s.target.empty()) return std::nullopt;
        s.seconds = maybe_delay();
        break;
      case Op::gather: {
        s.targets = some_futures(3);
        if (chance(10)) s.targets.clear();  // gather() of nothing is done at once
        s.flag = chance(50);
        s.name = fresh(kind::gather);
        scope_.names[kind::gather].push_back(*s.name);
        break;
      }
      case Op::shield:
        s.target = any_future();
        if (s.target.empty()) return std::nullopt;
        s.name = fresh(kind::shield);
        scope_.names[kind::shield].push_back(*s.name);
        break;
      case Op::as_completed:
        s.targets = some_futures(3);
        if (s.targets.empty()) return std::nullopt;
        // Mostly with a timeout: iteration stopped early by a failing target leaves
        // its timer armed, which the trace shows through the loop's idle time.
        s.seconds = chance(75) ? std::optional<double>(delay() + (options_.coarse ? 0.25 : 0.125)) : std::nullopt;
        break;
      case Op::timeout:
        s.seconds = chance(15) ? std::nullopt : std::optional<double>(delay());
        s.body = small_block(depth, false);
        // Dense cancellation inside timeouts and shields: cancel a task or shield
        // right inside the block, then await one, racing the deadline.
        if (chance(35)) {
          if (std::optional<Statement> c = cancel_of({kind::task, kind::shield})) s.body.push_back(std::move(*c));
          if (std::string target = one_of({kind::shield, kind::task}); !target.empty() && chance(60)) {
            Statement wait;
            wait.op = Op::await_;
            wait.target = std::move(target);
            s.body.push_back(std::move(wait));
          }
        }
        break;
      case Op::try_: {
        s.body = small_block(depth, false);
        static const char* const classes[] = {"CancelledError", "TimeoutError", "ScenarioError",
                                              "InvalidStateError", "RuntimeError", "QueueEmpty",
                                              "QueueFull", "NameError", "TypeError", "ValueError"};
        const int n = p_.pick(1, 3);
        for (int i = 0; i < n; ++i) s.catch_classes.emplace_back(classes[p_.pick(0, 9)]);
        s.handler = small_block(depth, false);
        s.flag = chance(30);
        break;
      }
      case Op::return_:
        // A return cuts the rest of the body; keep it rare.
        if (!chance(30)) return std::nullopt;
        s.value = value();
        break;
      case Op::raise:
        if (!chance(40)) return std::nullopt;
        s.text = message();
        break;
      case Op::lock:
        s.name = fresh(kind::lock);
        scope_.names[kind::lock].push_back(*s.name);
        break;
      case Op::semaphore:
        s.name = fresh(kind::semaphore);
        s.value = p_.pick(0, 2);
        scope_.names[kind::semaphore].push_back(*s.name);
        break;
      case Op::acquire:
      case Op::release:
        s.target = one_of({kind::lock, kind::semaphore});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::event:
        s.name = fresh(kind::event);
        scope_.names[kind::event].push_back(*s.name);
        break;
      case Op::set:
      case Op::clear:
      case Op::wait_event:
        s.target = one_of({kind::event});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::queue:
        s.name = fresh(kind::queue);
        s.value = p_.pick(0, 2);
        scope_.names[kind::queue].push_back(*s.name);
        break;
      case Op::put:
      case Op::put_nowait:
        s.target = one_of({kind::queue});
        if (s.target.empty()) return std::nullopt;
        s.value = value();
        break;
      case Op::get:
      case Op::get_nowait:
        s.target = one_of({kind::queue});
        if (s.target.empty()) return std::nullopt;
        break;
    }
    return s;
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
    int total = 0;
    for (const Weighted& w : table) total += w.weight;
    int roll = p_.pick(0, total - 1);
    for (const Weighted& w : table) {
      if (roll < w.weight) return w.op;
      roll -= w.weight;
    }
    return Op::log;
  }

  /// A delay already past when armed, distinct per draw (1/8 s steps, 1/4 coarse): timers
  /// overdue on arrival fire in deadline order, not arming order.
  double overdue() { return options_.coarse ? -0.25 * p_.pick(1, 4) : -0.125 * p_.pick(1, 8); }

  /// `try: await <self> except RuntimeError: pass` in a task's body: asyncio raises
  /// at once, and (its C Task) leaves the task unawaitable while it is pending.
  Statement self_await() {
    Statement wait;
    wait.op = Op::await_;
    wait.target = self_;
    Statement attempt;
    attempt.op = Op::try_;
    attempt.body.push_back(std::move(wait));
    attempt.catch_classes.emplace_back("RuntimeError");
    attempt.flag = false;
    return attempt;
  }

  std::optional<Statement> cancel_of(std::initializer_list<Kind> kinds) {
    Statement c;
    c.op = Op::cancel;
    c.target = one_of(kinds);
    if (c.target.empty()) return std::nullopt;
    return c;
  }

  P& p_;
  GenOptions options_;
  Scope scope_;
  std::string self_;  // the task whose body is being generated, "" in main
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

Scenario build_scenario(Picker& picker, const GenOptions& options) { return Builder<Picker>(picker, options).build(); }

Scenario generate(std::uint64_t seed, GenOptions options, Choices* choices) {
  SeededPicker picker(seed, choices);
  return Builder<SeededPicker>(picker, options).build();
}

Scenario replay(const Choices& choices, GenOptions options, Choices* used) {
  ReplayPicker picker(choices);
  Scenario scenario = Builder<ReplayPicker>(picker, options).build();
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
