// SPDX-License-Identifier: MIT
// Context variables: ContextVar, Token, Context, copy_context (Python: contextvars,
// as asyncio uses them: each task runs in a copy of the context it was created in,
// each callback in the context it was scheduled in).
#pragma once

#include <asim/detail/context_data.hpp>
#include <asim/errors.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace asim {

/// Python's `LookupError`: a context variable with no value and no default.
class LookupError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

namespace detail {

/// The object behind a Context handle: a map that changes as code running in the
/// context sets variables, and the "entered" flag of Context.run.
struct ContextObject {
  std::atomic<std::uint32_t> refs{1};
  std::atomic<bool> entered{false};
  ContextData* data = nullptr;

  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      ContextData::release(data);
      delete this;
    }
  }
  [[nodiscard]] std::uint64_t identity() const noexcept { return reinterpret_cast<std::uintptr_t>(this); }
};

/// Enters a Context object (Context.run's entry and exit); throws RuntimeError when it
/// is entered already.
class EnteredContext {
 public:
  explicit EnteredContext(ContextObject& context);
  EnteredContext(const EnteredContext&) = delete;
  EnteredContext& operator=(const EnteredContext&) = delete;
  ~EnteredContext() { context_.entered.store(false, std::memory_order_release); }

 private:
  ContextObject& context_;
  ContextScope scope_;
};

/// The current context's map slot and identity (the thread's own when none is entered).
ContextData*& current_context_slot() noexcept;
std::uint64_t current_context_identity() noexcept;
std::uint64_t next_context_var_id() noexcept;

}  // namespace detail

template <class T>
class ContextVar;

/// A context: variables and their values. Copies of a Context handle share one
/// context, as Python references do; `copy()` makes a new context with the same
/// values. Python: contextvars.Context.
class Context {
 public:
  /// A new empty context. Python: contextvars.Context().
  Context() : object_(new detail::ContextObject) {}
  Context(const Context& other) noexcept : object_(other.object_) { object_->add_ref(); }
  Context(Context&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Context& operator=(Context other) noexcept {
    std::swap(object_, other.object_);
    return *this;
  }
  ~Context() {
    if (object_ != nullptr) object_->release();
  }

  /// Calls `fn(args...)` with this context current; what it sets stays in this
  /// context. Throws RuntimeError if the context is entered already (by this thread
  /// or another). Python: Context.run.
  template <class F, class... Args>
  decltype(auto) run(F&& fn, Args&&... args) {
    detail::EnteredContext entered(*object_);
    return std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
  }
  /// A new context with the same values. Python: Context.copy.
  [[nodiscard]] Context copy() const;
  /// The value of `var` in this context, or nullopt. Python: Context.get.
  template <class T>
  [[nodiscard]] std::optional<T> get(const ContextVar<T>& var) const;
  /// True when `var` has a value here. Python: `var in context`.
  template <class T>
  [[nodiscard]] bool contains(const ContextVar<T>& var) const {
    return detail::ContextData::find(object_->data, var.id()) != nullptr;
  }
  /// The number of variables with a value. Python: len(context).
  [[nodiscard]] std::size_t size() const noexcept { return detail::ContextData::size(object_->data); }
  friend bool operator==(const Context& a, const Context& b) noexcept { return a.object_ == b.object_; }

  /// The shared object (tasks created with an explicit context keep a reference).
  [[nodiscard]] detail::ContextObject* object() const noexcept { return object_; }

 private:
  friend Context copy_context();
  explicit Context(detail::ContextData* data) : object_(new detail::ContextObject) {
    detail::ContextData::add_ref(data);
    object_->data = data;
  }
  detail::ContextObject* object_;
};

/// A new context with the current context's values. Python: contextvars.copy_context.
Context copy_context();

/// What `ContextVar::set` returns: `reset(token)` restores the value before that set.
/// Move-only: a token is used once. Python: contextvars.Token.
template <class T>
class Token {
 public:
  Token(Token&& other) noexcept
      : var_(other.var_), context_(other.context_), old_(std::exchange(other.old_, nullptr)), used_(other.used_) {}
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  Token& operator=(Token&&) = delete;
  ~Token() {
    if (old_ != nullptr) old_->release();
  }

  /// The variable that made this token. Python: Token.var.
  [[nodiscard]] const ContextVar<T>& var() const noexcept { return *var_; }
  /// The value before the set, or nullopt (Python: Token.MISSING). Python: Token.old_value.
  [[nodiscard]] std::optional<T> old_value() const {
    if (old_ == nullptr) return std::nullopt;
    return static_cast<const detail::TypedContextValue<T>*>(old_)->value;
  }

