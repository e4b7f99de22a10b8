// SPDX-License-Identifier: MIT
// Context variables: the maps, the thread's current context, Context objects
// (Python: Python/context.c and Python/hamt.c).
#include <asim/context.hpp>
#include <asim/task.hpp>

#include <algorithm>
#include <new>

namespace asim::detail {

ContextData* ContextData::allocate(std::uint32_t size) {
  void* memory = ::operator new(sizeof(ContextData) + size * sizeof(Entry));
  return ::new (memory) ContextData(size);
}

void ContextData::destroy(ContextData* map) noexcept {
  for (std::uint32_t i = 0; i < map->size_; ++i) map->entries()[i].value->release();
  map->~ContextData();
  ::operator delete(map);
}

ContextValue* ContextData::find(const ContextData* map, std::uint64_t var_id) noexcept {
  if (map == nullptr) return nullptr;
  const Entry* begin = map->entries();
  const Entry* end = begin + map->size_;
  const Entry* it =
      std::lower_bound(begin, end, var_id, [](const Entry& e, std::uint64_t id) { return e.var_id < id; });
  return it != end && it->var_id == var_id ? it->value : nullptr;
}

ContextData* ContextData::with(const ContextData* base, std::uint64_t var_id, ContextValue* value) {
  const std::uint32_t base_size = base == nullptr ? 0 : base->size_;
  const bool replaces = find(base, var_id) != nullptr;
  ContextData* map = allocate(replaces ? base_size : base_size + 1);
  Entry* out = map->entries();
  bool placed = false;
  for (std::uint32_t i = 0; i < base_size; ++i) {
    const Entry& entry = base->entries()[i];
    if (!placed && entry.var_id >= var_id) {
      *out++ = Entry{var_id, value};
      placed = true;
      if (entry.var_id == var_id) continue;
    }
    *out++ = entry;
  }
  if (!placed) *out++ = Entry{var_id, value};
  for (std::uint32_t i = 0; i < map->size_; ++i) map->entries()[i].value->add_ref();
  return map;
}

ContextData* ContextData::without(const ContextData* base, std::uint64_t var_id) {
  if (find(base, var_id) == nullptr) {
    ContextData::add_ref(const_cast<ContextData*>(base));
    return const_cast<ContextData*>(base);
  }
  if (base->size_ == 1) return nullptr;
  ContextData* map = allocate(base->size_ - 1);
  Entry* out = map->entries();
  for (std::uint32_t i = 0; i < base->size_; ++i) {
    const Entry& entry = base->entries()[i];
    if (entry.var_id == var_id) continue;
    entry.value->add_ref();
    *out++ = entry;
  }
  return map;
}

namespace {

// Releases the thread's own map when the thread ends. Touched only when code sets a
// variable outside any entered context, so the hot path never meets its guard.
struct ThreadContextCleanup {
  ~ThreadContextCleanup() {
    ContextThreadState& state = context_state();
    ContextData::release(std::exchange(state.thread_data, nullptr));
    if (state.current.slot == nullptr) state.current.data = nullptr;
  }
};

}  // namespace

namespace {
// A task step that found no variable set anywhere runs without entering its context
// (task.cpp's TaskContextScope): while it runs, "the thread's own context" means the
// task's. Entering it now makes the slot current for the rest of the step.
bool enter_running_task_context(ContextThreadState& state) noexcept {
  EventLoop* loop = running_loop();
  TaskBase* task = loop != nullptr ? loop->current_task() : nullptr;
  if (task == nullptr) return false;
  ContextData** slot = task->own_context_slot();
  state.current = CurrentContext{*slot, slot, reinterpret_cast<std::uintptr_t>(task)};
  return true;
}
}  // namespace

ContextData*& current_context_slot() noexcept {
  ContextThreadState& state = context_state();
  if (state.current.slot != nullptr || enter_running_task_context(state)) return *state.current.slot;
  static thread_local ThreadContextCleanup cleanup;
  (void)cleanup;
  return state.thread_data;
}

std::uint64_t current_context_identity() noexcept {
  ContextThreadState& state = context_state();
  if (state.current.slot != nullptr || enter_running_task_context(state)) return state.current.identity;
  // The thread's own context: the state's address (unique among live threads, a
  // multiple of 8) plus its generation times 8, tagged 2 so it never equals the
  // address of a task or Context object (multiples of 8) or an ephemeral one (odd).
  return (reinterpret_cast<std::uintptr_t>(&state) + (state.thread_generation << 3)) | 2;
}

std::uint64_t next_context_var_id() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

EnteredContext::EnteredContext(ContextObject& context)
    : context_(context),
      scope_((context.entered.exchange(true, std::memory_order_acquire)
                  ? throw RuntimeError("cannot enter context: <Context> is already entered")
                  : &context.data),
             context.identity()) {}

void CallbackContexts::enter() noexcept {
  ContextThreadState& state = context_state();
  saved_ = state.current;
  state.current = CurrentContext{nullptr, &data_, next_ephemeral_identity()};
  entered_ = true;
}

void CallbackContexts::leave() noexcept {
  ContextData::release(std::exchange(data_, nullptr));
  context_state().current = saved_;
}

void CallbackContexts::clean() noexcept {
  ContextThreadState& state = context_state();
  if (entered_) {
    ContextData::release(std::exchange(data_, nullptr));
    state.current = CurrentContext{nullptr, &data_, next_ephemeral_identity()};
  } else {
    // The callback ran in the thread's own (empty) context.
    ContextData::release(std::exchange(state.thread_data, nullptr));
    state.current.data = nullptr;
    ++state.thread_generation;
  }
}

}  // namespace asim::detail

namespace asim {

Context Context::copy() const { return Context(object_->data); }

Context copy_context() { return Context(detail::current_context_slot()); }

}  // namespace asim
