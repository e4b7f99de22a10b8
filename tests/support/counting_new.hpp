// SPDX-License-Identifier: MIT
// Allocation counting for the tests that prove a path allocates nothing: a test binary
// that links support/counting_new.cpp has the global operator new replaced, and every
// allocation made while `counting` is true adds one to `allocations`.
#pragma once

#include <cstddef>

namespace asim::testing {

extern std::size_t allocations;
extern bool counting;

}  // namespace asim::testing
