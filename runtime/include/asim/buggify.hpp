// SPDX-License-Identifier: MIT
// asim::buggify: fault points in production code (FoundationDB's BUGGIFY).
#pragma once

#include <string_view>

namespace asim {

/// Whether the fault point `site` fires now. Always false on a real loop (and with no
/// running loop). On the simulated loop each site is enabled for a whole run with
/// some probability and, once enabled, fires with some probability each time it is
/// asked (SimOptions::buggify_*); every decision is a recorded choice, so a failing
/// run replays and shrinks to the few sites that fired.
///
///     if (asim::buggify("cache.drop_entry")) cache.erase(key);      // a lost entry
///     if (asim::buggify("reply.slow")) co_await asim::sleep(0.5);   // a slow reply
[[nodiscard]] bool buggify(std::string_view site) noexcept;

}  // namespace asim
