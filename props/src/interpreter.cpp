// SPDX-License-Identifier: MIT
// The scenario interpreter: each statement as the asim call its Python twin makes.
#include <asim/props/interpreter.hpp>

#include <asim/as_completed.hpp>
#include <asim/detail/huge_pages.hpp>
#include <asim/detail/kept_block.hpp>
#include <asim/detail/settle.hpp>
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
#include <coroutine>
#include <cstdio>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

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

/// The object a slot names. Python checks kinds with isinstance; the alternatives are
/// the classes. Tasks, futures, gathers and shields are all Future<Value>, as in asyncio
/// all are futures (a gather's value is a Value list). `defined` is false until the
/// statement that makes the name runs; a name defined while its object was being made,
/// and the making failed, holds monostate.
struct Object {
  std::variant<std::monostate, Future<Value>, Handle, std::unique_ptr<Lock>, std::unique_ptr<Semaphore>,
               std::unique_ptr<Event>, std::unique_ptr<Queue<Value>>>
      held;
  bool defined = false;
  /// The statements not run yet that use the name (see State::used()). Kept here, in
  /// the Object's padding, rather than in an array of its own: the statement that
  /// uses a name touches its Object anyway, and a big scenario's slot tables are out
  /// of cache.
  std::uint32_t uses_left = 0;
};
static_assert(sizeof(Object) <= 32, "uses_left is meant to fill the Object's padding");

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

Value value_of(const Instruction& in) { return in.has_number ? Value::integer(in.number.value) : Value(); }

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

namespace {

/// A thread's buffers of a finished run, kept for the next State: `asim check` runs
/// two scenarios per seed, and these would otherwise be allocated and grown each time.
struct Spare {
  std::vector<Object> objects;
  std::vector<Future<Value>> tasks;
  std::string event;
  /// Taken by a State (a run inside a run, if any, allocates its own).
  bool busy = false;
};
thread_local Spare spare;

}  // namespace

