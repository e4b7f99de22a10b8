// SPDX-License-Identifier: MIT
// The scenario interpreter: each statement as the asim call its Python twin makes.
#include <asim/props/interpreter.hpp>

#include <asim/as_completed.hpp>
#include <asim/event.hpp>
#include <asim/future.hpp>
#include <asim/gather.hpp>
#include <asim/lock.hpp>
#include <asim/outcome.hpp>
#include <asim/queues.hpp>
#include <asim/semaphore.hpp>
#include <asim/shield.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <asim/timeout.hpp>
#include <asim/wait.hpp>
#include <asim/wait_for.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>
#include <string_view>

namespace asim::props {

std::string format_line(const TraceLine& line, bool print_times) {
  std::string out;
  if (print_times) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6f", line.time);
    out = buffer;
  } else {
    out = "-";
  }
  out += ' ';
  out += line.who;
  out += ' ';
  out += line.event;
  return out;
}

std::string format_trace(const std::vector<TraceLine>& lines, bool print_times) {
  std::string out;
  for (const TraceLine& line : lines) {
    out += format_line(line, print_times);
    out += '\n';
  }
  return out;
}

namespace {

using OutcomeList = std::vector<Outcome<Value>>;

/// What a name refers to. Python checks kinds with isinstance; these are the classes.
enum class Kind : std::uint8_t {
  none,  // a name defined while its object was being made, and the making failed
  // Tasks, futures, gathers and shields: all Future<Value>, as in asyncio all are
  // futures (a gather's value is a Value list).
  future,
  handle,
  lock,
  semaphore,
  event,
  queue,
};

struct Object {
  Kind kind = Kind::none;
  Future<Value> future;
  Handle handle;
  std::unique_ptr<Lock> lock;
  std::unique_ptr<Semaphore> semaphore;
  std::unique_ptr<Event> event;
  std::unique_ptr<Queue<Value>> queue;
};

/// What a block ended with: a `return` (with its value) or falling off its end.
struct Flow {
  bool returned = false;
  Value value;
};

/// The value of a scenario gather: the children's values in argument order, and with
/// return_exceptions each failure as its exception (asyncio: the results loop of
/// gather._done_callback). The children are all done here.
struct CollectValues {
  std::vector<Future<Value>> children;  // the typed twins of the gather's AnyFutures
  Value operator()(const std::vector<AnyFuture>& /*erased*/, bool return_exceptions) const {
    std::vector<Value> out;
    out.reserve(children.size());
    for (const Future<Value>& child : children) {
      if (return_exceptions && child.cancelled()) {
        out.push_back(Value::error("CancelledError"));
      } else if (std::exception_ptr error = return_exceptions ? child.exception() : nullptr) {
        out.push_back(Value::error(exception_text(error)));
      } else {
        out.push_back(child.result());
      }
    }
    return Value::list(std::move(out));
  }
};

Value from_json_value(const std::optional<std::int64_t>& v) { return v ? Value::integer(*v) : Value(); }

/// The loop instrument of the deadlock probe: counts live timers exactly (the core's
/// timer_count() keeps asyncio's cancelled-timer heuristic, which may drift) and
/// remembers when the last callback other than the probe ran, the time asyncio's
/// select(None) would report.
class ActivityClock final : public detail::LoopInstrument {
 public:
  void after_callback(const detail::Runnable& node) override {
    if (&node != probe_node && loop != nullptr) last_activity_ns = loop->time_ns();
  }
  void on_timer_armed(const detail::CallbackNode& /*timer*/) noexcept override { ++live_timers; }
  void on_timer_cancelled(const detail::CallbackNode& /*timer*/) noexcept override { --live_timers; }
  void on_timer_fired(const detail::CallbackNode& /*timer*/) noexcept override { --live_timers; }
  EventLoop* loop = nullptr;
  const detail::Runnable* probe_node = nullptr;
  std::int64_t last_activity_ns = 0;
  std::int64_t live_timers = 0;
};

}  // namespace

struct Interpreter::State {
  State(const Scenario& s, InterpreterOptions o) : scenario(s), options(o) {}

