// SPDX-License-Identifier: MIT
// Schedules: the recorded sequence of a run's choices, its compact string form, and
// the choosers that record one and replay one.
#pragma once

#include <asim/sim/chooser.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asim::sim {

/// One answered choice of a run, at position `index` in the run's sequence of choices.
struct RecordedChoice {
  std::uint64_t index = 0;
  ChoiceKind kind = ChoiceKind::timer_tie;
  std::uint64_t bound = 0;
  std::uint64_t answer = 0;
  /// Filled only when the loop labels its choices (SimOptions::label_choices).
  std::string label;
};

/// A schedule: the answers that differ from CPython's (every other choice is 0), in
/// index order. A seed is only a compact way to produce one; a schedule replays the
/// same run whatever the strategy that found it.
struct Schedule {
  std::vector<RecordedChoice> choices;

  /// `12:timer_tie=1,40:lateness=6`: index, kind and answer of each non-zero choice
  /// ("" for CPython's order).
  [[nodiscard]] std::string to_string() const;
  /// Parses to_string()'s form. Throws ValueError naming `source` (an option or
  /// variable name) and the expected form when `text` is malformed.
  [[nodiscard]] static Schedule parse(std::string_view text, std::string_view source = "schedule");
  /// The number of choices that differ from CPython's order.
  [[nodiscard]] std::size_t size() const noexcept { return choices.size(); }
  [[nodiscard]] bool empty() const noexcept { return choices.empty(); }
};

/// Wraps another chooser (or replays `forced` answers by index, 0 past them) and
/// records every answer, with a running hash of the non-zero ones so that runs can be
/// told apart cheaply (distinct schedules).
class RecordingChooser final : public Chooser {
 public:
  /// Draws from `source`.
  explicit RecordingChooser(Chooser& source, bool keep_labels = false) noexcept
      : source_(&source), keep_labels_(keep_labels) {}
  /// Replays `forced` (answers by index; others 0; a kind that does not match is
  /// answered 0, since the program took another path).
  explicit RecordingChooser(const Schedule& forced, bool keep_labels = false) noexcept
      : forced_(&forced), keep_labels_(keep_labels) {}

  std::uint64_t choose(const Choice& choice) noexcept override;

  /// Also record the zero answers of the first `count` choices (the exhaustive
  /// strategy needs their bounds); by default only non-zero answers are kept.
  void record_zeros_below(std::uint64_t count) noexcept { zeros_below_ = count; }
  /// The choices recorded, in order: every non-zero one, and the zero ones below the
  /// record_zeros_below limit.
  [[nodiscard]] const std::vector<RecordedChoice>& recorded() const noexcept { return recorded_; }
  /// The non-zero choices as a Schedule.
  [[nodiscard]] Schedule schedule() const;
  /// A hash of (index, kind, answer) over the non-zero answers: equal for equal schedules.
  [[nodiscard]] std::uint64_t hash() const noexcept { return hash_; }
  /// Choices asked.
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  /// Starts over (keeps the buffer's capacity).
  void reset() noexcept;

 private:
  Chooser* source_ = nullptr;
  const Schedule* forced_ = nullptr;
  std::size_t forced_next_ = 0;
  bool keep_labels_ = false;
  std::vector<RecordedChoice> recorded_;
  std::uint64_t hash_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t zeros_below_ = 0;
};

}  // namespace asim::sim
