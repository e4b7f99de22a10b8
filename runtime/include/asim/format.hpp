// SPDX-License-Identifier: MIT
// fmt formatters for futures, tasks and handles, printed the way asyncio's reprs
// print them (`<Future pending>`, `<Task finished name='w' result=3>`). Opt-in glue: a
// user who includes this header links fmt (`fmt::fmt`); <asim/asim.hpp> does not
// include it, so asim::runtime itself needs no fmt.
#pragma once

#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/task.hpp>

#include <fmt/format.h>

#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

namespace asim::detail {

/// asyncio: `_future_repr_info`'s state word.
inline std::string_view future_state_word(const FutureBase& future) noexcept {
  switch (future.state()) {
    case FutureBase::State::pending: return "pending";
    case FutureBase::State::cancelled: return "cancelled";
    case FutureBase::State::finished: return "finished";
  }
  return "pending";
}

/// What asyncio's repr of a future or task says, up to its closing `>`, without the
/// result value (the caller knows its type). `nested`: the future a task waits on,
/// printed without its own `wait_for`.
template <class Out>
Out format_future_head(Out out, const FutureBase& future, bool nested = false) {
  const auto* task = dynamic_cast<const TaskBase*>(&future);
  if (task != nullptr) {
    out = fmt::format_to(out, "<Task {} name='{}'", future_state_word(future), task->get_name());
  } else {
    // A labelled waiter (a Lock.acquire's future, a gather) says what it is.
    const std::string label = future.describe();
    out = fmt::format_to(out, "<{} {}", label.empty() ? std::string("Future") : label, future_state_word(future));
  }
  if (future.state() == FutureBase::State::finished && future.stored_exception()) {
    out = fmt::format_to(out, " exception={}", describe_exception(future.stored_exception()));
  }
  if (task != nullptr && !nested && task->awaiting() != nullptr) {
    out = fmt::format_to(out, " wait_for=");
    out = format_future_head(out, *task->awaiting(), true);
    *out++ = '>';
  }
  return out;
}

/// ` result=V` for a finished future whose value fmt can print (strings quoted, as
/// Python's repr quotes them).
template <class Out, class T>
Out format_future_result(Out out, const Future<T>& future) {
  if constexpr (!std::is_void_v<T>) {
    if constexpr (fmt::is_formattable<T>::value) {
      const FutureBase& base = future.base();
      if (base.state() == FutureBase::State::finished && !base.stored_exception()) {
        if constexpr (std::is_convertible_v<const T&, std::string_view>) {
          out = fmt::format_to(out, " result='{}'", std::string_view(future.result()));
        } else {
          out = fmt::format_to(out, " result={}", future.result());
        }
      }
    }
  }
  return out;
}

/// Formats with the width and alignment of a string_view spec (`{:>30}`).
struct ReprFormatter : fmt::formatter<std::string_view> {
  template <class Context>
  auto write(const std::string& text, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};

}  // namespace asim::detail

/// Any future or task: `<Future pending>`, `<Future finished exception=ValueError: x>`,
/// `<Task pending name='Task-1' wait_for=<Future pending>>`, `<Lock.acquire pending>`.
template <>
struct fmt::formatter<asim::FutureBase> : asim::detail::ReprFormatter {
  template <class Context>
  auto format(const asim::FutureBase& future, Context& ctx) const {
    std::string text;
    asim::detail::format_future_head(std::back_inserter(text), future);
    text += '>';
    return write(text, ctx);
  }
};

template <>
struct fmt::formatter<asim::TaskBase> : fmt::formatter<asim::FutureBase> {};

/// `<Future finished result=42>`; an empty handle prints `<Future empty>`.
template <class T>
struct fmt::formatter<asim::Future<T>> : asim::detail::ReprFormatter {
  template <class Context>
  auto format(const asim::Future<T>& future, Context& ctx) const {
    if (!future) return write("<Future empty>", ctx);
    std::string text;
    auto out = asim::detail::format_future_head(std::back_inserter(text), future.base());
    asim::detail::format_future_result(out, future);
    text += '>';
    return write(text, ctx);
  }
};

/// `<Task finished name='worker' result=3>`, `<Task cancelled name='Task-2'>`.
template <class T>
struct fmt::formatter<asim::Task<T>> : fmt::formatter<asim::Future<T>> {
  template <class Context>
  auto format(const asim::Task<T>& task, Context& ctx) const {
    if (!task) return this->write("<Task empty>", ctx);
    return fmt::formatter<asim::Future<T>>::format(task, ctx);
  }
};

template <>
struct fmt::formatter<asim::AnyFuture> : asim::detail::ReprFormatter {
  template <class Context>
  auto format(const asim::AnyFuture& future, Context& ctx) const {
    if (!future) return write("<Future empty>", ctx);
    std::string text;
    asim::detail::format_future_head(std::back_inserter(text), future.base());
    text += '>';
    return write(text, ctx);
  }
};

template <>
struct fmt::formatter<asim::AnyTask> : fmt::formatter<asim::AnyFuture> {};

/// `<Handle>`, `<Handle cancelled>`; a TimerHandle adds its deadline:
/// `<TimerHandle when=1.5>`. An empty handle prints `<Handle empty>`.
template <>
struct fmt::formatter<asim::Handle> : asim::detail::ReprFormatter {
  template <class Context>
  auto format(const asim::Handle& handle, Context& ctx) const {
    if (!handle) return write("<Handle empty>", ctx);
    return write(handle.cancelled() ? "<Handle cancelled>" : "<Handle>", ctx);
  }
};

template <>
struct fmt::formatter<asim::TimerHandle> : asim::detail::ReprFormatter {
  template <class Context>
  auto format(const asim::TimerHandle& handle, Context& ctx) const {
    if (!handle) return write("<TimerHandle empty>", ctx);
    return write(fmt::format("<TimerHandle{} when={}>", handle.cancelled() ? " cancelled" : "", handle.when()), ctx);
  }
};
