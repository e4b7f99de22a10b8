// SPDX-License-Identifier: MIT
// Schedule strings, and the recording / replaying chooser.
#include <asim/errors.hpp>
#include <asim/sim/schedule.hpp>

#include <charconv>
#include <exception>
#include <string>

namespace asim::sim {

namespace {

bool parse_u64(std::string_view text, std::uint64_t& value) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && ptr == end;
}

std::uint64_t mix(std::uint64_t hash, std::uint64_t word) noexcept {
  hash ^= word + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  return hash * 0xbf58476d1ce4e5b9ULL;
}

}  // namespace

std::string Schedule::to_string() const {
  std::string text;
  for (const RecordedChoice& choice : choices) {
    if (!text.empty()) text += ',';
    text += std::to_string(choice.index);
    text += ':';
    text += choice_kind_name(choice.kind);
    text += '=';
    text += std::to_string(choice.answer);
  }
  return text;
}

Schedule Schedule::parse(std::string_view text, std::string_view source) {
  Schedule schedule;
  std::size_t start = 0;
  std::uint64_t last_index = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view entry = text.substr(start, comma - start);
    const auto fail = [&](const std::string& why) {
      throw ValueError(std::string(source) + ": malformed schedule entry '" + std::string(entry) + "' (" + why +
                       "); expected INDEX:KIND=ANSWER[,...], e.g. 12:timer_tie=1,40:lateness=6");
    };
    const std::size_t colon = entry.find(':');
    const std::size_t equals = entry.find('=');
    if (colon == std::string_view::npos || equals == std::string_view::npos || equals < colon)
      fail("missing ':' or '='");
    RecordedChoice choice;
    if (!parse_u64(entry.substr(0, colon), choice.index)) fail("the index is not an unsigned integer");
    if (!choice_kind_from_name(entry.substr(colon + 1, equals - colon - 1), choice.kind)) fail("unknown choice kind");
    if (!parse_u64(entry.substr(equals + 1), choice.answer)) fail("the answer is not an unsigned integer");
    if (choice.answer == 0) fail("a schedule lists only non-zero answers");
    if (!schedule.choices.empty() && choice.index <= last_index) fail("indices must increase");
    last_index = choice.index;
    schedule.choices.push_back(std::move(choice));
    start = comma + 1;
    if (comma + 1 == text.size()) fail("trailing ','");
  }
  return schedule;
}

std::uint64_t RecordingChooser::choose(const Choice& choice) noexcept {
  const std::uint64_t index = count_++;
  std::uint64_t answer = 0;
  if (source_ != nullptr) {
    answer = source_->choose(choice);
  } else {
    const std::vector<RecordedChoice>& forced = forced_->choices;
    while (forced_next_ < forced.size() && forced[forced_next_].index < index) ++forced_next_;
    if (forced_next_ < forced.size() && forced[forced_next_].index == index &&
        forced[forced_next_].kind == choice.kind) {
      answer = forced[forced_next_].answer;
    }
  }
  if (answer >= choice.bound) answer = choice.bound - 1;
  if (answer != 0) {
    hash_ = mix(mix(mix(hash_, index), static_cast<std::uint64_t>(choice.kind)), answer);
  }
  if (answer == 0 && index >= zeros_below_) return 0;
  try {
    RecordedChoice& entry = recorded_.emplace_back();
    entry.index = index;
    entry.kind = choice.kind;
    entry.bound = choice.bound;
    entry.answer = answer;
    if (keep_labels_) entry.label.assign(choice.label);
  } catch (...) {
    std::terminate();  // out of memory inside a noexcept loop hook
  }
  return answer;
}

Schedule RecordingChooser::schedule() const {
  Schedule schedule;
  for (const RecordedChoice& choice : recorded_) {
    if (choice.answer != 0) schedule.choices.push_back(choice);
  }
  return schedule;
}

void RecordingChooser::reset() noexcept {
  recorded_.clear();
  forced_next_ = 0;
  hash_ = 0;
  count_ = 0;
}

}  // namespace asim::sim
