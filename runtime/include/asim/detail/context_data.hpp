// SPDX-License-Identifier: MIT
// The machinery of context variables: the immutable map a context holds, and which
// context is current on this thread (asyncio/contextvars: the HAMT and the thread
// state's `context` field).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace asim::detail {

/// One value of a context variable, shared by every map that holds it. Refcounted
/// atomically: maps cross threads (to_thread runs in a copy of the caller's context).
class ContextValue {
 public:
  ContextValue() = default;
  ContextValue(const ContextValue&) = delete;
  ContextValue& operator=(const ContextValue&) = delete;
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 protected:
  virtual ~ContextValue() = default;

 private:
  std::atomic<std::uint32_t> refs_{1};
};

template <class T>
class TypedContextValue final : public ContextValue {
 public:
  template <class U>
  explicit TypedContextValue(U&& value) : value(std::forward<U>(value)) {}
  const T value;
};

/// An immutable map from context variables (by their id) to values: a context's
/// contents. Setting a variable makes a new map (copy-on-write of a small sorted
/// array: contexts hold a handful of variables); copying a context shares the map.
/// nullptr is the empty map, so a program that uses no context variables never
/// allocates one.
class ContextData {
 public:
  struct Entry {
    std::uint64_t var_id;
    ContextValue* value;
  };

  /// A new map: `base` with `var_id` bound to `value` (which gains a reference).
  static ContextData* with(const ContextData* base, std::uint64_t var_id, ContextValue* value);
  /// A new map: `base` without `var_id`; nullptr when that leaves it empty.
  static ContextData* without(const ContextData* base, std::uint64_t var_id);
  /// The value bound to `var_id` in `map`, or nullptr.
  static ContextValue* find(const ContextData* map, std::uint64_t var_id) noexcept;
  static std::size_t size(const ContextData* map) noexcept { return map == nullptr ? 0 : map->size_; }

  static void add_ref(ContextData* map) noexcept {
    if (map != nullptr) map->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  static void release(ContextData* map) noexcept {
    if (map != nullptr && map->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(map);
  }

 private:
  explicit ContextData(std::uint32_t size) noexcept : size_(size) {}
  static ContextData* allocate(std::uint32_t size);
  static void destroy(ContextData* map) noexcept;
  Entry* entries() noexcept { return reinterpret_cast<Entry*>(this + 1); }
  const Entry* entries() const noexcept { return reinterpret_cast<const Entry*>(this + 1); }

  std::atomic<std::uint32_t> refs_{1};
  std::uint32_t size_;
};
static_assert(sizeof(ContextData) % alignof(ContextData::Entry) == 0);

/// Which context is current on this thread. `slot` is where that context keeps its
/// map (a task, a Context object, a callback's captured copy); nullptr means the
/// thread's own context. `data` mirrors `*slot`, so "is any variable set?" is one load.
/// `identity` tells contexts apart for tokens.
struct CurrentContext {
  ContextData* data = nullptr;
  ContextData** slot = nullptr;
  std::uint64_t identity = 0;
};

struct ContextThreadState {
  CurrentContext current;
  ContextData* thread_data = nullptr;   // the thread's own context (slot == nullptr)
  std::uint64_t ephemeral_counter = 0;  // identities of callbacks' contexts
  // Bumped when the loop empties the thread's own context after a callback, so a
  // token made in that callback is not taken for one of the thread's context later.
  std::uint64_t thread_generation = 0;
};

/// This thread's state. Constant-initialized and trivially destructible: no guard on
/// the hot path (the thread's own map is released by a separate exit hook).
inline ContextThreadState& context_state() noexcept {
  static thread_local constinit ContextThreadState state;
  return state;
}

/// The map of the current context (nullptr: empty, the common case).
inline ContextData* current_context_data() noexcept { return context_state().current.data; }

/// An identity for a context that exists for one callback: odd, so it never equals
/// the address of a task or a Context object.
inline std::uint64_t next_ephemeral_identity() noexcept { return (++context_state().ephemeral_counter << 1) | 1; }

/// Makes the context whose map lives in `*slot` current until destroyed.
class ContextScope {
 public:
  ContextScope(ContextData** slot, std::uint64_t identity) noexcept : saved_(context_state().current) {
    context_state().current = CurrentContext{*slot, slot, identity};
  }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;
  ~ContextScope() { context_state().current = saved_; }

 private:
  CurrentContext saved_;
};

/// A copy of the current context, kept by a callback scheduled while a variable is
/// set (asyncio: Handle's `context=copy_context()`). It holds the map by pointer:
/// copying it allocates nothing. Running a callback in it keeps what the callback
/// sets for its next run, as asyncio's per-handle Context does.
class CapturedContext {
 public:
  CapturedContext() noexcept : data_(current_context_data()) { ContextData::add_ref(data_); }
  CapturedContext(const CapturedContext& other) noexcept : data_(other.data_) { ContextData::add_ref(data_); }
  CapturedContext(CapturedContext&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  CapturedContext& operator=(const CapturedContext&) = delete;
  ~CapturedContext() { ContextData::release(data_); }

  template <class F>
  void run(F& fn) {
    ContextScope scope(&data_, next_ephemeral_identity());
    fn();
  }

 private:
  ContextData* data_;
};

/// The context every loop callback without a captured context runs in: empty, and
/// emptied again after a callback set something in it, so each callback starts from
/// a fresh empty context as asyncio's `Handle(context=copy_context())` of an empty
/// context does. One per `run_once`.
///
/// In the common case (the thread's own context is current and empty) callbacks run
/// in the thread's own context, which is emptied after any callback that set a
/// variable: nothing to enter or leave per iteration. Otherwise (variables set outside
/// the loop, or run_once inside Context.run) a fresh context is entered for them.
class CallbackContexts {
 public:
  CallbackContexts() noexcept {
    const CurrentContext& current = context_state().current;
    if (current.data != nullptr || current.slot != nullptr) [[unlikely]]
      enter();
  }
  CallbackContexts(const CallbackContexts&) = delete;
  CallbackContexts& operator=(const CallbackContexts&) = delete;
  ~CallbackContexts() {
    if (entered_) [[unlikely]]
      leave();
  }
  /// After each callback: one load when no variable was set.
  void after_callback() noexcept {
    if (context_state().current.data != nullptr) [[unlikely]]
      clean();
  }

 private:
  void enter() noexcept;
  void leave() noexcept;
  void clean() noexcept;

  ContextData* data_ = nullptr;
  CurrentContext saved_;
  bool entered_ = false;
};

}  // namespace asim::detail