  const Scenario& scenario;
  InterpreterOptions options;
  EventLoop* loop = nullptr;
  std::int64_t origin_ns = 0;
  std::map<std::string, Object, std::less<>> objects;
  std::vector<Future<Value>> tasks;  // creation order, main first
  std::vector<TraceLine> lines;
  bool finished = false;
  bool deadlock = false;
  // The deadlock probe (real loop).
  FutureBase* running_until = nullptr;
  TimerHandle probe;
  ActivityClock activity;
  bool probe_fired_deadlock = false;

  // -- output -----------------------------------------------------------------

  [[nodiscard]] double scenario_time(std::int64_t ns) const {
    return static_cast<double>(ns - origin_ns) / 1e9 / options.time_scale;
  }

  void emit(std::string event) {
    if (finished) return;
    TaskBase* task = loop->is_running() ? loop->current_task() : nullptr;
    lines.push_back(TraceLine{scenario_time(loop->time_ns()), task != nullptr ? task->get_name() : "-",
                              std::move(event)});
  }

  void on_loop_error(const ExceptionContext& context) {
    // asyncio: only errors of a Handle (a callback) carry 'handle' and 'exception'.
    if (context.exception && context.future == nullptr && context.message == "Exception in callback") {
      emit("callback_error " + exception_text(context.exception));
    }
  }

  template <class T>
  void add_done_logger(const std::string& name, Future<T> future) {
    future.add_done_callback([state = this, name](Future<T> done) {
      if (done.cancelled()) {
        state->emit("done " + name + " cancelled");
      } else if (std::exception_ptr error = done.exception()) {
        state->emit("done " + name + " error " + exception_text(error));
      } else {
        state->emit("done " + name + " ok " + done.result().text());
      }
    });
  }

  [[nodiscard]] double scaled(double seconds) const { return seconds * options.time_scale; }
  [[nodiscard]] std::optional<double> scaled(const std::optional<double>& seconds) const {
    if (!seconds) return std::nullopt;
    return scaled(*seconds);
  }

  // -- names ------------------------------------------------------------------

  Object& define(const std::string& name) {
    auto [it, inserted] = objects.try_emplace(name);
    if (!inserted) throw NameError(name);
    return it->second;
  }

  Object& lookup(const std::string& name) {
    auto it = objects.find(name);
    if (it == objects.end()) throw NameError(name);
    return it->second;
  }

  /// Python's `get(name, 'awaitable')` (and 'future': tasks are futures too).
  Future<Value> awaitable(const std::string& name) {
    Object& object = lookup(name);
    if (object.kind != Kind::future) throw TypeError(name);
    return object.future;
  }

  template <class T>
  T& primitive(const std::string& name, Kind kind, std::unique_ptr<T> Object::*member) {
    Object& object = lookup(name);
    if (object.kind != kind) throw TypeError(name);
    return *(object.*member);
  }

  /// The futures named by `names`, looked up in order.
  std::vector<Future<Value>> futures(const std::vector<std::string>& names) {
    std::vector<Future<Value>> out;
    out.reserve(names.size());
    for (const std::string& name : names) out.push_back(awaitable(name));
    return out;
  }

  // -- statements that never await (also in callbacks) -------------------------

  void run_callback(const Statement& s) {
    emit("cb " + s.text);
    for (const Statement& then : s.body) run_sync(then);
  }

  void spawn(const std::string& name, const std::vector<Statement>& body);

