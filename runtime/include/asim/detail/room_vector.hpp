// SPDX-License-Identifier: MIT
// RoomVector: a growable array of trivially copyable values whose first room may be
// lent to it (a piece of a block its owner frees).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace asim::detail {

/// The subset of std::vector the timer heap uses, for values that are copied as
/// bytes. Why not std::vector with an allocator that hands out lent room: a fresh
/// heap sets up 66 of them, and each std::vector built, move-assigned and reserved
/// through a stateful allocator costs some 40 instructions and a destructor call, where
/// lending room here is two stores (a loop per short run, as `asim check` makes two
/// per scenario, made this show: 9 % of the instructions of a check).
///
/// Lent room is never freed here; room this vector took itself (growing past what it
/// was lent) is freed by it. Growth doubles, as std::vector's does.
template <class T>
class RoomVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  RoomVector() noexcept = default;
  RoomVector(const RoomVector&) = delete;
  RoomVector& operator=(const RoomVector&) = delete;
  ~RoomVector() { release(); }

  /// Uses `room` (`capacity` values, owned by the caller and outliving this vector)
  /// as its storage, empty. Frees what it held.
  void lend(T* room, std::size_t capacity) noexcept {
    release();
    data_ = room;
    size_ = 0;
    capacity_ = capacity;
    owned_ = false;
  }

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] T* data() noexcept { return data_; }
  [[nodiscard]] T* begin() noexcept { return data_; }
  [[nodiscard]] T* end() noexcept { return data_ + size_; }
  [[nodiscard]] const T* begin() const noexcept { return data_; }
  [[nodiscard]] const T* end() const noexcept { return data_ + size_; }
  [[nodiscard]] T& operator[](std::size_t i) noexcept { return data_[i]; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] T& front() noexcept { return data_[0]; }
  [[nodiscard]] const T& front() const noexcept { return data_[0]; }
  [[nodiscard]] T& back() noexcept { return data_[size_ - 1]; }

  void push_back(const T& value) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = value;
  }
  void pop_back() noexcept { --size_; }
  void clear() noexcept { size_ = 0; }
  /// Keeps the first `size` values (size <= size()).
  void truncate(std::size_t size) noexcept { size_ = size; }
  /// Removes the first `count` values.
  void drop_front(std::size_t count) noexcept {
    if (count == 0) return;
    std::memmove(data_, data_ + count, (size_ - count) * sizeof(T));
    size_ -= count;
  }
  /// Appends [first, last) (not from this vector).
  void append(const T* first, const T* last) {
    const auto count = static_cast<std::size_t>(last - first);
    if (size_ + count > capacity_) grow(size_ + count);
    if (count != 0) std::memcpy(data_ + size_, first, count * sizeof(T));
    size_ += count;
  }
  void swap(RoomVector& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(owned_, other.owned_);
  }

 private:
  void grow(std::size_t needed) {
    const std::size_t capacity = std::max(needed, capacity_ == 0 ? std::size_t{1} : 2 * capacity_);
    T* fresh = static_cast<T*>(::operator new(capacity * sizeof(T)));
    if (size_ != 0) std::memcpy(fresh, data_, size_ * sizeof(T));
    release();
    data_ = fresh;
    capacity_ = capacity;
    owned_ = true;
  }
  void release() noexcept {
    if (owned_) ::operator delete(data_);  // unsized: clang needs -fsized-deallocation for the other
    owned_ = false;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  bool owned_ = false;  // data_ came from operator new (else it is lent or null)
};

}  // namespace asim::detail
