// SPDX-License-Identifier: MIT
// The names of choice kinds, as schedule strings and reports spell them.
#include <asim/sim/chooser.hpp>

#include <array>

namespace asim::sim {

namespace {

constexpr std::array<std::string_view, choice_kind_count> kind_names = {
    "timer_tie", "lateness",      "stall",          "timeout_race", "io_order",
    "executor",  "random",        "buggify_enable", "buggify_fire", "net_latency",
    "net_loss",  "net_duplicate", "net_reorder",    "crash",        "cancel_point",
    "clock",
};

}  // namespace

std::string_view choice_kind_name(ChoiceKind kind) noexcept {
  const auto index = static_cast<std::size_t>(kind);
  return index < kind_names.size() ? kind_names[index] : std::string_view("unknown");
}

bool choice_kind_from_name(std::string_view name, ChoiceKind& kind) noexcept {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == name) {
      kind = static_cast<ChoiceKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace asim::sim