struct Interpreter::State {
  State(const Program& p, InterpreterOptions o) : program(p), options(o) {
    if (!spare.busy) {
      spare.busy = true;
      owns_spare = true;
      objects.swap(spare.objects);
      tasks.swap(spare.tasks);
      event.swap(spare.event);
    }
    if (objects.capacity() < p.names.size()) {
      // A slot table of a big program (32 bytes a name: 67 MB at 1e5 tasks) is zeroed
      // here and read all through the run: huge pages, not a fault per 4 KiB.
      objects.reserve(p.names.size());
      asim::detail::advise_huge_pages(objects.data(), objects.capacity() * sizeof(Object));
    }
    objects.resize(p.names.size());
    count_uses();
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  // A thread's last State leaves its memory to the next (two runs per checked seed).
  static void* operator new(std::size_t size);
  static void operator delete(void* state) noexcept;
  ~State() {
    if (!owns_spare) return;
    // In the order the members' destructors would run (tasks before objects); the
    // buffers keep their room.
    tasks.clear();
    objects.clear();
    tasks.swap(spare.tasks);
    objects.swap(spare.objects);
    event.swap(spare.event);
    spare.busy = false;
  }
  bool owns_spare = false;

  const Program& program;
  InterpreterOptions options;
  EventLoop* loop = nullptr;
  std::int64_t origin_ns = 0;
  std::vector<Object> objects;  // by slot
  std::vector<Future<Value>> tasks;  // creation order, main first
  std::vector<TraceLine> lines;
  /// The event text of the line being made, reused from line to line.
  std::string event;
  bool finished = false;
  bool deadlock = false;
  // The deadlock probe (real loop).
  FutureBase* running_until = nullptr;
  TimerHandle probe;
  ActivityClock activity;
  bool probe_fired_deadlock = false;

  // -- output -----------------------------------------------------------------

  [[nodiscard]] double scenario_time(std::int64_t ns) const {
    const double seconds = static_cast<double>(ns - origin_ns) / 1e9;
    // A division by 1.0 gives its dividend exactly: skip it (the simulated loops' scale;
    // two dependent divisions per trace line were most of a line's cost here). A flag,
    // as the compiler folds `scale == 1.0 ? s : s / scale` back into the division.
    return unit_scale ? seconds : seconds / options.time_scale;
  }
  const bool unit_scale = options.time_scale == 1.0;

  [[nodiscard]] std::string_view name(Slot slot) const { return program.names[slot]; }
  [[nodiscard]] std::string_view text(std::uint32_t id) const { return program.texts[id]; }

  void record(double time, std::string_view who, std::string_view text) {
    if (options.sink != nullptr) {
      options.sink->line(time, who, text);
    } else {
      lines.push_back(TraceLine{time, std::string(who), std::string(text)});
    }
  }

  /// Starts a line: the cleared event buffer, to append the event to.
  // (clear + append: assign() goes through the general _M_replace, twice the work.)
  std::string& line(std::string_view first) {
    event.clear();
    event.append(first);
    return event;
  }
  std::string& line(std::string_view first, Slot slot) {
    event.clear();
    event.append(first);
    event.append(name(slot));
    return event;
  }

  /// Writes the line made in `event`.
  void emit() {
    if (finished) return;
    TaskBase* task = loop->is_running() ? loop->current_task() : nullptr;
    const double time = scenario_time(loop->time_ns());
    if (task == nullptr) {
      record(time, "-", event);
      return;
    }
    // The spawned task's name, read in place; only a task the scenario did not name
    // (one the runtime made) formats its "Task-N".
    if (task->has_given_name()) {
      record(time, task->given_name(), event);
    } else {
      record(time, task->get_name(), event);
    }
  }

  void on_loop_error(const ExceptionContext& context) {
    // asyncio: only errors of a Handle (a callback) carry 'handle' and 'exception'.
    if (context.exception && context.future == nullptr && context.message == "Exception in callback") {
      line("callback_error ") += exception_text(context.exception);
      emit();
    }
  }

  void add_done_logger(Slot slot, Future<Value> future) {
    future.add_done_callback([state = this, slot](Future<Value> done) {
      if (done.cancelled()) {
        state->line("done ", slot) += " cancelled";
      } else if (std::exception_ptr error = done.exception()) {
        state->line("done ", slot) += " error ";
        state->event += exception_text(error);
      } else {
        state->line("done ", slot) += " ok ";
        done.result().append_text(state->event);
      }
      state->emit();
    });
  }

  [[nodiscard]] double scaled(double seconds) const { return seconds * options.time_scale; }
  [[nodiscard]] std::optional<double> scaled_or_none(const Instruction& in) const {
    if (!in.has_number) return std::nullopt;
    return scaled(in.number.seconds);
  }

  // -- names ------------------------------------------------------------------

  /// Calls `fn(slot)` for each name `in` uses (not the one it defines).
  template <class Fn>
  void for_each_use(const Instruction& in, Fn fn) const {
    switch (in.op) {
      case Op::wait:
      case Op::gather:
      case Op::as_completed: {
        const Span list = in.list();
        for (std::uint32_t i = 0; i < list.size; ++i) fn(program.lists[list.begin + i]);
        return;
      }
      default:
        if (uses_target(in.op)) fn(in.target);
        return;
    }
  }
  void count_uses() {
    for (const Instruction& in : program.code) for_each_use(in, [this](Slot s) { ++objects[s].uses_left; });
  }
  /// `in` has run. The language has no loops, so each statement runs at most once: when
  /// the last statement that uses a name has run, nothing can look the name up again,
  /// and a future it names that is done (without an exception nobody retrieved) is let
  /// go: a big scenario's futures do not all stay alive to the end. (A statement that
  /// raises does not count: its names stay, which is only memory.)
  void used(const Instruction& in) {
    for_each_use(in, [this](Slot s) {
      Object& object = objects[s];
      if (--object.uses_left != 0) return;
      auto* future = std::get_if<Future<Value>>(&object.held);
      if (future == nullptr || !future->done()) return;
      if (!future->cancelled() && future->base().stored_exception() != nullptr) return;
      object.held.emplace<std::monostate>();
    });
  }

  Object& define(Slot slot) {
    Object& object = objects[slot];
    if (object.defined) throw NameError(std::string(name(slot)));
    object.defined = true;
    return object;
  }

  Object& lookup(Slot slot) {
    Object& object = objects[slot];
    if (!object.defined) throw NameError(std::string(name(slot)));
    return object;
  }

  /// Python's `get(name, 'awaitable')` (and 'future': tasks are futures too).
  Future<Value> awaitable(Slot slot) {
    auto* future = std::get_if<Future<Value>>(&lookup(slot).held);
    if (future == nullptr) throw TypeError(std::string(name(slot)));
    return *future;
  }

  template <class T>
  T& primitive(Slot slot) {
    auto* held = std::get_if<std::unique_ptr<T>>(&lookup(slot).held);
    if (held == nullptr) throw TypeError(std::string(name(slot)));
    return **held;
  }

  /// The futures a statement's target list names, looked up in order.
  std::vector<Future<Value>> futures(const Instruction& in) {
    const Span list = in.list();
    std::vector<Future<Value>> out;
    out.reserve(list.size);
    for (std::uint32_t i = 0; i < list.size; ++i) out.push_back(awaitable(program.lists[list.begin + i]));
    return out;
  }

  /// What a release, get_nowait or put_nowait statement would raise for its
  /// object's state (Lock::release_error, QueueEmpty, QueueFull), or nullptr: then
  /// run_sync runs it (and raises NameError / TypeError for a wrong name as before).
  [[nodiscard]] std::exception_ptr nowait_error(const Instruction& in) const {
    const Object& object = objects[in.target];
    if (!object.defined) return nullptr;
    if (in.op == Op::release) {
      const auto* lock = std::get_if<std::unique_ptr<Lock>>(&object.held);
      return lock != nullptr ? (*lock)->release_error() : nullptr;
    }
    const auto* queue = std::get_if<std::unique_ptr<Queue<Value>>>(&object.held);
    if (queue == nullptr) return nullptr;
    if (in.op == Op::get_nowait && (*queue)->empty()) return std::make_exception_ptr(QueueEmpty());
    if (in.op == Op::put_nowait && (*queue)->full()) return std::make_exception_ptr(QueueFull());
    return nullptr;
  }

  // -- statements that never await (also in callbacks) -------------------------

  void run_callback(const Instruction& in) {
    line("cb ") += text(in.text);
    emit();
    for (std::uint32_t i = 0; i < in.body.size; ++i) {
      const Instruction& statement = program.code[in.body.begin + i];
      // A statement its object refuses ends the callback with that error, which goes
      // to the loop's exception handler as the loop hands it an exception leaving a
      // callback (asyncio: Handle._run), without the throw.
      if (std::exception_ptr refused = refusal(statement)) {
        loop->call_exception_handler({"Exception in callback", std::move(refused), nullptr});
        return;
      }
      run_sync(statement);
      used(statement);
    }
  }

  /// What run_sync(in) would raise for its object's state (a done future or a task
  /// refusing set_result / set_exception, a free lock, an empty or full queue), or
  /// nullptr: then run_sync runs it (and raises NameError / TypeError as before).
  [[nodiscard]] std::exception_ptr refusal(const Instruction& in) const {
    if (in.op == Op::set_result || in.op == Op::set_exception) {
      const Object& object = objects[in.target];
      const auto* future = object.defined ? std::get_if<Future<Value>>(&object.held) : nullptr;
      if (future == nullptr) return nullptr;
      return future->base().settable_error(in.op == Op::set_result ? "set_result" : "set_exception");
    }
    if (in.op == Op::release || in.op == Op::get_nowait || in.op == Op::put_nowait) return nowait_error(in);
    return nullptr;
  }

  void spawn(Slot slot, Span body);

  void run_sync(const Instruction& in) {
    switch (in.op) {
      case Op::log:
        line("log ") += text(in.text);
        emit();
        return;
      case Op::spawn: spawn(in.name, in.body); return;
      case Op::future: {
        Object& object = define(in.name);
        Future<Value>& f = object.held.emplace<Future<Value>>(loop->create_future<Value>());
        add_done_logger(in.name, f);
        return;
      }
      case Op::cancel: {
        Object& object = lookup(in.target);
        if (auto* handle = std::get_if<Handle>(&object.held)) {
          handle->cancel();
          line("cancel ", in.target);
          emit();
          return;
        }
        auto* future = std::get_if<Future<Value>>(&object.held);
        if (future == nullptr) throw TypeError(std::string(name(in.target)));
        const bool cancelled = future->base().cancel();
        line("cancel ", in.target) += cancelled ? " -> True" : " -> False";
        emit();
        return;
      }
      case Op::set_result: {
        Future<Value> f = awaitable(in.target);
        const Value value = value_of(in);
        f.set_result(value);
        line("set_result ", in.target) += ' ';
        value.append_text(event);
        emit();
        return;
      }
      case Op::set_exception: {
        Future<Value> f = awaitable(in.target);
        f.set_exception(std::make_exception_ptr(ScenarioError(std::string(text(in.text)))));
        line("set_exception ", in.target) += " ScenarioError:";
        event += text(in.text);
        emit();
        return;
      }
      case Op::call_soon:
      case Op::call_later:
      case Op::call_at: {
        auto callback = [state = this, instruction = &in] { state->run_callback(*instruction); };
        Handle handle;
        if (in.op == Op::call_soon) {
          handle = loop->call_soon(callback);
        } else if (in.op == Op::call_later) {
          handle = loop->call_later(scaled(in.number.seconds), callback);
        } else {
          handle = loop->call_at(loop->time() + scaled(in.number.seconds), callback);
        }
        if (in.name != no_slot) define(in.name).held = std::move(handle);
        return;
      }
      case Op::gather: {
        std::vector<Future<Value>> children = futures(in);
        Object& object = define(in.name);
        std::vector<AnyFuture> erased(children.begin(), children.end());
        Future<Value> g = asim::gather_any<Value>(std::move(erased), in.flag, CollectValues{std::move(children)});
        object.held = g;
        add_done_logger(in.name, g);
        return;
      }
      case Op::shield: {
        Future<Value> inner = awaitable(in.target);
        Object& object = define(in.name);
        Future<Value> shielded = asim::shield(inner);
        object.held = shielded;
        add_done_logger(in.name, shielded);
        return;
      }
      case Op::lock: define(in.name).held = std::make_unique<Lock>(); return;
      case Op::semaphore: {
        Object& object = define(in.name);
        const std::int64_t value = std::clamp<std::int64_t>(in.has_number ? in.number.value : 1, INT_MIN, INT_MAX);
        object.held = std::make_unique<Semaphore>(static_cast<int>(value));
        return;
      }
      case Op::event: define(in.name).held = std::make_unique<Event>(); return;
      case Op::queue: {
        Object& object = define(in.name);
        const std::int64_t maxsize = in.has_number ? in.number.value : 0;
        // asyncio: a maxsize of 0 or less means unbounded.
        object.held = std::make_unique<Queue<Value>>(maxsize > 0 ? static_cast<std::size_t>(maxsize) : 0);
        return;
      }
      case Op::release: {
        Object& object = lookup(in.target);
        if (auto* lock = std::get_if<std::unique_ptr<Lock>>(&object.held)) {
          (*lock)->release();
        } else if (auto* semaphore = std::get_if<std::unique_ptr<Semaphore>>(&object.held)) {
          (*semaphore)->release();
        } else {
          throw TypeError(std::string(name(in.target)));
        }
        line("release ", in.target);
        emit();
        return;
      }
      case Op::set:
        primitive<Event>(in.target).set();
        line("set ", in.target);
        emit();
        return;
      case Op::clear:
        primitive<Event>(in.target).clear();
        line("clear ", in.target);
        emit();
        return;
      case Op::put_nowait: {
        const Value value = value_of(in);
        primitive<Queue<Value>>(in.target).put_nowait(value);
        line("put ", in.target) += ' ';
        value.append_text(event);
        emit();
        return;
      }
      case Op::get_nowait: {
        const Value value = primitive<Queue<Value>>(in.target).get_nowait();
        line("get ", in.target) += " = ";
        value.append_text(event);
        emit();
        return;
      }
      default: throw Unsupported("statement '" + std::string(op_name(in.op)) + "' is not allowed here");
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

/// How a body, a statement or an await ended: its value, or the error it raised.
/// The interpreter's own coroutines hand errors to each other as this value instead of
/// rethrowing them at every level: in C++ each rethrow is an unwind, and a
/// cancellation used to be rethrown once per nested body. The error object is the same
/// one, so classes, messages and the task's end are as before.
using Settled = Outcome<Value>;

/// Awaits a Coro<T> as `co_await coro` does (inline, no yield to the loop), but gives
/// its error back in an Outcome instead of rethrowing it.
template <class T>
class SettleAwaiter {
 public:
  using Handle = std::coroutine_handle<detail::CoroPromise<T>>;
  explicit SettleAwaiter(Coro<T> coro) noexcept : handle_(coro.release()) {}
  SettleAwaiter(const SettleAwaiter&) = delete;
  SettleAwaiter& operator=(const SettleAwaiter&) = delete;
  ~SettleAwaiter() {
    if (handle_) handle_.destroy();
  }
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    handle_.promise().continuation_ = caller;
    return handle_;
  }
  Outcome<T> await_resume() {
    detail::CoroPromise<T>& promise = handle_.promise();
    if (promise.exception_) return Outcome<T>::failure(std::exchange(promise.exception_, nullptr));
    if constexpr (std::is_void_v<T>) {
      return Outcome<void>();
    } else {
      return Outcome<T>(promise.take_result());
    }
  }

 private:
  Handle handle_;
};
template <class T>
SettleAwaiter<T> settle(Coro<T> coro) noexcept {
  return SettleAwaiter<T>(std::move(coro));
}

/// Awaits a future as `co_await future` does (a done one does not yield), but gives
/// what it would raise back in a Settled: what the task's step throws in (the
/// CancelledError of a cancellation), the future's CancelledError or its exception.
class SettleFuture : public detail::FutureAwaiterBase {
 public:
  explicit SettleFuture(Future<Value> future) noexcept : FutureAwaiterBase(future.base()), future_(std::move(future)) {}
  Settled await_resume() const {
    if (std::exception_ptr error = detail::take_thrown_in()) return Settled::failure(std::move(error));
    return detail::result_outcome(future_);  // asyncio: Future.result(), as a value
  }

 private:
  Future<Value> future_;  // keeps the future alive while the task waits on it
};

/// A sleep whose cancellation is given back, not thrown: the error the task's step
/// throws in, or nullptr.
class SettleSleep : public detail::SleepAwaiter {
 public:
  using SleepAwaiter::SleepAwaiter;
  std::exception_ptr await_resume() const {
    if (std::exception_ptr error = detail::take_thrown_in()) return error;
    SleepAwaiter::await_resume();
    return nullptr;
  }
};

/// Ends the awaiting body with `error` without throwing it (`co_await fail(e);
/// co_return Value();`): the awaiting coroutine sees it through SettleAwaiter, a task
/// through its own coroutine's result.
detail::FailAwaiter fail(std::exception_ptr error) noexcept { return detail::fail_with(std::move(error)); }

/// Runs a body. `returned` (nullptr for a task's own body) is set when a `return`
/// ended it; the value is the returned one, else None. Awaiting it is awaiting a Coro,
/// which does not yield to the loop, as Python's `await self.block()` does not. An
/// error ends it through fail(): await it with settle().
Coro<Value> run_body(State* state, Span body, bool* returned);

std::string sorted_names(const std::vector<AnyFuture>& futures, const std::vector<std::pair<FutureBase*, Slot>>& names,
                         const State& state) {
  std::vector<std::string_view> out;
  out.reserve(futures.size());
  for (const AnyFuture& f : futures) {
    for (const auto& [base, slot] : names) {
      if (base == f.get()) {
        out.emplace_back(state.name(slot));
        break;
      }
    }
  }
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

Coro<Value> run_try(State* state, const Instruction* in, bool* returned) {
  Settled body = co_await settle(run_body(state, in->body, returned));
  if (body.has_value()) co_return std::move(body).value();
  const std::exception_ptr caught = body.error();
  const std::string cls = exception_class(caught);
  const Span catch_list = in->list();
  bool matches = false;
  for (std::uint32_t i = 0; i < catch_list.size && !matches; ++i) {
    matches = state->text(state->program.lists[catch_list.begin + i]) == cls;
  }
  if (!matches) {
    co_await fail(caught);
    co_return Value();
  }
  state->line("caught ") += exception_text(caught);
  state->emit();
  Settled handled = co_await settle(run_body(state, in->handler(), returned));
  if (!handled.has_value()) {
    co_await fail(handled.error());
    co_return Value();
  }
  if (*returned) co_return std::move(handled).value();
  if (in->flag) {
    co_await fail(caught);
    co_return Value();
  }
  co_return Value();
}

/// A `wait` or `as_completed` statement: in a frame of its own, as the lists and
/// results they keep across their awaits would make run_awaiting's frame too big for
/// the frame cache.
Coro<Value> run_wait(State* state, const Instruction* in) {
  if (in->op == Op::wait) {
    std::vector<std::pair<FutureBase*, Slot>> names;
    std::vector<AnyFuture> futures;
    const Span list = in->list();
    for (std::uint32_t i = 0; i < list.size; ++i) {
      const Slot slot = state->program.lists[list.begin + i];
      Future<Value> f = state->awaitable(slot);
      bool seen = false;
      for (const auto& entry : names) seen = seen || entry.first == &f.base();
      if (!seen) names.emplace_back(&f.base(), slot);
      futures.emplace_back(f);
    }
    // asim::wait, its error given back rather than rethrown.
    Outcome<Outcome<WaitResult>> settled = co_await settle(
        detail::wait_outcome(std::move(futures), state->scaled_or_none(*in), to_asim(in->return_when)));
    Outcome<WaitResult> waited =
        settled.has_value() ? std::move(settled).value() : Outcome<WaitResult>::failure(settled.error());
    if (!waited.has_value()) {
      co_await fail(waited.error());
      co_return Value();
    }
    const WaitResult& result = waited.value();
    std::string text = "wait done=[" + sorted_names(result.done, names, *state) + "] pending=[" +
                       sorted_names(result.pending, names, *state) + "]";
    state->line(text);
    state->emit();
  } else {
    // asim::as_completed, each completion's error given back rather than rethrown.
    std::vector<Coro<Settled>> next = detail::as_completed_outcomes(state->futures(*in), state->scaled_or_none(*in));
    for (Coro<Settled>& one : next) {
      Outcome<Settled> settled = co_await settle(std::move(one));
      Settled v = settled.has_value() ? std::move(settled).value() : Settled::failure(settled.error());
      if (!v.has_value()) {
        co_await fail(v.error());
        co_return Value();
      }
      state->line("as_completed = ");
      v.value().append_text(state->event);
      state->emit();
    }
  }
  co_return Value();
}

/// A `timeout` statement, in a frame of its own (it keeps its Timeout across the body).
Coro<Value> run_timeout(State* state, const Instruction* in, bool* returned) {
  // asyncio: `async with timeout(delay): <body>`, the scope's two halves around
  // the body (as asim::timeout(delay, body) does), with the body's error and the
  // scope's TimeoutError passed as values.
  Timeout scope = asim::timeout(state->scaled_or_none(*in));
  scope.enter();
  Settled result = co_await settle(run_body(state, in->body, returned));
  std::exception_ptr error = scope.exit_error(result.error());
  if (!error) error = result.error();
  if (error) {
    co_await fail(std::move(error));
    co_return Value();
  }
  co_return std::move(result).value();
}

/// A `wait_for` statement, in a frame of its own (its nested outcome would make
/// run_awaiting's frame too big for the frame cache).
Coro<Value> run_wait_for(State* state, const Instruction* in) {
  // asim::wait_for's own body, its outcome given back rather than rethrown.
  Outcome<Settled> waited =
      co_await settle(detail::wait_for_outcome(state->awaitable(in->target), state->scaled_or_none(*in)));
  Settled v = waited.has_value() ? std::move(waited).value() : Settled::failure(waited.error());
  if (!v.has_value()) {
    co_await fail(v.error());
    co_return Value();
  }
  state->line("wait_for ", in->target) += " = ";
  v.value().append_text(state->event);
  state->emit();
  co_return Value();
}

/// The statements that await something other than a sleep or a future: each in its
/// own frame, so a task's body frame stays small.
Coro<Value> run_awaiting(State* state, const Instruction* in) {
  switch (in->op) {
    case Op::acquire: {
      Object& object = state->lookup(in->target);
      Coro<bool> acquiring;
      if (auto* lock = std::get_if<std::unique_ptr<Lock>>(&object.held)) {
        acquiring = (*lock)->acquire();
      } else if (auto* semaphore = std::get_if<std::unique_ptr<Semaphore>>(&object.held)) {
        acquiring = (*semaphore)->acquire();
      } else {
        throw TypeError(std::string(state->name(in->target)));
      }
      Outcome<bool> acquired = co_await settle(std::move(acquiring));
      if (!acquired.has_value()) {
        co_await fail(acquired.error());
        co_return Value();
      }
      state->line("acquire ", in->target);
      state->emit();
      break;
    }
    case Op::wait_event: {
      Outcome<bool> waited = co_await settle(state->primitive<Event>(in->target).wait());
      if (!waited.has_value()) {
        co_await fail(waited.error());
        co_return Value();
      }
      state->line("wait_event ", in->target);
      state->emit();
      break;
    }
    case Op::put: {
      const Value value = value_of(*in);
      Outcome<void> put = co_await settle(state->primitive<Queue<Value>>(in->target).put(value));
      if (!put.has_value()) {
        co_await fail(put.error());
        co_return Value();
      }
      state->line("put ", in->target) += ' ';
      value.append_text(state->event);
      state->emit();
      break;
    }
    case Op::get: {
      Settled got = co_await settle(state->primitive<Queue<Value>>(in->target).get());
      if (!got.has_value()) {
        co_await fail(got.error());
        co_return Value();
      }
      state->line("get ", in->target) += " = ";
      got.value().append_text(state->event);
      state->emit();
      break;
    }
    default: state->run_sync(*in); break;
  }
  co_return Value();
}

Coro<Value> run_body(State* state, Span body, bool* returned) {
  const Instruction* const code = state->program.code.data();
  for (std::uint32_t i = body.begin, end = body.begin + body.size; i < end; ++i) {
    const Instruction& in = code[i];
    switch (in.op) {
      case Op::sleep: {
        std::exception_ptr error = co_await SettleSleep(asim::sleep(state->scaled(in.number.seconds)).delay_ns());
        if (error) {
          co_await fail(std::move(error));
          co_return Value();
        }
        break;
      }
      case Op::await_: {
        Settled result = co_await SettleFuture(state->awaitable(in.target));
        if (!result.has_value()) {
          co_await fail(result.error());
          co_return Value();
        }
        state->line("await ", in.target) += " = ";
        result.value().append_text(state->event);
        state->emit();
        break;
      }
      case Op::return_:
        if (returned != nullptr) *returned = true;
        co_return value_of(in);
      case Op::set_result:
      case Op::set_exception: {
        // What set_result / set_exception would raise (a task, a done future), given
        // back instead of thrown; otherwise run_sync sets it as in a callback.
        const char* operation = in.op == Op::set_result ? "set_result" : "set_exception";
        if (std::exception_ptr refused = state->awaitable(in.target).base().settable_error(operation)) {
          co_await fail(std::move(refused));
          co_return Value();
        }
        state->run_sync(in);
        break;
      }
      case Op::raise: {
        co_await fail(std::make_exception_ptr(ScenarioError(std::string(state->text(in.text)))));
        co_return Value();
      }
      case Op::release:
      case Op::get_nowait:
      case Op::put_nowait:
        // What release / get_nowait / put_nowait would raise (a free lock, an empty or
        // a full queue), given back instead of thrown; otherwise run_sync runs it as
        // in a callback.
        if (std::exception_ptr refused = state->nowait_error(in)) {
          co_await fail(std::move(refused));
          co_return Value();
        }
        state->run_sync(in);
        break;
      case Op::wait:
      case Op::wait_for:
      case Op::as_completed:
      case Op::timeout:
      case Op::try_:
      case Op::acquire:
      case Op::wait_event:
      case Op::put:
      case Op::get: {
        bool inner_returned = false;
        // Each in a frame of its own, so a task's body frame stays small and each
        // frame fits the frame cache.
        Coro<Value> statement;
        if (in.op == Op::try_) {
          statement = run_try(state, &in, &inner_returned);
        } else if (in.op == Op::timeout) {
          statement = run_timeout(state, &in, &inner_returned);
        } else if (in.op == Op::wait || in.op == Op::as_completed) {
          statement = run_wait(state, &in);
        } else if (in.op == Op::wait_for) {
          statement = run_wait_for(state, &in);
        } else {
          statement = run_awaiting(state, &in);
        }
        Settled result = co_await settle(std::move(statement));
        if (!result.has_value()) {
          co_await fail(result.error());
          co_return Value();
        }
        if (inner_returned) {
          if (returned != nullptr) *returned = true;
          co_return std::move(result).value();
        }
        break;
      }
      default: state->run_sync(in); break;
    }
    state->used(in);
  }
  co_return Value();
}

}  // namespace

void Interpreter::State::spawn(Slot slot, Span body) {
  Object& object = define(slot);
  // GivenName: a task the scenario names "" is named "" (asyncio's name=""), no Task-N.
  Task<Value> task = loop->create_task(run_body(this, body, nullptr), GivenName{std::string(name(slot))});
  object.held = Future<Value>(task);
  tasks.push_back(task);
  add_done_logger(slot, Future<Value>(task));
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
    if (options.stopped_by_deadlock == nullptr) {
      detail::run_until_done(*loop, future);
    } else if (!detail::run_until_done_or_stopped(*loop, future)) {
      if (!options.stopped_by_deadlock(*loop)) throw RuntimeError("Event loop stopped before Future completed.");
      record(scenario_time(loop->time_ns()), "-", "deadlock");
      return false;
    }
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    if (probe_fired_deadlock) {
      record(scenario_time(activity.last_activity_ns), "-", "deadlock");
      return false;
    }
    if (options.is_deadlock != nullptr && options.is_deadlock(error)) {
      record(scenario_time(loop->time_ns()), "-", "deadlock");
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
  loop->set_exception_handler(
      [state = this](EventLoop&, const ExceptionContext& context) { state->on_loop_error(context); });
  struct Finish {
    State* state;
    ~Finish() {
      state->finished = true;
      if (state->loop->instrument() == &state->activity) state->loop->set_instrument(nullptr);
    }
  } finish{this};

  spawn(0, program.main);  // slot 0 is "main"
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

using StateBlock = asim::detail::KeptBlock<Interpreter::State, sizeof(Interpreter::State)>;

void* Interpreter::State::operator new(std::size_t size) {
  return size == sizeof(State) ? StateBlock::take() : ::operator new(size);
}
// Only ever a whole State (nothing derives from it).
void Interpreter::State::operator delete(void* state) noexcept { StateBlock::give_back(state); }

Interpreter::Interpreter(const Scenario& scenario, InterpreterOptions options)
    : owned_(std::make_unique<Program>(compile(scenario))), state_(std::make_unique<State>(*owned_, options)) {}

Interpreter::Interpreter(const Program& program, InterpreterOptions options)
    : state_(std::make_unique<State>(program, options)) {}

Interpreter::~Interpreter() = default;

void Interpreter::run(EventLoop& loop) {
  if (state_->loop != nullptr) throw RuntimeError("an Interpreter runs once");
  state_->run(loop);
}

const std::vector<TraceLine>& Interpreter::trace() const noexcept { return state_->lines; }

std::vector<TraceLine> Interpreter::take_trace() noexcept { return std::move(state_->lines); }

bool Interpreter::deadlocked() const noexcept { return state_->deadlock; }

}  // namespace asim::props