  void run_sync(const Statement& s) {
    switch (s.op) {
      case Op::log: emit("log " + s.text); return;
      case Op::spawn: spawn(*s.name, s.body); return;
      case Op::future: {
        Object& object = define(*s.name);
        object.kind = Kind::future;
        object.future = loop->create_future<Value>();
        add_done_logger(*s.name, object.future);
        return;
      }
      case Op::cancel: {
        Object& object = lookup(s.target);
        if (object.kind == Kind::handle) {
          object.handle.cancel();
          emit("cancel " + s.target);
          return;
        }
        if (object.kind != Kind::future) throw TypeError(s.target);
        const bool cancelled = object.future.base().cancel();
        emit("cancel " + s.target + (cancelled ? " -> True" : " -> False"));
        return;
      }
      case Op::set_result: {
        Future<Value> f = awaitable(s.target);
        const Value value = from_json_value(s.value);
        f.set_result(value);
        emit("set_result " + s.target + " " + value.text());
        return;
      }
      case Op::set_exception: {
        Future<Value> f = awaitable(s.target);
        f.set_exception(std::make_exception_ptr(ScenarioError(s.text)));
        emit("set_exception " + s.target + " ScenarioError:" + s.text);
        return;
      }
      case Op::call_soon:
      case Op::call_later:
      case Op::call_at: {
        auto callback = [state = this, statement = &s] { state->run_callback(*statement); };
        Handle handle;
        if (s.op == Op::call_soon) {
          handle = loop->call_soon(callback);
        } else if (s.op == Op::call_later) {
          handle = loop->call_later(scaled(*s.seconds), callback);
        } else {
          handle = loop->call_at(loop->time() + scaled(*s.seconds), callback);
        }
        if (s.name) {
          Object& object = define(*s.name);
          object.kind = Kind::handle;
          object.handle = std::move(handle);
        }
        return;
      }
      case Op::gather: {
        std::vector<Future<Value>> children = futures(s.targets);
        Object& object = define(*s.name);
        std::vector<AnyFuture> erased(children.begin(), children.end());
        Future<Value> g = asim::gather_any<Value>(std::move(erased), s.flag, CollectValues{std::move(children)});
        object.kind = Kind::future;
        object.future = g;
        add_done_logger(*s.name, g);
        return;
      }
      case Op::shield: {
        Future<Value> inner = awaitable(s.target);
        Object& object = define(*s.name);
        object.kind = Kind::future;
        object.future = asim::shield(inner);
        add_done_logger(*s.name, object.future);
        return;
      }
      case Op::lock: {
        Object& object = define(*s.name);
        object.lock = std::make_unique<Lock>();
        object.kind = Kind::lock;
        return;
      }
      case Op::semaphore: {
        Object& object = define(*s.name);
        const std::int64_t value = std::clamp<std::int64_t>(s.value.value_or(1), INT_MIN, INT_MAX);
        object.semaphore = std::make_unique<Semaphore>(static_cast<int>(value));
        object.kind = Kind::semaphore;
        return;
      }
      case Op::event: {
        Object& object = define(*s.name);
        object.event = std::make_unique<Event>();
        object.kind = Kind::event;
        return;
      }
      case Op::queue: {
        Object& object = define(*s.name);
        const std::int64_t maxsize = s.value.value_or(0);
        // asyncio: a maxsize of 0 or less means unbounded.
        object.queue = std::make_unique<Queue<Value>>(maxsize > 0 ? static_cast<std::size_t>(maxsize) : 0);
        object.kind = Kind::queue;
        return;
      }
      case Op::release: {
        Object& object = lookup(s.target);
        if (object.kind == Kind::lock) {
          object.lock->release();
        } else if (object.kind == Kind::semaphore) {
          object.semaphore->release();
        } else {
          throw TypeError(s.target);
        }
        emit("release " + s.target);
        return;
      }
      case Op::set:
        primitive(s.target, Kind::event, &Object::event).set();
        emit("set " + s.target);
        return;
      case Op::clear:
        primitive(s.target, Kind::event, &Object::event).clear();
        emit("clear " + s.target);
        return;
      case Op::put_nowait: {
        const Value value = from_json_value(s.value);
        primitive(s.target, Kind::queue, &Object::queue).put_nowait(value);
        emit("put " + s.target + " " + value.text());
        return;
      }
      case Op::get_nowait: {
        const Value value = primitive(s.target, Kind::queue, &Object::queue).get_nowait();
        emit("get " + s.target + " = " + value.text());
        return;
      }
      default: throw Unsupported("statement '" + std::string(op_name(s.op)) + "' is not allowed here");
    }
  }

  // -- the run ------------------------------------------------------------------

  /// Runs until `future` is done. False when the run deadlocked.
  bool run_phase(FutureBase& future);
  void arm_probe();
  void run(EventLoop& target);
};

