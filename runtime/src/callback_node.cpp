// SPDX-License-Identifier: MIT
// The callback node pool and the node's run / cancel / release.
#include <asim/detail/callback_node.hpp>
#include <asim/detail/huge_pages.hpp>
#include <asim/detail/kept_block.hpp>
#include <asim/future.hpp>
#include <asim/loop.hpp>

#include <cstdint>

namespace asim::detail {

namespace {

// The start of every slab. Blocks start after the header's 128 bytes, so both block
// sizes stay aligned to their own size (a small block is exactly one cache line).
// The first slab of a chunk also links the pool's chunks, for freeing them.
struct SlabHeader {
  CallbackPool* pool;
  void* next_chunk;
};

// A pool starts with single-slab chunks, so a loop that schedules little keeps
// little; once it holds this much it takes 4 MiB chunks whose 2 MiB-aligned interior
// (at least one huge page) is advised onto transparent huge pages: a million timers
// or queued callbacks then stay within the TLB's reach. Chunks are aligned only to
// the slab size: a 2 MiB-aligned request makes glibc map twice the size and keep it.
constexpr std::size_t small_chunks_limit = 256 * 1024;
constexpr std::size_t huge_chunk = 4 * 1024 * 1024;

// A thread's single slabs left by its last loops, for its next loop: a program that
// builds a loop per short run (asim check builds two per scenario) would otherwise
// allocate and free a 16 KiB aligned slab or more per loop. A slab's content is
// rewritten before use (header, then nodes carved and constructed), so a kept one is
// as good as a new one.
struct SlabTag;
using KeptSlabs = KeptBlock<SlabTag, CallbackPool::slab_size, 8, CallbackPool::slab_size>;

constexpr std::size_t slab_header_size = CallbackNode::large_block;
static_assert(sizeof(SlabHeader) <= slab_header_size);

}  // namespace

void CallbackNode::run() {
  // Give the ready queue's reference back even if the callable throws.
  struct Release {
    CallbackNode* node;
    ~Release() {
      node->running_ = false;
      node->release();
    }
  } release_on_exit{this};
  if (cancelled_ || manage_ == nullptr) return;
  running_ = true;
  manage_(*this, Op::invoke);
}

void CallbackNode::cancel() noexcept {
  if (cancelled_) return;
  cancelled_ = true;
  if (in_heap_) {
    if (EventLoop* owner = loop()) owner->timer_handle_cancelled(*this);
  }
  if (!running_) destroy_callable();
}

void CallbackNode::bind_future(FutureBase* future) noexcept {
  if (future != nullptr) future->add_ref();
  if (bound_future_ != nullptr) bound_future_->release();
  bound_future_ = future;
}

void CallbackNode::destroy_callable() noexcept {
  if (manage_ != nullptr && !trivial_) manage_(*this, Op::destroy);
  manage_ = nullptr;
}

void CallbackNode::release_last() noexcept {
  destroy_callable();
  if (!is_timer_ && bound_future_ != nullptr) bind_future(nullptr);
  pool().recycle(this);
}

CallbackPool& CallbackPool::of(const CallbackNode& node) noexcept {
  const auto slab = reinterpret_cast<std::uintptr_t>(&node) & ~(std::uintptr_t{slab_size} - 1);
  return *reinterpret_cast<const SlabHeader*>(slab)->pool;
}

// Carves the next block of its size's current slab (a new slab once that one is used
// up), so consecutive acquisitions walk a slab forwards and a short-lived loop that
// schedules a few callbacks constructs a few nodes, not a slab's 254.
void CallbackPool::grow(bool large) {
  std::byte*& next = large ? carve_large_ : carve_small_;
  std::byte*& end = large ? carve_large_end_ : carve_small_end_;
  if (next == end) {
    auto* slab = static_cast<std::byte*>(take_slab());
    next = slab + slab_header_size;
    end = slab + slab_size;
  }
  auto* node = ::new (next) CallbackNode();
  node->large_ = large;
  next += large ? CallbackNode::large_block : CallbackNode::small_block;
  (large ? free_large_ : free_small_) = node;
}

void* CallbackPool::take_slab() {
  if (spare_slabs_ == 0) {
    const std::size_t bytes = chunk_bytes_ >= small_chunks_limit ? huge_chunk : slab_size;
    void* chunk = bytes == slab_size ? KeptSlabs::take_kept() : nullptr;
    if (chunk == nullptr) chunk = ::operator new (bytes, std::align_val_t{slab_size});
    if (bytes == huge_chunk) advise_huge_pages(chunk, bytes);
    ::new (chunk) SlabHeader{this, chunks_};
    chunks_ = chunk;
    chunk_bytes_ += bytes;
    next_spare_ = chunk;
    spare_slabs_ = bytes / slab_size;
  }
  auto* slab = static_cast<std::byte*>(next_spare_);
  next_spare_ = slab + slab_size;
  --spare_slabs_;
  if (slab != chunks_) ::new (slab) SlabHeader{this, nullptr};
  return slab;
}

using PoolBlock = KeptBlock<CallbackPool, sizeof(CallbackPool)>;

void* CallbackPool::operator new(std::size_t size) {
  return size == sizeof(CallbackPool) ? PoolBlock::take() : ::operator new(size);
}
// Only ever a whole CallbackPool (the class is not derived from).
void CallbackPool::operator delete(void* pool) noexcept { PoolBlock::give_back(pool); }

void CallbackPool::recycle_orphaned() noexcept {
  if (outstanding_ == 0) delete this;
}

void CallbackPool::orphan() noexcept {
  orphaned_ = true;
  loop_ = nullptr;
  if (outstanding_ == 0) delete this;
}

CallbackPool::~CallbackPool() {
  // Below the limit every chunk is a single slab (take_slab): those may be kept.
  const bool single_slabs = chunk_bytes_ <= small_chunks_limit;
  while (chunks_ != nullptr) {
    auto* header = static_cast<SlabHeader*>(chunks_);
    chunks_ = header->next_chunk;
    if (single_slabs && KeptSlabs::keep(header)) continue;
    ::operator delete (header, std::align_val_t{slab_size});  // unsized: clang needs -fsized-deallocation for the other
  }
}

}  // namespace asim::detail
