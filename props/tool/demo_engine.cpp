// SPDX-License-Identifier: MIT
// The engine of `asim demo`: seed sweep, schedule shrinking and the explanation.
#include "demo.hpp"

#include "bugs/catalog.hpp"

#include <asim/errors.hpp>
#include <asim/sim/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace asim::tool::demo {

namespace {

// Draws the seed's PRNG (or a forced schedule) and records every draw, so that a
// failing run can be replayed and shrunk draw by draw.
class RecordingChooser final : public sim::Chooser {
 public:
  RecordingChooser(std::uint64_t seed, const std::vector<std::uint64_t>* forced) : prng_(seed), forced_(forced) {
    draws_.reserve(256);
  }

  std::uint64_t choose(const sim::Choice& choice) noexcept override {
    std::uint64_t value = 0;
    if (forced_ == nullptr) {
      value = prng_.choose(choice);
    } else if (draws_.size() < forced_->size()) {
      value = std::min((*forced_)[draws_.size()], choice.bound - 1);
    }
    try {
      draws_.push_back({choice.kind, choice.bound, value});
    } catch (...) {
      std::terminate();  // out of memory inside a noexcept loop hook
    }
    return value;
  }

  [[nodiscard]] std::vector<Draw> take() { return std::move(draws_); }

 private:
  sim::PrngChooser prng_;
  const std::vector<std::uint64_t>* forced_;
  std::vector<Draw> draws_;
};

std::string kind_name(sim::ChoiceKind kind) { return std::string(sim::choice_kind_name(kind)); }

// "0.020" for 20 ms: the explanation's short form of a virtual time.
std::string short_time(std::int64_t ns) {
  std::string text = sim::format_time(ns);
  return text.substr(0, text.size() - 6);
}

std::string seed_range(std::uint64_t first, std::uint64_t end) {
  return fmt::format("{}:{}", first, end);
}

struct TimerInfo {
  std::int64_t armed_ns = 0;
  std::int64_t when_ns = 0;
  std::uint32_t task = 0;
};

// Each timer of a trace by id: when and by which task it was armed, when it was due.
std::map<std::uint64_t, TimerInfo> timers_of(const sim::Trace& trace) {
  std::map<std::uint64_t, TimerInfo> timers;
  for (const sim::TraceEvent& event : trace.events()) {
    if (event.kind == sim::TraceEventKind::timer_armed)
      timers[event.timer] = {event.time_ns, event.when_ns, event.task};
  }
  return timers;
}

// The timers a schedule fired out of arming order although their deadlines were equal:
// exactly what a non-zero timer_tie choice changes. One line per such pair.
std::vector<std::string> tie_inversions(const sim::Trace& trace) {
  std::map<std::uint64_t, TimerInfo> timers = timers_of(trace);
  std::vector<std::uint64_t> fired;
  for (const sim::TraceEvent& event : trace.events()) {
    if (event.kind == sim::TraceEventKind::timer_fired && event.timer != 0) fired.push_back(event.timer);
  }
  auto who = [&](std::uint64_t id) {
    const std::string& name = trace.task_name(timers[id].task);
    return fmt::format("#{} ('{}')", id, name.empty() ? "-" : name);
  };
  std::vector<std::string> lines;
  for (std::size_t later = 0; later < fired.size(); ++later) {
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const std::uint64_t first = fired[earlier];
      const std::uint64_t second = fired[later];
      if (first > second && timers[first].when_ns == timers[second].when_ns) {
        lines.push_back(fmt::format("timers {} and {} were both due at {} s; this schedule fired #{} first, arming "
                                    "order (choice 0, CPython's) fires #{} first",
                                    who(second), who(first), short_time(timers[first].when_ns), first, second));
      }
    }
  }
  return lines;
}

