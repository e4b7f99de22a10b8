// SPDX-License-Identifier: MIT
// ScopedRelease: what `co_await lock.scoped()` returns, the `async with lock:` of asim.
#pragma once

#include <asim/errors.hpp>
#include <asim/loop.hpp>

#include <exception>
#include <utility>

namespace asim {

/// Holds an acquired Lock, Condition, Semaphore or BoundedSemaphore and releases it
/// when destroyed (asyncio: `_ContextManagerMixin.__aexit__`). Move-only.
///
/// `release()` gives it back early. A release that throws in the destructor (the
/// primitive was released by hand meanwhile) goes to the running loop's exception
/// handler, since a destructor must not throw.
template <class Primitive>
class [[nodiscard]] ScopedRelease {
 public:
  explicit ScopedRelease(Primitive& primitive) noexcept : primitive_(&primitive) {}
  ScopedRelease(ScopedRelease&& other) noexcept : primitive_(std::exchange(other.primitive_, nullptr)) {}
  ScopedRelease& operator=(ScopedRelease&& other) noexcept {
    if (this != &other) {
      reset();
      primitive_ = std::exchange(other.primitive_, nullptr);
    }
    return *this;
  }
  ScopedRelease(const ScopedRelease&) = delete;
  ScopedRelease& operator=(const ScopedRelease&) = delete;
  ~ScopedRelease() { reset(); }

  /// Releases now; the destructor then does nothing. Throws what the primitive's
  /// `release()` throws.
  void release() {
    if (primitive_ != nullptr) std::exchange(primitive_, nullptr)->release();
  }
  /// True while this guard still has something to release.
  [[nodiscard]] bool owns() const noexcept { return primitive_ != nullptr; }

 private:
  void reset() noexcept {
    if (primitive_ == nullptr) return;
    try {
      std::exchange(primitive_, nullptr)->release();
    } catch (...) {
      if (EventLoop* loop = running_loop()) {
        loop->call_exception_handler({"exception releasing a scoped primitive", std::current_exception(), nullptr});
      }
    }
  }

  Primitive* primitive_;
};

}  // namespace asim
