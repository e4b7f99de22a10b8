// SPDX-License-Identifier: MIT
// The engine of `asim demo`: seed sweep, schedule shrinking and the explanation.
#include "demo.hpp"

#include <asim/errors.hpp>
#include <asim/sim/errors.hpp>

#include <algorithm>
#include <exception>
#include <map>
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
  return std::to_string(first) + ":" + std::to_string(end);
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
    return "#" + std::to_string(id) + " ('" + (name.empty() ? std::string("-") : name) + "')";
  };
  std::vector<std::string> lines;
  for (std::size_t later = 0; later < fired.size(); ++later) {
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const std::uint64_t first = fired[earlier];
      const std::uint64_t second = fired[later];
      if (first > second && timers[first].when_ns == timers[second].when_ns) {
        lines.push_back("timers " + who(second) + " and " + who(first) + " were both due at " +
                        short_time(timers[first].when_ns) + " s; this schedule fired #" + std::to_string(first) +
                        " first, arming order (choice 0, CPython's) fires #" + std::to_string(second) + " first");
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
  out += "FAIL seed " + std::to_string(seed) + ": " + failing.failure + "\n";
  const std::vector<Draw>& small = shrunk.draws;
  // The shrunk run once more, traced, to tell what happened.
  const std::vector<std::uint64_t> forced = values(small);
  const Run traced = run_example(options.variant, seed, &forced, /*trace=*/true);
  if (!options.trace_path.empty()) traced.trace.write(options.trace_path);
  std::map<std::uint64_t, TimerInfo> timers = timers_of(traced.trace);
  out += "shrunk the schedule in " + std::to_string(shrunk.runs) + " runs: " + std::to_string(non_default(small)) +
         " of " + std::to_string(small.size()) +
         " choices differ from CPython's order (the seed's schedule: " + std::to_string(non_default(failing.draws)) +
         " of " + std::to_string(failing.draws.size()) + ")\n";
  // The traced run records each non-zero choice with its label, in order.
  std::vector<std::string> labels;
  for (const sim::TraceEvent& event : traced.trace.events()) {
    if (event.kind == sim::TraceEventKind::choice) labels.push_back(event.detail);
  }
  std::size_t labelled = 0;
  for (std::size_t i = 0; i < small.size(); ++i) {
    const Draw& draw = small[i];
    if (draw.value == 0) continue;
    out += "  choice " + std::to_string(i + 1) + ": ";
    out += labelled < labels.size() ? labels[labelled++] : kind_name(draw.kind) + " = " + std::to_string(draw.value);
    out += "\n";
  }
  out += "what happened on the shrunk schedule (virtual time s, task, event):\n";
  const long stale = stale_store(traced.notes);
  for (std::size_t i = 0; i < traced.notes.size(); ++i) {
    const stale_cache::Note& note = traced.notes[i];
    std::string line = "  " + sim::format_time(note.time_ns) + "  " + note.task;
    line.append(line.size() < 23 ? 23 - line.size() : 1, ' ');
    line += note.text;
    if (static_cast<long>(i) == stale) line += "   <- stale: stored after the invalidation";
    out += line + "\n";
  }
  for (const std::string& line : tie_inversions(traced.trace)) out += "why: " + line + "\n";
  out += "the run: " + std::to_string(traced.trace.task_count()) + " tasks, " + std::to_string(traced.steps) +
         " loop steps, " + std::to_string(traced.trace.events().size()) + " trace events";
  out += options.trace_path.empty() ? std::string(" (--trace OUT.json writes them)\n")
                                    : " (written to " + options.trace_path + ")\n";
  out +=
      "the bug: the reader's fetch read the old value before the writer's update, and its store landed after the\n"
      "  writer's invalidation, so the cache serves the old value until the next write: forever here.\n"
      "the fix: store only if no invalidation happened during the fetch (stale_cache::Variant::fixed), which ";
  const Run fixed = run_example(stale_cache::Variant::fixed, seed, &forced);
  out += fixed.failed ? "FAILS this schedule too: " + fixed.failure + "\n" : "passes this schedule.\n";
  report.replay = options.program + " demo --seed " + std::to_string(seed);
  if (options.variant == stale_cache::Variant::fixed) report.replay += " --fixed";
  if (!options.trace_path.empty()) report.replay += " --trace " + options.trace_path;
  out += "replay: " + report.replay + "\n";
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

Report run(const Options& options) {
  Report report;
  std::string out;
  const bool racy = options.variant == stale_cache::Variant::racy;
  if (!options.single_seed) {
    out += std::string("asim demo: examples/stale_cache/stale_cache.hpp, a read-through cache (") +
           (racy ? "racy" : "fixed") + " variant) whose reader races with a writer\n";
    out += "sweeping seeds " + seed_range(options.first_seed, options.end_seed) +
           " on SimLoop (timers with equal deadlines in a chosen order, timers up to 2 ms late)\n";
  } else {
    out += "asim demo: replaying seed " + std::to_string(options.first_seed) + " of examples/stale_cache (" +
           (racy ? "racy" : "fixed") + " variant)\n";
  }
  for (std::uint64_t seed = options.first_seed; seed < options.end_seed; ++seed) {
    ++report.seeds_run;
    const Run attempt = run_example(options.variant, seed);
    if (!attempt.failed) continue;
    report.found = true;
    report.failing_seed = seed;
    report.original = attempt.draws;
    if (!options.single_seed) {
      out += "seed " + std::to_string(seed) + " fails (" + std::to_string(report.seeds_run) + " seeds run)\n";
    }
    const Shrunk shrunk = shrink(options.variant, seed, attempt.draws);
    report.shrunk = shrunk.draws;
    out += explain(options, seed, attempt, shrunk, report);
    report.exit_code = 1;
    report.output = std::move(out);
    return report;
  }
  if (options.single_seed) {
    out += "seed " + std::to_string(options.first_seed) + " passes\n";
    report.output = std::move(out);
    return report;
  }
  out += "no failing seed in " + seed_range(options.first_seed, options.end_seed) + " (" +
         std::to_string(report.seeds_run) + " seeds run)\n";
  report.output = std::move(out);
  return report;
}

}  // namespace asim::tool::demo
