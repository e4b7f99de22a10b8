// SPDX-License-Identifier: MIT
// An intrusive reference-counting pointer for futures and tasks (single-threaded).
#pragma once

#include <utility>

namespace asim::detail {

/// Holds one reference to a `T` that has `add_ref()` and `release()`.
template <class T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* ptr) noexcept : ptr_(ptr) {
    if (ptr_ != nullptr) ptr_->add_ref();
  }
  /// Takes over a reference the caller already owns.
  static Ref adopt(T* ptr) noexcept {
    Ref ref;
    ref.ptr_ = ptr;
    return ref;
  }
  Ref(const Ref& other) noexcept : Ref(other.ptr_) {}
  Ref(Ref&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  Ref& operator=(Ref other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }
  ~Ref() {
    if (ptr_ != nullptr) ptr_->release();
  }

  [[nodiscard]] T* get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }
  [[nodiscard]] explicit operator bool() const noexcept { return ptr_ != nullptr; }
  friend bool operator==(const Ref& a, const Ref& b) noexcept { return a.ptr_ == b.ptr_; }

 private:
  T* ptr_ = nullptr;
};

}  // namespace asim::detail
