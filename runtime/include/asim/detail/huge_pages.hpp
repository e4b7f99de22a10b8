// SPDX-License-Identifier: MIT
// Transparent huge pages for large blocks that are written once from start to end.
#pragma once

#include <cstddef>

namespace asim::detail {

/// Asks for transparent huge pages on the whole 2 MiB pages inside [p, p + bytes).
/// Each 4 KiB page touched for the first time costs a fault (on a virtual machine a
/// trap to the hypervisor: a tenth of a big scenario's run, and more); a huge page
/// costs one fault for 512 of them and one TLB entry. Pages never touched still cost
/// nothing; a block with no whole huge page inside is left alone. Only advice: where
/// the kernel declines, nothing changes.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace asim::detail