namespace {

using State = Interpreter::State;

Coro<Flow> run_block(State* state, const std::vector<Statement>* block);

Coro<Value> task_body(State* state, const std::vector<Statement>* body) {
  Flow flow = co_await run_block(state, body);
  co_return flow.returned ? flow.value : Value();
}

std::string sorted_names(const std::vector<AnyFuture>& futures, const std::map<FutureBase*, std::string>& names) {
  std::vector<std::string> out;
  out.reserve(futures.size());
  for (const AnyFuture& f : futures) out.push_back(names.at(f.get()));
  std::sort(out.begin(), out.end());
  std::string text;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) text += ',';
    text += out[i];
  }
  return text;
}

asim::ReturnWhen to_asim(props::ReturnWhen when) {
  switch (when) {
    case props::ReturnWhen::first_completed: return asim::ReturnWhen::first_completed;
    case props::ReturnWhen::first_exception: return asim::ReturnWhen::first_exception;
    default: return asim::ReturnWhen::all_completed;
  }
}

Coro<Flow> run_try(State* state, const Statement* s) {
  std::exception_ptr caught;
  try {
    Flow flow = co_await run_block(state, &s->body);
    co_return flow;
  } catch (...) {
    caught = std::current_exception();
  }
  const std::string cls = exception_class(caught);
  if (std::find(s->catch_classes.begin(), s->catch_classes.end(), cls) == s->catch_classes.end()) {
    std::rethrow_exception(caught);
  }
  state->emit("caught " + exception_text(caught));
  Flow handled = co_await run_block(state, &s->handler);
  if (handled.returned) co_return handled;
  if (s->flag) std::rethrow_exception(caught);
  co_return Flow{};
}

Coro<Flow> run_statement(State* state, const Statement* s) {
  switch (s->op) {
    case Op::sleep: co_await asim::sleep(state->scaled(*s->seconds)); break;
    case Op::await_: {
      Value v = co_await state->awaitable(s->target);
      state->emit("await " + s->target + " = " + v.text());
      break;
    }
    case Op::wait: {
      std::map<FutureBase*, std::string> names;
      std::vector<AnyFuture> futures;
      for (const std::string& target : s->targets) {
        Future<Value> f = state->awaitable(target);
        names.try_emplace(&f.base(), target);
        futures.emplace_back(f);
      }
      WaitResult result = co_await asim::wait(std::move(futures), state->scaled(s->seconds), to_asim(s->return_when));
      state->emit("wait done=[" + sorted_names(result.done, names) + "] pending=[" +
                  sorted_names(result.pending, names) + "]");
      break;
    }
    case Op::wait_for: {
      Value v = co_await asim::wait_for(state->awaitable(s->target), state->scaled(s->seconds));
      state->emit("wait_for " + s->target + " = " + v.text());
      break;
    }
    case Op::as_completed: {
      std::vector<Coro<Value>> next = asim::as_completed(state->futures(s->targets),
                                                         state->scaled(s->seconds));
      for (Coro<Value>& one : next) {
        Value v = co_await std::move(one);
        state->emit("as_completed = " + v.text());
      }
      break;
    }
    case Op::timeout: {
      Flow flow = co_await asim::timeout(state->scaled(s->seconds), run_block(state, &s->body));
      co_return flow;
    }
    case Op::try_: {
      Flow flow = co_await run_try(state, s);
      co_return flow;
    }
    case Op::return_: co_return Flow{true, from_json_value(s->value)};
    case Op::raise: throw ScenarioError(s->text);
    case Op::acquire: {
      Object& object = state->lookup(s->target);
      if (object.kind == Kind::lock) {
        co_await object.lock->acquire();
      } else if (object.kind == Kind::semaphore) {
        co_await object.semaphore->acquire();
      } else {
        throw TypeError(s->target);
      }
      state->emit("acquire " + s->target);
      break;
    }
    case Op::wait_event:
      co_await state->primitive(s->target, Kind::event, &Object::event).wait();
      state->emit("wait_event " + s->target);
      break;
    case Op::put: {
      const Value value = from_json_value(s->value);
      co_await state->primitive(s->target, Kind::queue, &Object::queue).put(value);
      state->emit("put " + s->target + " " + value.text());
      break;
    }
    case Op::get: {
      Value value = co_await state->primitive(s->target, Kind::queue, &Object::queue).get();
      state->emit("get " + s->target + " = " + value.text());
      break;
    }
    default: state->run_sync(*s); break;
  }
  co_return Flow{};
}

