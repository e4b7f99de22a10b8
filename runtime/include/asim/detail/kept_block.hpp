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

/// One block of `Bytes` bytes per thread and `Tag`, kept from one short-lived object
/// to the next: a program that builds a loop (and a scenario interpreter) per short
/// run, as `asim check` does twice per scenario, takes the block back instead of an
/// allocation and a free per object. The block is raw memory: its next owner writes
/// before it reads, so a kept block is as good as a new one (nothing of the last
/// owner shows).
///
/// The slot is plain data (no destructor), so an object freed while its thread exits,
/// after the guard below has run, still finds it and frees its block itself; the guard
/// frees a block left in the slot when the thread ends.
template <class Tag, std::size_t Bytes>
class KeptBlock {
 public:
  /// The kept block, or a new one.
  [[nodiscard]] static void* take() {
    if constexpr (!keeps_blocks) return ::operator new(Bytes);
    Slot& slot = slot_();
    if (void* block = slot.block) {
      slot.block = nullptr;
      return block;
    }
    return ::operator new(Bytes);
  }
  /// Keeps `block` (from take()) for the thread's next take(), or frees it when one is
  /// kept already or the thread is exiting.
  static void give_back(void* block) noexcept {
    if (block == nullptr) return;
    Slot& slot = slot_();
    if (keeps_blocks && slot.block == nullptr && !slot.closed) {
      static thread_local Guard guard;  // frees what is kept when the thread exits
      slot.block = block;
      return;
    }
    ::operator delete(block);  // unsized: clang needs -fsized-deallocation for the other
  }

 private:
  struct Slot {
    void* block;
    bool closed;  // the thread is exiting: free, do not keep
  };
  struct Guard {
    Guard() noexcept = default;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      Slot& slot = slot_();
      slot.closed = true;
      ::operator delete(slot.block);
      slot.block = nullptr;
    }
  };
  static Slot& slot_() noexcept {
    static thread_local Slot slot{nullptr, false};
    return slot;
  }
};

}  // namespace asim::detail