// The index of the note where the cache stored a value the backend no longer held
// after an invalidation (the moment the cache went stale for good), or -1.
long stale_store(const std::vector<stale_cache::Note>& notes) {
  std::string backend = "v1";
  bool invalidated = false;
  const std::string stores = "backend stores ";
  const std::string cached = "cache stores ";
  for (std::size_t i = 0; i < notes.size(); ++i) {
    const std::string& text = notes[i].text;
    if (text.rfind(stores, 0) == 0) backend = text.substr(stores.size());
    if (text == "cache invalidated") invalidated = true;
    if (invalidated && text.rfind(cached, 0) == 0 && text.substr(cached.size()) != backend) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

// The report for a failing seed: the same text whether the sweep found it or
// `--seed N` replays it.
std::string explain(const Options& options, std::uint64_t seed, const Run& failing, const Shrunk& shrunk,
                    Report& report) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "FAIL seed {}: {}\n", seed, failing.failure);
  const std::vector<Draw>& small = shrunk.draws;
  // The shrunk run once more, traced, to tell what happened.
  const std::vector<std::uint64_t> forced = values(small);
  const Run traced = run_example(options.variant, seed, &forced, /*trace=*/true);
  if (!options.trace_path.empty()) traced.trace.write(options.trace_path);
  fmt::format_to(it,
                 "shrunk the schedule in {} runs: {} of {} choices differ from CPython's order (the seed's schedule: "
                 "{} of {})\n",
                 shrunk.runs, non_default(small), small.size(), non_default(failing.draws), failing.draws.size());
  // The traced run records each non-zero choice with its label, in order.
  std::vector<std::string> labels;
  for (const sim::TraceEvent& event : traced.trace.events()) {
    if (event.kind == sim::TraceEventKind::choice) labels.push_back(event.detail);
  }
  std::size_t labelled = 0;
  for (std::size_t i = 0; i < small.size(); ++i) {
    const Draw& draw = small[i];
    if (draw.value == 0) continue;
    fmt::format_to(it, "  choice {}: {}", i + 1,
                   labelled < labels.size() ? labels[labelled++] : fmt::format("{} = {}", kind_name(draw.kind), draw.value));
    out += "\n";
  }
  out += "what happened on the shrunk schedule (virtual time s, task, event):\n";
  const long stale = stale_store(traced.notes);
  for (std::size_t i = 0; i < traced.notes.size(); ++i) {
    const stale_cache::Note& note = traced.notes[i];
    // Time and task in a 22-column field (at least one space after), then the event.
    const std::string head = fmt::format("  {}  {}", sim::format_time(note.time_ns), note.task);
    fmt::format_to(it, "{:<22} {}{}\n", head, note.text,
                   static_cast<long>(i) == stale ? "   <- stale: stored after the invalidation" : "");
  }
  for (const std::string& line : tie_inversions(traced.trace)) fmt::format_to(it, "why: {}\n", line);
  fmt::format_to(it, "the run: {} tasks, {} loop steps, {} trace events", traced.trace.task_count(), traced.steps,
                 traced.trace.events().size());
  if (options.trace_path.empty()) {
    out += " (--trace OUT.json writes them)\n";
  } else {
    fmt::format_to(it, " (written to {})\n", options.trace_path);
  }
  out +=
      "the bug: the reader's fetch read the old value before the writer's update, and its store landed after the\n"
      "  writer's invalidation, so the cache serves the old value until the next write: forever here.\n"
      "the fix: store only if no invalidation happened during the fetch (stale_cache::Variant::fixed), which ";
  const Run fixed = run_example(stale_cache::Variant::fixed, seed, &forced);
  out += fixed.failed ? fmt::format("FAILS this schedule too: {}\n", fixed.failure) : "passes this schedule.\n";
  report.replay = fmt::format("{} demo --seed {}", options.program, seed);
  if (options.variant == stale_cache::Variant::fixed) report.replay += " --fixed";
  if (!options.trace_path.empty()) report.replay += " --trace " + options.trace_path;
  fmt::format_to(it, "replay: {}\n", report.replay);
  return out;
}

}  // namespace

sim::SimOptions demo_sim_options() {
  sim::SimOptions options;
  options.choose_timer_ties = true;
  options.choose_lateness = true;
  options.max_lateness = 0.002;
  options.max_steps = 100000;
  options.max_virtual_time = 3600;
  return options;
}