Coro<Flow> run_block(State* state, const std::vector<Statement>* block) {
  for (const Statement& s : *block) {
    Flow flow = co_await run_statement(state, &s);
    if (flow.returned) co_return flow;
  }
  co_return Flow{};
}

}  // namespace

void Interpreter::State::spawn(const std::string& name, const std::vector<Statement>& body) {
  Object& object = define(name);
  Task<Value> task = loop->create_task(task_body(this, &body), name);
  object.kind = Kind::future;
  object.future = task;
  tasks.push_back(task);
  add_done_logger(name, Future<Value>(task));
}

void Interpreter::State::arm_probe() {
  probe = loop->call_later(options.deadlock_probe_interval, [state = this] {
    // Deadlock: the future we run until is pending, nothing is ready and no timer is
    // armed, so after this callback nothing can ever happen.
    EventLoop& loop = *state->loop;
    if (state->running_until != nullptr && !state->running_until->done() && loop.ready_count() == 0 &&
        state->activity.live_timers == 0) {
      state->probe_fired_deadlock = true;
      loop.stop();
      return;
    }
    state->arm_probe();
  });
  activity.probe_node = probe.node();
}

bool Interpreter::State::run_phase(FutureBase& future) {
  running_until = &future;
  if (options.deadlock_probe_interval > 0) arm_probe();
  struct Disarm {
    State* state;
    ~Disarm() {
      state->probe.cancel();
      state->running_until = nullptr;
    }
  } disarm{this};
  try {
    detail::run_until_done(*loop, future);
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    if (probe_fired_deadlock) {
      lines.push_back(TraceLine{scenario_time(activity.last_activity_ns), "-", "deadlock"});
      return false;
    }
    if (options.is_deadlock != nullptr && options.is_deadlock(error)) {
      lines.push_back(TraceLine{scenario_time(loop->time_ns()), "-", "deadlock"});
      return false;
    }
    std::rethrow_exception(error);
  }
  return true;
}

void Interpreter::State::run(EventLoop& target) {
  loop = &target;
  origin_ns = loop->time_ns();
  activity.loop = loop;
  activity.last_activity_ns = origin_ns;
  if (options.deadlock_probe_interval > 0) {
    // The probe counts timers through the instrument hooks, so it needs them.
    if (loop->instrument() != nullptr) throw RuntimeError("the deadlock probe needs a loop without an instrument");
    loop->set_instrument(&activity);
  }
  loop->set_exception_handler([state = this](EventLoop&, const ExceptionContext& context) {
    state->on_loop_error(context);
  });
  struct Finish {
    State* state;
    ~Finish() {
      state->finished = true;
      if (state->loop->instrument() == &state->activity) state->loop->set_instrument(nullptr);
    }
  } finish{this};

  spawn("main", scenario.main);
  Future<Value> main = tasks.front();
  // asyncio: run_until_complete(main) raises what main raised; the runner ignores it.
  if (!run_phase(main.base())) {
    deadlock = true;
    return;
  }
  std::vector<Future<Value>> leftover;
  for (const Future<Value>& task : tasks) {
    if (!task.done()) leftover.push_back(task);
  }
  for (Future<Value>& task : leftover) task.cancel();
  if (!leftover.empty()) {
    Future<OutcomeList> all = asim::gather(std::move(leftover), asim::return_exceptions);
    if (!run_phase(all.base())) deadlock = true;
  }
}

Interpreter::Interpreter(const Scenario& scenario, InterpreterOptions options)
    : state_(std::make_unique<State>(scenario, options)) {}

Interpreter::~Interpreter() = default;

void Interpreter::run(EventLoop& loop) {
  if (state_->loop != nullptr) throw RuntimeError("an Interpreter runs once");
  state_->run(loop);
}

const std::vector<TraceLine>& Interpreter::trace() const noexcept { return state_->lines; }

bool Interpreter::deadlocked() const noexcept { return state_->deadlock; }

}  // namespace asim::props
