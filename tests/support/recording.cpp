// SPDX-License-Identifier: MIT
// The test support library's one translation unit: it carries the precompiled header
// (GoogleTest and asim) that every test target reuses.
#include "support/recording.hpp"
