// SPDX-License-Identifier: MIT
// Structural scenario generation: every choice is one pick, so shrinking a pick
// simplifies the scenario (fewer statements, simpler kinds, smaller delays).
#include <asim/props/generators.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace asim::props {

namespace {

/// Names made so far, by kind, in generation order.
struct Scope {
  std::vector<std::string> tasks;
  std::vector<std::string> futures;
  std::vector<std::string> gathers;
  std::vector<std::string> shields;
  std::vector<std::string> handles;
  std::vector<std::string> locks;
  std::vector<std::string> semaphores;
  std::vector<std::string> events;
  std::vector<std::string> queues;
  std::map<std::string, int> counters;
  int messages = 0;
};

class Builder {
 public:
  Builder(Picker& picker, const GenOptions& options) : p_(picker), options_(options) {}

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
  std::string fresh(const char* prefix) { return prefix + std::to_string(++scope_.counters[prefix]); }
  std::string message() { return "m" + std::to_string(++scope_.messages); }

  /// One name of the given lists (concatenated), or "" when there is none.
  std::string one_of(std::initializer_list<const std::vector<std::string>*> lists) {
    std::size_t total = 0;
    for (const auto* list : lists) total += list->size();
    if (total == 0) return {};
    auto index = static_cast<std::size_t>(p_.pick(0, static_cast<int>(total) - 1));
    for (const auto* list : lists) {
      if (index < list->size()) return (*list)[index];
      index -= list->size();
    }
    return {};
  }
  std::vector<std::string> some_of(std::initializer_list<const std::vector<std::string>*> lists, int max) {
    std::vector<std::string> out;
    const int n = p_.pick(1, max);
    for (int i = 0; i < n; ++i) {
      std::string name = one_of(lists);
      if (!name.empty()) out.push_back(std::move(name));
    }
    return out;
  }
  /// Any future: tasks, futures, shields and gathers (all futures, as in asyncio).
  /// Every name is drawn from the names made before the statement was generated and a
  /// task's body is generated before its name exists, so no task can wait, through
  /// gathers or shields, on itself: the generator never makes a cancel cycle.
  std::string any_future() { return one_of({&scope_.tasks, &scope_.futures, &scope_.shields, &scope_.gathers}); }
  std::vector<std::string> some_futures(int max) {
    return some_of({&scope_.tasks, &scope_.futures, &scope_.shields, &scope_.gathers}, max);
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
    const Scope outer = scope_;
    std::vector<Statement> out = block(p_.pick(0, depth >= 2 ? 1 : 3), depth + 1, callback);
    // Keep the counters (names stay unique), forget the body's names.
    std::map<std::string, int> counters = std::move(scope_.counters);
    const int messages = scope_.messages;
    scope_ = outer;
    scope_.counters = std::move(counters);
    scope_.messages = messages;
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
        s.name = fresh("t");
        // The body is generated before the name enters the scope: no task waits on
        // itself through a gather or shield (a cancel cycle). Only a plain await may
        // name the task itself (RuntimeError at once), through `self_`.
        std::string outer_self = std::exchange(self_, *s.name);
        s.body = depth >= 2 ? std::vector<Statement>{} : small_block(depth, false);
        self_ = std::move(outer_self);
        scope_.tasks.push_back(*s.name);
        break;
      }
      case Op::future:
        s.name = fresh("f");
        scope_.futures.push_back(*s.name);
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
        if (chance(12)) s.target = one_of({&scope_.shields});
        if (s.target.empty()) s.target = chance(80) ? one_of({&scope_.futures}) : any_future();
        if (s.target.empty()) return std::nullopt;
        if (op == Op::set_result) {
          s.value = value();
        } else {
          s.text = message();
        }
        break;
      case Op::cancel:
        s.target = one_of({&scope_.tasks, &scope_.futures, &scope_.handles, &scope_.gathers, &scope_.shields});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::call_soon:
      case Op::call_later:
      case Op::call_at:
        if (op != Op::call_soon) s.seconds = chance(15) ? overdue() : delay();
        s.text = message();
        s.body = small_block(depth, true);
        if (chance(40)) {
          s.name = fresh("h");
          scope_.handles.push_back(*s.name);
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
        s.name = fresh("g");
        scope_.gathers.push_back(*s.name);
        break;
      }
      case Op::shield:
        s.target = any_future();
        if (s.target.empty()) return std::nullopt;
        s.name = fresh("s");
        scope_.shields.push_back(*s.name);
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
          if (std::optional<Statement> c = cancel_of({&scope_.tasks, &scope_.shields})) s.body.push_back(std::move(*c));
          if (std::string target = one_of({&scope_.shields, &scope_.tasks}); !target.empty() && chance(60)) {
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
        s.name = fresh("lk");
        scope_.locks.push_back(*s.name);
        break;
      case Op::semaphore:
        s.name = fresh("sm");
        s.value = p_.pick(0, 2);
        scope_.semaphores.push_back(*s.name);
        break;
      case Op::acquire:
      case Op::release:
        s.target = one_of({&scope_.locks, &scope_.semaphores});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::event:
        s.name = fresh("e");
        scope_.events.push_back(*s.name);
        break;
      case Op::set:
      case Op::clear:
      case Op::wait_event:
        s.target = one_of({&scope_.events});
        if (s.target.empty()) return std::nullopt;
        break;
      case Op::queue:
        s.name = fresh("q");
        s.value = p_.pick(0, 2);
        scope_.queues.push_back(*s.name);
        break;
      case Op::put:
      case Op::put_nowait:
        s.target = one_of({&scope_.queues});
        if (s.target.empty()) return std::nullopt;
        s.value = value();
        break;
      case Op::get:
      case Op::get_nowait:
        s.target = one_of({&scope_.queues});
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

  std::optional<Statement> cancel_of(std::initializer_list<const std::vector<std::string>*> lists) {
    Statement c;
    c.op = Op::cancel;
    c.target = one_of(lists);
    if (c.target.empty()) return std::nullopt;
    return c;
  }

  Picker& p_;
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

Scenario build_scenario(Picker& picker, const GenOptions& options) { return Builder(picker, options).build(); }

rc::Gen<Scenario> scenario_gen(GenOptions options) {
  return rc::gen::exec([options] {
    RcPicker picker;
    return build_scenario(picker, options);
  });
}

rc::Shrinkable<Scenario> generate_shrinkable(std::uint64_t seed, GenOptions options) {
  // A fixed rapidcheck size: the scenario's own size comes from `options.size`.
  return scenario_gen(options)(rc::Random(seed), 100);
}

Scenario generate(std::uint64_t seed, GenOptions options) { return generate_shrinkable(seed, options).value(); }

void showValue(const Scenario& scenario, std::ostream& out) { out << to_json(scenario); }

}  // namespace asim::props
