// SPDX-License-Identifier: MIT
// The name and text tables of a program being compiled (both compilers use them):
// names interned into slots, texts appended. Private to the loaders (program.cpp).
#pragma once

#include <asim/detail/huge_pages.hpp>
#include <asim/props/program.hpp>

#include <sys/mman.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <vector>

namespace asim::props::detail {

/// a == b, in line: names and statement kinds are a few bytes long, shorter than the
/// call to memcmp that == makes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  // 4 to 16 bytes: two overlapping loads of each (its head and its tail); else byte
  // by byte.
  if (n >= 8 && n <= 16) {
    std::uint64_t x[2];
    std::uint64_t y[2];
    std::memcpy(&x[0], a.data(), 8);
    std::memcpy(&x[1], a.data() + n - 8, 8);
    std::memcpy(&y[0], b.data(), 8);
    std::memcpy(&y[1], b.data() + n - 8, 8);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  if (n >= 4 && n < 8) {
    std::uint32_t x[2];
    std::uint32_t y[2];
    std::memcpy(&x[0], a.data(), 4);
    std::memcpy(&x[1], a.data() + n - 4, 4);
    std::memcpy(&y[0], b.data(), 4);
    std::memcpy(&y[1], b.data() + n - 4, 4);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// Slot and text tables shared by both compilers. Names are interned in an
/// open-addressing table of slots (compared against Program::names, so nothing but the
/// names themselves is stored twice), sized once from a guess; in front of it a small
/// direct-mapped cache of the names used last, since a scenario uses a name mostly
/// right after defining it (a future's set_result and await). Load time is the only
/// time a name is hashed.
class Tables {
 public:
  /// `expected_names`: a guess of the number of names, to size the table once.
  explicit Tables(Program& program, std::size_t expected_names = 32) : program_(program) {
    std::size_t capacity = 64;
    while (capacity / 4 * 3 < expected_names) capacity *= 2;
    allocate(capacity);
    filter_.assign(capacity / 8, 0);
    recent_.fill(Recent{});
    pending_.reserve(pending_capacity);
    program_.names.add("main");
    insert(hash("main"), 0);
    remember(hash("main"));
  }
  Slot slot(std::string_view name) {
    // The name defined last is the one most often used next (a future's set_result and
    // await): it is found without hashing.
    if (last_new_ != no_slot && same_text(program_.names[last_new_], name)) return last_new_;
    return slot(name, hash(name));
  }
  /// The hash of a name about to be bound, whose filter word is fetched now: a reader
  /// that reads a defined name (mostly a new one) a few dozen instructions before it
  /// binds it overlaps that word's cache miss with the rest of the statement.
  [[nodiscard]] std::uint64_t prefetch(std::string_view name) const noexcept {
    const std::uint64_t h = hash(name);
    __builtin_prefetch(&filter_[(h >> 40) & (filter_.size() - 1)]);
    return h;
  }
  /// slot(name) with the name's hash.
  Slot slot(std::string_view name, std::uint64_t h) {
    if (last_new_ != no_slot && same_text(program_.names[last_new_], name)) return last_new_;
    Recent& recent = recent_[h % recent_.size()];
    if (recent.hash == h && recent.slot != no_slot && same_text(program_.names[recent.slot], name)) return recent.slot;
    if (maybe_known(h)) {
      for (const Pending& p : pending_) {
        if (p.hash == h && same_text(program_.names[p.slot], name)) {
          recent = Recent{h, p.slot};
          return p.slot;
        }
      }
      const auto check = static_cast<std::uint32_t>(h >> 32);
      const std::size_t mask = table_.size() - 1;
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Entry entry = table_[i];
        if (entry.slot_plus_one == 0) break;
        if (entry.check == check && same_text(program_.names[entry.slot_plus_one - 1], name)) {
          recent = Recent{h, entry.slot_plus_one - 1};
          return entry.slot_plus_one - 1;
        }
      }
    }
    // A new name. Its entry waits in pending_ with a few others: they are placed
    // together, their table lines fetched at once rather than one miss after another.
    const auto slot = static_cast<Slot>(program_.names.size());
    program_.names.add(name);
    remember(h);
    // Its table line is fetched now, to be there when the batch is placed.
    __builtin_prefetch(&table_[h & (table_.size() - 1)], 1);
    pending_.push_back(Pending{h, slot});
    if (pending_.size() == pending_capacity) place_pending();
    recent = Recent{h, slot};
    last_new_ = slot;
    return slot;
  }
  // Copies rather than moves: the SAX parser's string is its token buffer, whose
  // capacity it reuses for the next token.
  std::uint32_t text(std::string_view text) { return program_.texts.add(text); }

 private:
  // Eight bytes a step, the last one to eight bytes in one or two overlapping loads (a
  // name is mostly one step), then a full mix (splitmix64's finaliser): the table takes
  // the low bits, the filter bits 0-11 and 40 up, the check the high half.
  static std::uint64_t hash(std::string_view text) noexcept {
    constexpr std::uint64_t k1 = 0xbf58476d1ce4e5b9ULL;
    constexpr std::uint64_t k2 = 0x94d049bb133111ebULL;
    const char* p = text.data();
    std::size_t n = text.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n > 8; p += 8, n -= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * k1;
      h ^= h >> 31;
    }
    std::uint64_t w = 0;
    if (n >= 4) {
      std::uint32_t head = 0;
      std::uint32_t tail = 0;
      std::memcpy(&head, p, 4);
      std::memcpy(&tail, p + n - 4, 4);
      w = head | (std::uint64_t{tail} << 32);
    } else if (n > 0) {
      w = static_cast<unsigned char>(p[0]) | (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    h = (h ^ w) * k1;
    h ^= h >> 27;
    h *= k2;
    return h ^ (h >> 31);
  }
  struct Entry {
    std::uint32_t slot_plus_one = 0;  // 0: empty
    std::uint32_t check = 0;          // the hash's high half, to skip most compares
  };
  struct Recent {
    std::uint64_t hash = 0;
    Slot slot = no_slot;
  };
  struct Pending {
    std::uint64_t hash;
    Slot slot;
  };
  static constexpr std::size_t pending_capacity = 16;

  /// A filter of the names' hashes (two bits in one word, 8 bits a table entry): a name
  /// it has not seen is new without a look at the table, which is mostly out of cache.
  [[nodiscard]] bool maybe_known(std::uint64_t h) const noexcept {
    const std::uint64_t word = filter_[(h >> 40) & (filter_.size() - 1)];
    const std::uint64_t bits = (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
    return (word & bits) == bits;
  }
  void remember(std::uint64_t h) noexcept {
    filter_[(h >> 40) & (filter_.size() - 1)] |= (std::uint64_t{1} << (h & 63)) | (std::uint64_t{1} << ((h >> 6) & 63));
  }
  void place_pending() {
    for (const Pending& p : pending_) insert(p.hash, p.slot);
    pending_.clear();
  }
  void insert(std::uint64_t h, Slot slot) {
    // Up to three quarters full: with the filter in front, a probe is mostly a hit or
    // a short run in one cache line, and a big scenario's table is half the pages a
    // table kept half empty would be (each page costs a fault and the kernel's zeroing).
    if ((count_ + 1) * 4 > table_.size() * 3) grow();
    place(Entry{slot + 1, static_cast<std::uint32_t>(h >> 32)}, h);
    ++count_;
  }
  void place(Entry entry, std::uint64_t h) {
    const std::size_t mask = table_.size() - 1;
    std::size_t i = h & mask;
    while (table_[i].slot_plus_one != 0) i = (i + 1) & mask;
    table_[i] = entry;
  }
  void grow() {
    Memory old = std::move(memory_);
    const std::span<Entry> entries = table_;
    allocate(table_.size() * 2);
    for (const Entry entry : entries) {
      if (entry.slot_plus_one != 0) place(entry, hash(program_.names[entry.slot_plus_one - 1]));
    }
  }
  /// A zeroed table of `capacity` entries. A big one is aligned to and advised onto
  /// transparent huge pages: each new name is a random access into it, and with 4 KiB
  /// pages most of them would miss the TLB too. A very big one is mapped on its own:
  /// fresh mapped pages are zero already, so they are not written twice (memset, then
  /// every probe). A smaller one comes from malloc, whose memory the run reuses once
  /// the table is gone (mapped and unmapped, the 4,000-task scenario peaks 1 MB higher).
  void allocate(std::size_t capacity) {
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    constexpr std::size_t mapped_from = std::size_t{16} << 20;
    const std::size_t bytes = capacity * sizeof(Entry);
    if (bytes < mapped_from) {
      const std::size_t align = bytes >= huge_page ? huge_page : alignof(Entry);
      void* memory = std::aligned_alloc(align, (bytes + align - 1) / align * align);
      if (memory == nullptr) throw std::bad_alloc();
      asim::detail::advise_huge_pages(memory, bytes);  // a no-op below one huge page
      std::memset(memory, 0, bytes);
      memory_ = Memory(memory, Release{0});
      table_ = std::span<Entry>(static_cast<Entry*>(memory), capacity);
      return;
    }
    // bytes is a power of two >= huge_page: map one huge page more and cut the ends.
    void* mapped = ::mmap(nullptr, bytes + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto first = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t at = (first + huge_page - 1) & ~std::uintptr_t{huge_page - 1};
    if (at > first) ::munmap(mapped, at - first);
    if (const std::uintptr_t tail = first + huge_page - at; tail > 0) {
      ::munmap(reinterpret_cast<void*>(at + bytes), tail);
    }
    void* memory = reinterpret_cast<void*>(at);
    asim::detail::advise_huge_pages(memory, bytes);
    memory_ = Memory(memory, Release{bytes});
    table_ = std::span<Entry>(static_cast<Entry*>(memory), capacity);
  }
  /// free() for a table from malloc (bytes 0), else munmap of `bytes`.
  struct Release {
    std::size_t bytes;  // (no initialiser: a nested class's is not seen before the class ends)
    void operator()(void* p) const noexcept {
      if (bytes == 0) {
        std::free(p);
      } else {
        ::munmap(p, bytes);
      }
    }
  };
  using Memory = std::unique_ptr<void, Release>;

  Program& program_;
  Memory memory_;
  std::span<Entry> table_;
  std::array<Recent, 64> recent_;
  std::vector<std::uint64_t> filter_;
  std::vector<Pending> pending_;
  std::size_t count_ = 0;
  Slot last_new_ = no_slot;
};

}  // namespace asim::props::detail
