// SPDX-License-Identifier: MIT
// A mapped scenario file that someone truncates while it is read: the pages past its new
// end vanish from the mapping and the next read of them raises SIGBUS. The loader must
// report a bad file, never crash, so while it reads a mapped text a guard answers that
// SIGBUS. Private to the loaders (program.cpp).
#pragma once

#include <cstddef>

namespace asim::props::detail {

/// While alive, a SIGBUS on [begin, begin + size) in this thread (the file shrank under
/// the reader) maps zero pages over the rest of the range, so the reader goes on over
/// zeros (no JSON: it stops there), and `tripped()` turns true: the caller then throws
/// the result away and reads the file again with read(2). A SIGBUS anywhere else goes
/// to the handler that was there before (by default, the process dies of it as before).
/// One guard per thread at a time.
class TruncationGuard {
 public:
  TruncationGuard(const char* begin, std::size_t size) noexcept;
  ~TruncationGuard();
  TruncationGuard(const TruncationGuard&) = delete;
  TruncationGuard& operator=(const TruncationGuard&) = delete;

  /// The text changed under the reader: what was read from it is not the file.
  [[nodiscard]] bool tripped() const noexcept;
};

}  // namespace asim::props::detail
