// SPDX-License-Identifier: MIT
// TaskName: a task's given name in one word, short names in place.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace asim::detail {

/// The name a task was given, if any, in the one word a std::unique_ptr<std::string>
/// took: a name of up to 7 bytes is kept in the word itself, a longer one in a string
/// on the heap. Scenarios name their tasks "t1", "t2", ... and `asim check` makes
/// five per scenario and run: a heap string each was a fifth of its allocations.
///
/// The word is either a pointer to the heap string (low bit clear; null: no name) or,
/// on little-endian targets, the name in place: byte 0 is (length << 1) | 1, bytes 1..7
/// the name. The empty name is a name (set_name("") gives the name "").
class TaskName {
 public:
  TaskName() noexcept = default;
  TaskName(const TaskName&) = delete;
  TaskName& operator=(const TaskName&) = delete;
  ~TaskName() { release(); }

  void set(std::string name) {
    release();
    if (std::endian::native == std::endian::little && name.size() < sizeof bytes_) {
      std::memset(bytes_, 0, sizeof bytes_);
      bytes_[0] = static_cast<unsigned char>((name.size() << 1) | 1U);
      if (!name.empty()) std::memcpy(bytes_ + 1, name.data(), name.size());
      return;
    }
    std::string* heap = new std::string(std::move(name));
    std::memcpy(bytes_, &heap, sizeof heap);
  }

  [[nodiscard]] bool has_name() const noexcept { return in_place() || heap() != nullptr; }
  /// The name; empty when there is none.
  [[nodiscard]] std::string_view view() const noexcept {
    if (in_place()) return {reinterpret_cast<const char*>(bytes_ + 1), static_cast<std::size_t>(bytes_[0] >> 1U)};
    const std::string* name = heap();
    return name != nullptr ? std::string_view(*name) : std::string_view();
  }

 private:
  [[nodiscard]] bool in_place() const noexcept {
    return std::endian::native == std::endian::little && (bytes_[0] & 1U) != 0;
  }
  [[nodiscard]] std::string* heap() const noexcept {
    std::string* name = nullptr;
    std::memcpy(&name, bytes_, sizeof name);
    return name;
  }
  void release() noexcept {
    if (!in_place()) delete heap();
    std::memset(bytes_, 0, sizeof bytes_);
  }

  alignas(std::string*) unsigned char bytes_[sizeof(std::string*)] = {};
};

}  // namespace asim::detail
