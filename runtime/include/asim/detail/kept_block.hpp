// SPDX-License-Identifier: MIT
// KeptBlock: a thread keeps the one block of memory its last object of a kind gave
// back, for its next object of that kind.
#pragma once

#include <asim/detail/frame_allocator.hpp>

#include <cstddef>
#include <new>

namespace asim::detail {

/// Whether freed blocks are kept for reuse in this build: the frame cache's switch
/// (off under AddressSanitizer, so that a use of a dead loop's memory is still
/// reported: a kept block is live memory to ASan).
inline constexpr bool keeps_blocks = frame_cache_enabled;

/// Up to `Count` blocks of `Bytes` bytes (aligned to `Align`) per thread and `Tag`,
/// kept from one short-lived object to the next: a program that builds a loop (and a
/// scenario interpreter) per short run, as `asim check` does twice per scenario, takes
/// blocks back instead of an allocation and a free per object. A block is raw memory:
/// its next owner writes before it reads, so a kept block is as good as a new one
/// (nothing of the last owner shows).
///
/// The slots are plain data (no destructor), so an object freed while its thread
/// exits, after the guard below has run, still finds them and frees its blocks itself;
/// the guard frees the blocks left when the thread ends.
template <class Tag, std::size_t Bytes, std::size_t Count = 1,
          std::size_t Align = __STDCPP_DEFAULT_NEW_ALIGNMENT__>
class KeptBlock {
 public:
  /// A kept block, or a new one.
  [[nodiscard]] static void* take() {
    if (void* block = take_kept()) return block;
    if constexpr (Align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      return ::operator new(Bytes, std::align_val_t{Align});
    } else {
      return ::operator new(Bytes);
    }
  }
  /// A kept block, or nullptr (for a caller that allocates otherwise).
  [[nodiscard]] static void* take_kept() noexcept {
    if constexpr (!keeps_blocks) return nullptr;
    Slots& slots = slots_();
    return slots.count == 0 ? nullptr : slots.blocks[--slots.count];
  }
  /// Keeps `block` (of this kind) for the thread's next take(); false when all slots
  /// are full, the thread is exiting, or nothing is kept in this build.
  [[nodiscard]] static bool keep(void* block) noexcept {
    Slots& slots = slots_();
    if (!keeps_blocks || slots.closed || slots.count == Count) return false;
    static thread_local Guard guard;  // frees what is kept when the thread exits
    slots.blocks[slots.count++] = block;
    return true;
  }
  /// Keeps `block` (from take()), or frees it when it cannot be kept.
  static void give_back(void* block) noexcept {
    if (block != nullptr && !keep(block)) release_block(block);
  }

 private:
  struct Slots {
    void* blocks[Count];
    std::size_t count;
    bool closed;  // the thread is exiting: free, do not keep
  };
  struct Guard {
    Guard() noexcept = default;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      Slots& slots = slots_();
      slots.closed = true;
      while (slots.count != 0) release_block(slots.blocks[--slots.count]);
    }
  };
  // Unsized deletes: clang needs -fsized-deallocation for the others.
  static void release_block(void* block) noexcept {
    if constexpr (Align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(block, std::align_val_t{Align});
    } else {
      ::operator delete(block);
    }
  }
  static Slots& slots_() noexcept {
    static thread_local Slots slots{};
    return slots;
  }
};

}  // namespace asim::detail