 private:
  friend class ContextVar<T>;
  Token(const ContextVar<T>* var, std::uint64_t context, detail::ContextValue* old) noexcept
      : var_(var), context_(context), old_(old) {}

  const ContextVar<T>* var_;
  std::uint64_t context_;
  detail::ContextValue* old_;  // one reference, or nullptr for "missing"
  bool used_ = false;
};

/// A context variable holding a `T`: its value depends on the context current when
/// it is read. Values are immutable once set (set a new one to change it); `get`
/// returns a copy. Python: contextvars.ContextVar.
template <class T>
class ContextVar {
 public:
  explicit ContextVar(std::string name) : name_(std::move(name)), id_(detail::next_context_var_id()) {}
  ContextVar(std::string name, T default_value)
      : name_(std::move(name)), id_(detail::next_context_var_id()), default_(std::move(default_value)) {}
  ContextVar(const ContextVar&) = delete;
  ContextVar& operator=(const ContextVar&) = delete;

  /// Python: ContextVar.name.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The value in the current context, else the default given at construction;
  /// throws LookupError without either. Python: ContextVar.get().
  [[nodiscard]] T get() const {
    if (const detail::ContextValue* value = detail::ContextData::find(detail::current_context_data(), id_)) {
      return static_cast<const detail::TypedContextValue<T>*>(value)->value;
    }
    if (default_) return *default_;
    throw LookupError(describe());
  }
  /// The value in the current context, else `fallback`. Python: ContextVar.get(default).
  [[nodiscard]] T get(T fallback) const {
    if (const detail::ContextValue* value = detail::ContextData::find(detail::current_context_data(), id_)) {
      return static_cast<const detail::TypedContextValue<T>*>(value)->value;
    }
    return fallback;
  }
  /// Sets the value in the current context. Python: ContextVar.set.
  template <class U = T>
  Token<T> set(U&& value) {
    auto* box = new detail::TypedContextValue<T>(std::forward<U>(value));
    detail::ContextData*& slot = detail::current_context_slot();
    detail::ContextValue* old = detail::ContextData::find(slot, id_);
    if (old != nullptr) old->add_ref();
    detail::ContextData* updated = nullptr;
    try {
      updated = detail::ContextData::with(slot, id_, box);
    } catch (...) {
      box->release();
      if (old != nullptr) old->release();
      throw;
    }
    box->release();  // the map holds it now
    replace(slot, updated);
    return Token<T>(this, detail::current_context_identity(), old);
  }
  /// Restores the value before the set that made `token`. Throws RuntimeError when
  /// the token was used, ValueError when it belongs to another variable or was made
  /// in another context. Python: ContextVar.reset.
  void reset(Token<T>& token) {
    if (token.used_) throw RuntimeError(describe(token) + " has already been used once");
    if (token.var_ != this) throw ValueError(describe(token) + " was created by a different ContextVar");
    if (token.context_ != detail::current_context_identity()) {
      throw ValueError(describe(token) + " was created in a different Context");
    }
    token.used_ = true;
    detail::ContextData*& slot = detail::current_context_slot();
    if (token.old_ == nullptr) {
      if (detail::ContextData::find(slot, id_) == nullptr) throw LookupError(describe());
      replace(slot, detail::ContextData::without(slot, id_));
    } else {
      replace(slot, detail::ContextData::with(slot, id_, token.old_));
    }
  }

  /// Python's repr: "<ContextVar name='x'>" (without the address).
  [[nodiscard]] std::string describe() const { return "<ContextVar name='" + name_ + "'>"; }
  /// The key of this variable in contexts' maps.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  std::string describe(const Token<T>& token) const { return "<Token var=" + token.var_->describe() + ">"; }
  static void replace(detail::ContextData*& slot, detail::ContextData* updated) noexcept {
    detail::ContextData* old = std::exchange(slot, updated);
    detail::context_state().current.data = updated;
    detail::ContextData::release(old);
  }

  std::string name_;
  std::uint64_t id_;
  std::optional<T> default_;
};

template <class T>
std::optional<T> Context::get(const ContextVar<T>& var) const {
  if (const detail::ContextValue* value = detail::ContextData::find(object_->data, var.id())) {
    return static_cast<const detail::TypedContextValue<T>*>(value)->value;
  }
  return std::nullopt;
}

}  // namespace asim