Run run_example(stale_cache::Variant variant, std::uint64_t seed, const std::vector<std::uint64_t>* forced,
                bool trace) {
  RecordingChooser chooser(seed, forced);
  sim::SimOptions options = demo_sim_options();
  options.chooser = &chooser;
  options.trace = trace;
  Run run;
  stale_cache::Journal journal;
  {
    sim::SimLoop loop(seed, options);
    try {
      const stale_cache::Outcome outcome = loop.run_until_complete(stale_cache::service(variant, journal));
      if (!outcome.consistent()) {
        run.failed = true;
        run.failure = "after the writer finished and the cache settled, get() returns " + outcome.served +
                      " but the backend holds " + outcome.backend;
      }
    } catch (...) {
      run.failed = true;
      run.failure = describe_exception(std::current_exception());
    }
    run.steps = loop.step();
    if (trace) run.trace = loop.trace();
  }
  run.draws = chooser.take();
  run.notes = journal.notes();
  return run;
}

std::vector<std::uint64_t> values(const std::vector<Draw>& draws) {
  std::vector<std::uint64_t> out;
  out.reserve(draws.size());
  for (const Draw& draw : draws) out.push_back(draw.value);
  return out;
}

std::size_t non_default(const std::vector<Draw>& draws) {
  return static_cast<std::size_t>(
      std::count_if(draws.begin(), draws.end(), [](const Draw& draw) { return draw.value != 0; }));
}

Shrunk shrink(stale_cache::Variant variant, std::uint64_t seed, const std::vector<Draw>& draws) {
  Shrunk result;
  result.draws = draws;
  // Every accepted change lowers one value and a replay never raises any (it clamps
  // and pads with 0), so the sum of the values falls at each step: this terminates.
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < result.draws.size(); ++i) {
      const std::uint64_t value = result.draws[i].value;
      if (value == 0) continue;
      std::vector<std::uint64_t> candidates = {0, 1, value / 2, value - 1};
      for (const std::uint64_t candidate : candidates) {
        if (candidate >= value) continue;
        std::vector<std::uint64_t> trial = values(result.draws);
        trial[i] = candidate;
        Run attempt = run_example(variant, seed, &trial);
        ++result.runs;
        if (attempt.failed) {
          result.draws = std::move(attempt.draws);
          changed = true;
          break;
        }
      }
    }
  }
  return result;
}

std::vector<std::string> demo_names() {
  std::vector<std::string> names{"stale_cache"};
  for (const examples::bugs::Example& example : examples::bugs::catalog) names.emplace_back(example.name);
  return names;
}

Report run(const Options& options) {
  if (options.name != "stale_cache") {
    const examples::bugs::Example* example = examples::bugs::find_example(options.name);
    if (example == nullptr) throw std::invalid_argument(fmt::format("asim demo: no demo named '{}'", options.name));
    return run_example_bug(options, *example);
  }
  Report report;
  std::string out;
  auto it = std::back_inserter(out);
  const bool racy = options.variant == stale_cache::Variant::racy;
  if (!options.single_seed) {
    fmt::format_to(it,
                   "asim demo: examples/stale_cache/stale_cache.hpp, a read-through cache ({} variant) whose reader "
                   "races with a writer\nsweeping seeds {} on SimLoop (timers with equal deadlines in a chosen order, "
                   "timers up to 2 ms late)\n",
                   racy ? "racy" : "fixed", seed_range(options.first_seed, options.end_seed));
  } else {
    fmt::format_to(it, "asim demo: replaying seed {} of examples/stale_cache ({} variant)\n", options.first_seed,
                   racy ? "racy" : "fixed");
  }
  for (std::uint64_t seed = options.first_seed; seed < options.end_seed; ++seed) {
    ++report.seeds_run;
    const Run attempt = run_example(options.variant, seed);
    if (!attempt.failed) continue;
    report.found = true;
    report.failing_seed = seed;
    report.original = attempt.draws;
    if (!options.single_seed) {
      fmt::format_to(it, "seed {} fails ({} seeds run)\n", seed, report.seeds_run);
    }
    const Shrunk shrunk = shrink(options.variant, seed, attempt.draws);
    report.shrunk = shrunk.draws;
    out += explain(options, seed, attempt, shrunk, report);
    report.exit_code = 1;
    report.output = std::move(out);
    return report;
  }
  if (options.single_seed) {
    fmt::format_to(it, "seed {} passes\n", options.first_seed);
    report.output = std::move(out);
    return report;
  }
  fmt::format_to(it, "no failing seed in {} ({} seeds run)\n", seed_range(options.first_seed, options.end_seed),
                 report.seeds_run);
  report.output = std::move(out);
  return report;
}

}  // namespace asim::tool::demo
