// SPDX-License-Identifier: MIT
// The sweep engine: runs under a strategy, coverage, shrinking, reports, regressions.
#include <asim/sim/sweep.hpp>

#include "sweep_plan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

namespace asim::sim {

namespace {

SweepReporter installed_reporter;

// This process's command line, for the replay line: argv[0] alone when the test
// framework supplies the arguments that select the test, else every argument.
std::string command_line(bool program_only) {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string command;
  std::string arg;
  while (cmdline && std::getline(cmdline, arg, '\0')) {
    if (!command.empty()) command += ' ';
    const bool plain = !arg.empty() && arg.find_first_of(" \t'\"$\\;&|<>()*?") == std::string::npos;
    command += plain ? arg : "'" + arg + "'";
    if (program_only) break;
  }
  return command.empty() ? std::string("<program>") : command;
}

// The failure of the exception in flight, named by its class.
std::string describe_current() {
  try {
    throw;
  } catch (const DeadlockError& e) {
    return std::string("DeadlockError: ") + e.what();
  } catch (const StepLimitError& e) {
    return std::string("StepLimitError: ") + e.what();
  } catch (const TimeLimitError& e) {
    return std::string("TimeLimitError: ") + e.what();
  } catch (const InvariantViolation& e) {
    return std::string("InvariantViolation: ") + e.what();
  } catch (...) {
    return describe_exception(std::current_exception());
  }
}

// What shrinking must preserve: the class of the failure (before the first ':'), so
// that a shrink does not slide to another bug.
std::string failure_class(const std::string& failure) { return failure.substr(0, failure.find(':')); }

// Tasks still pending when the body returns are destroyed with the loop; a sweep of
// thousands of seeds reports that once per task otherwise.
void quiet_teardown(EventLoop& loop, const ExceptionContext& context) {
  if (context.message == "Task was destroyed but it is pending!") return;
  loop.default_exception_handler(context);
}

// "1 ms", "250 us": a lateness ladder rung, for reports.
std::string short_duration(std::int64_t ns) {
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + " ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + " us";
  return std::to_string(ns) + " ns";
}

// One run's outcome.
struct Outcome {
  bool failed = false;
  std::string failure;
  std::uint64_t hash = 0;
  std::uint64_t choices = 0;
  Schedule schedule;
  bool cancel_reached = false;
  std::string cancel_task;
  std::string cancel_site;
  std::vector<std::string> leftovers;
};

// Runs the body on fresh loops with the plan's options.
class Runner {
 public:
  Runner(const detail::SweepPlan& plan, void* body, detail::RunBody run) : plan_(plan), body_(body), run_(run) {}

  // One run with `chooser` (already set up to draw or replay), at `point`.
  Outcome run(std::uint64_t seed, RecordingChooser& chooser, const CancelPoint& point, bool labels = false,
              const std::string* trace_path = nullptr) const {
    SimOptions options = plan_.sim;
    options.chooser = &chooser;
    options.cancel_point = point;
    options.label_choices = labels;
    options.trace = trace_path != nullptr;
    Outcome outcome;
    try {
      SimLoop loop(seed, options);
      loop.set_exception_handler(quiet_teardown);
      try {
        run_(body_, loop);
      } catch (...) {
        outcome.failed = true;
        outcome.failure = describe_current();
        loop.record_failure(outcome.failure);
      }
      outcome.cancel_reached = loop.cancel_point_reached();
      outcome.cancel_task = loop.cancel_point_task();
      outcome.cancel_site = loop.cancel_point_site();
      outcome.leftovers = loop.leftover_tasks();
      if (trace_path != nullptr) loop.trace().write(*trace_path);
    } catch (...) {
      // The loop's own construction or teardown failed, or the trace could not be written.
      if (!outcome.failed) {
        outcome.failed = true;
        outcome.failure = describe_current();
      }
    }
    outcome.hash = chooser.hash();
    outcome.choices = chooser.count();
    outcome.schedule = chooser.schedule();
    return outcome;
  }

  // A run of `seed` under the plan's strategy (random or PCT).
  Outcome run_seed(std::uint64_t seed, const CancelPoint& point, std::uint64_t pct_span) const {
    if (plan_.strategy == Strategy::pct) {
      PctChooser pct(seed, pct_depth_, pct_span);
      RecordingChooser chooser(pct);
      return run(seed, chooser, point);
    }
    PrngChooser prng(seed);
    RecordingChooser chooser(prng);
    return run(seed, chooser, point);
  }

  // A run that replays `schedule`.
  Outcome replay(std::uint64_t seed, const Schedule& schedule, const CancelPoint& point, bool labels = false,
                 const std::string* trace_path = nullptr) const {
    RecordingChooser chooser(schedule, labels);
    return run(seed, chooser, point, labels, trace_path);
  }

  void set_pct_depth(std::uint32_t depth) noexcept { pct_depth_ = depth; }

 private:
  const detail::SweepPlan& plan_;
  void* body_;
  detail::RunBody run_;
  std::uint32_t pct_depth_ = 3;
};

// Shrinks a failing schedule toward CPython's order: runs of choices are dropped, then
// each non-zero answer is tried at 0, 1, and ever smaller steps below it; a trial is kept when the run still fails with
// the same class of failure, and the schedule is then re-recorded from that run. Every kept trial lowers the sum of the
// answers, so this ends.
Schedule shrink(const Runner& runner, std::uint64_t seed, const CancelPoint& point, const Outcome& failing,
                std::uint64_t max_runs, std::uint64_t& runs) {
  Schedule current = failing.schedule;
  const std::string wanted = failure_class(failing.failure);
  const auto still_fails = [&](const Schedule& trial) {
    ++runs;
    Outcome attempt = runner.replay(seed, trial, point);
    if (!attempt.failed || failure_class(attempt.failure) != wanted) return false;
    current = std::move(attempt.schedule);
    return true;
  };
  // First drop whole runs of choices, halves then quarters and so on (delta debugging's
  // coarse steps), so that a schedule of many small deviations shrinks in a few runs.
  for (std::size_t width = current.choices.size() / 2; width >= 1 && runs < max_runs; width /= 2) {
    for (std::size_t start = 0; start + width <= current.choices.size() && runs < max_runs;) {
      Schedule trial = current;
      trial.choices.erase(trial.choices.begin() + static_cast<std::ptrdiff_t>(start),
                          trial.choices.begin() + static_cast<std::ptrdiff_t>(start + width));
      if (!still_fails(trial)) start += width;
    }
  }
  bool changed = true;
  while (changed && runs < max_runs) {
    changed = false;
    for (std::size_t i = 0; i < current.choices.size() && !changed && runs < max_runs; ++i) {
      const std::uint64_t answer = current.choices[i].answer;
      const auto with_answer = [&](std::uint64_t candidate) {
        Schedule trial = current;
        if (candidate == 0) {
          trial.choices.erase(trial.choices.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          trial.choices[i].answer = candidate;
        }
        return trial;
      };
      if (answer > 2) {
        // A large answer (a 53-bit random draw) that must stay above some threshold:
        // bisect for the smallest that still fails, in logarithmically many runs.
        const RecordedChoice bisected = current.choices[i];
        std::uint64_t passes = 0;
        std::uint64_t fails = answer;
        while (fails - passes > 1 && runs < max_runs) {
          const std::uint64_t middle = passes + (fails - passes) / 2;
          if (still_fails(with_answer(middle))) {
            fails = middle;
            changed = true;
            // The run may have taken another path: bisect only while the choice is still there.
            if (i >= current.choices.size() || current.choices[i].index != bisected.index ||
                current.choices[i].kind != bisected.kind) {
              break;
            }
          } else {
            passes = middle;
          }
        }
        if (changed) break;
      }
      for (const std::uint64_t candidate : {std::uint64_t{0}, std::uint64_t{1}, answer - 1}) {
        if (candidate >= answer || runs >= max_runs) continue;
        Schedule trial = with_answer(candidate);
        if (still_fails(trial)) {
          changed = true;
          break;
        }
      }
    }
  }
  return current;
}

// What a non-zero answer means, for the report.
std::string explain_answer(const RecordedChoice& choice, const SimOptions& sim) {
  std::string text = "#" + std::to_string(choice.index) + " " + std::string(choice_kind_name(choice.kind)) + " = " +
                     std::to_string(choice.answer);
  auto ladder = [&](double max_seconds, const char* what) {
    const auto max_ns = static_cast<std::int64_t>(max_seconds * 1e9);
    text += " (" + std::string(what) + " " + short_duration(SimLoop::ladder_ns(max_ns, choice.answer)) + ")";
  };
  switch (choice.kind) {
    case ChoiceKind::lateness: ladder(sim.max_lateness, "late by"); break;
    case ChoiceKind::stall: ladder(sim.max_stall, "a stall of"); break;
    case ChoiceKind::executor: ladder(sim.max_executor_delay, "a job of"); break;
    case ChoiceKind::timer_tie:
      text += " (the timer armed " + std::to_string(choice.answer) + (choice.answer == 1 ? " place" : " places") +
              " later runs first)";
      break;
    case ChoiceKind::timeout_race: text += " (the timeout expires with the result)"; break;
    case ChoiceKind::buggify_enable: text += " (site enabled)"; break;
    case ChoiceKind::buggify_fire: text += " (site fires)"; break;
    case ChoiceKind::clock:
      // Network::choose_clock's signed ladder: 1..9 ahead or fast, 10..18 behind or slow.
      text += choice.answer < SimLoop::ladder_size
                  ? " (+ rung " + std::to_string(choice.answer) + " of the ladder)"
                  : " (- rung " + std::to_string(choice.answer - (SimLoop::ladder_size - 1)) + " of the ladder)";
      break;
    default: break;
  }
  if (!choice.label.empty()) text += ": " + choice.label;
  return text;
}

std::string quote(const std::string& text) {
  if (!text.empty() && text.find_first_of(" \t'\"$\\;&|<>()*?#") == std::string::npos) return text;
  return "'" + text + "'";
}

}  // namespace

bool install_sweep_reporter(SweepReporter reporter) noexcept {
  installed_reporter = reporter;
  return true;
}

SweepReporter sweep_reporter() noexcept { return installed_reporter; }

std::string SweepResult::summary() const {
  std::string text = std::string("asim sweep ") + (passed ? "passed" : "failed") + ": " + std::to_string(seeds_run) +
                     (strategy == Strategy::exhaustive ? " schedules" : " seeds") + " of [" + std::to_string(first) +
                     ", " + std::to_string(end) + ")";
  if (total_shards > 1) text += " (shard " + std::to_string(shard_index) + "/" + std::to_string(total_shards) + ")";
  text += ", " + std::to_string(distinct_schedules) + " distinct schedule" + (distinct_schedules == 1 ? "" : "s") +
          ", " + std::string(strategy_name(strategy)) + " strategy";
  text += fmt::format(", {:.2f} s", seconds);
  if (regressions_replayed != 0) text += ", " + std::to_string(regressions_replayed) + " regressions replayed first";
  if (exhausted) text += "; explored all " + std::to_string(seeds_run) + " schedules within the bound";
  if (budget_exhausted) text += "; stopped by the time budget";
  if (runs_with_leftovers != 0) {
    text += fmt::format(
        "\nnote: {} run{} ended with tasks the body left running (cancelled then, as asyncio.run does): '{}'",
        runs_with_leftovers, runs_with_leftovers == 1 ? "" : "s", fmt::join(leftover_tasks, "', '"));
  }
  if (seeds_run > 1 && max_choices == 0) {
    text += "\nwarning: " + std::to_string(seeds_run) + " runs, 1 schedule: this body makes no choices";
  } else if (seeds_run > 1 && distinct_schedules == 1) {
    text += "\nwarning: " + std::to_string(seeds_run) + " runs, 1 schedule: every run took the same schedule";
  }
  return text;
}

std::string SweepResult::message() const {
  if (passed) return summary();
  if (seeds_run == 0 && regression.empty()) return "asim sweep failed: " + failure + "\n" + replay;
  std::string text = "asim sweep failed at seed " + std::to_string(failing_seed);
  if (!regression.empty()) {
    text += " (a regression from " + regression + ")";
  } else {
    text += " (after " + std::to_string(seeds_run) + " runs of seeds [" + std::to_string(first) + ", " +
            std::to_string(end) + ")";
    if (total_shards > 1) text += ", shard " + std::to_string(shard_index) + "/" + std::to_string(total_shards);
    text += ", " + std::string(strategy_name(strategy)) + " strategy, " + std::to_string(distinct_schedules) +
            " distinct schedule" + (distinct_schedules == 1 ? ")" : "s)");
  }
  text += "\n" + failure + "\n";
  if (cancel_suspension != 0) {
    text += "cancelled task '" + cancel_task + "' at its suspension " + std::to_string(cancel_suspension) +
            " (the smallest that fails), awaiting " + cancel_site + "\n";
  }
  if (shrunk.empty()) {
    text += "every choice is CPython's: the run fails in CPython's own order";
  } else {
    text += std::to_string(shrunk.size()) + " choice" + (shrunk.size() == 1 ? "" : "s") + " of the run's " +
            std::to_string(shrunk_run_choices) + " differ from CPython's order";
    if (shrink_runs != 0) {
      text += " (shrunk in " + std::to_string(shrink_runs) + " runs from " + std::to_string(found.size()) + ")";
    }
    text += ":";
    for (const RecordedChoice& choice : shrunk.choices) text += "\n  " + choice.label;
  }
  text += "\n" + replay;
  if (!trace_path.empty()) text += "\ntrace written to " + trace_path;
  return text;
}

namespace detail {

std::string describe_failure(std::exception_ptr error) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (...) {
    return describe_current();
  }
}

void print_line(const std::string& text) { std::fprintf(stderr, "%s\n", text.c_str()); }

SweepResult run_sweep(const SweepOptions& options, void* body, RunBody run) {
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const SweepPlan plan = make_plan(options);
  Runner runner(plan, body, run);
  runner.set_pct_depth(options.pct.depth);

  SweepResult result;
  result.strategy = plan.strategy;
  result.first = plan.first;
  result.end = plan.end;
  result.shard_index = plan.shard_index;
  result.total_shards = plan.total_shards;

  Outcome failing;
  CancelPoint failing_point;
  bool shrinkable = true;
  std::unordered_set<std::uint64_t> hashes;
  const auto note_leftovers = [&](const std::vector<std::string>& leftovers) {
    if (leftovers.empty()) return;
    if (result.runs_with_leftovers++ == 0) result.leftover_tasks = leftovers;
  };
  const auto count = [&](const Outcome& outcome) {
    ++result.seeds_run;
    hashes.insert(outcome.hash);
    result.max_choices = std::max(result.max_choices, outcome.choices);
    note_leftovers(outcome.leftovers);
  };
  const auto fail = [&](std::uint64_t seed, Outcome outcome, const CancelPoint& point) {
    result.passed = false;
    result.failing_seed = seed;
    failing = std::move(outcome);
    failing_point = point;
  };

  // 1. Regressions, then 2. a replayed schedule, then 3. the sweep itself.
  if (!plan.regressions.empty() && !plan.replay_schedule) {
    for (const Regression& regression : load_regressions(plan.regressions, plan.test_id)) {
      ++result.regressions_replayed;
      const CancelPoint point = regression.cancel_point.value_or(CancelPoint{});
      Outcome outcome = runner.replay(regression.seed, regression.schedule, point);
      if (outcome.failed) {
        result.regression = regression.place;
        shrinkable = false;
        fail(regression.seed, std::move(outcome), point);
        break;
      }
    }
  }

  if (result.passed && plan.replay_schedule) {
    const CancelPoint point = plan.replay_cancel_point.value_or(CancelPoint{});
    Outcome outcome = runner.replay(plan.first, *plan.replay_schedule, point);
    count(outcome);
    shrinkable = false;
    if (outcome.failed) fail(plan.first, std::move(outcome), point);
  } else if (result.passed && options.cancel_points.active()) {
    // Cancellation points: for each seed, each task (or the named one), each k.
    const bool every_task = options.cancel_points.task == "*";
    bool target_seen = false;
    for (std::uint64_t seed = plan.first + plan.shard_index; seed < plan.end && result.passed;
         seed += plan.total_shards) {
      for (std::uint32_t task_index = 1; result.passed; ++task_index) {
        bool task_exists = false;
        for (std::uint32_t k = 1; k <= options.cancel_points.max_suspensions && result.passed; ++k) {
          if (plan.time_budget > 0 && elapsed() > plan.time_budget) {
            result.budget_exhausted = true;
            break;
          }
          CancelPoint point;
          point.suspension = k;
          if (every_task) {
            point.task_index = task_index;
          } else {
            point.task = options.cancel_points.task;
          }
          Outcome outcome = runner.run_seed(seed, point, 0);
          count(outcome);
          task_exists = task_exists || !outcome.cancel_task.empty();
          if (outcome.failed) {
            fail(seed, std::move(outcome), point);
          } else if (!outcome.cancel_reached) {
            break;  // the task suspends fewer than k times
          }
        }
        target_seen = target_seen || task_exists;
        if (!every_task || !task_exists || result.budget_exhausted) break;
      }
      if (result.budget_exhausted) break;
    }
    if (result.passed && !target_seen && !result.budget_exhausted) {
      throw ValueError("SweepOptions::cancel_points.task '" + options.cancel_points.task +
                       "': no run had a task of that name that suspended (check the name given to create_task)");
    }
  } else if (result.passed && plan.strategy == Strategy::exhaustive) {
    ExhaustivePlanner planner(options.exhaustive);
    const std::uint64_t cap = plan.end - plan.first;
    while (result.passed) {
      if (result.seeds_run >= cap || (plan.time_budget > 0 && elapsed() > plan.time_budget)) {
        result.budget_exhausted = plan.time_budget > 0 && elapsed() > plan.time_budget;
        break;
      }
      RecordingChooser chooser(planner.prefix());
      chooser.record_zeros_below(options.exhaustive.max_choices);
      Outcome outcome = runner.run(plan.first, chooser, {});
      count(outcome);
      if (outcome.failed) {
        fail(plan.first, std::move(outcome), {});
      } else if (!planner.advance(chooser.recorded())) {
        result.exhausted = true;
        break;
      }
    }
  } else if (result.passed) {
    // Random or PCT over the seeds, on `jobs` threads, in chunks of runs numbered in
    // seed order; the report takes the lowest failing run, so the result is the same
    // for any number of jobs, and memory stays bounded however many seeds there are.
    const std::uint64_t stride = plan.total_shards;
    const std::uint64_t start = plan.first + plan.shard_index;
    const std::uint64_t total = start < plan.end ? (plan.end - start + stride - 1) / stride : 0;
    std::uint64_t pct_span = 0;
    if (plan.strategy == Strategy::pct && total != 0) {
      // PCT places its change points among the choices of a run: learn how many a
      // run makes from one run in CPython's order.
      FifoChooser fifo;
      RecordingChooser chooser(fifo);
      (void)runner.run(start, chooser, {});
      pct_span = chooser.count();
    }
    constexpr std::size_t chunk = 4096;
    std::vector<std::uint64_t> run_hashes(chunk);
    std::vector<std::uint64_t> run_choices(chunk);
    std::vector<char> done(chunk);
    std::vector<std::vector<std::string>> run_leftovers(chunk);
    const unsigned jobs = std::max(1U, plan.jobs);
    for (std::uint64_t base = 0; base < total && result.passed && !result.budget_exhausted; base += chunk) {
      const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - base));
      std::fill(done.begin(), done.begin() + static_cast<std::ptrdiff_t>(size), 0);
      std::atomic<std::size_t> next{0};
      std::atomic<std::size_t> stop_at{size};
      std::atomic<bool> out_of_time{false};
      std::mutex failure_mutex;
      std::size_t failing_index = size;
      Outcome first_failure;
      const auto work = [&] {
        for (;;) {
          const std::size_t i = next.fetch_add(1);
          if (i >= stop_at.load()) return;
          if (plan.time_budget > 0 && elapsed() > plan.time_budget) {
            out_of_time = true;
            return;
          }
          Outcome outcome = runner.run_seed(start + (base + i) * stride, {}, pct_span);
          run_hashes[i] = outcome.hash;
          run_choices[i] = outcome.choices;
          run_leftovers[i] = std::move(outcome.leftovers);
          done[i] = 1;
          if (outcome.failed) {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (i < failing_index) {
              failing_index = i;
              first_failure = std::move(outcome);
              std::size_t limit = stop_at.load();
              while (i < limit && !stop_at.compare_exchange_weak(limit, i)) {
              }
            }
          }
        }
      };
      const unsigned threads_wanted = std::min<unsigned>(jobs, static_cast<unsigned>(size));
      if (threads_wanted <= 1) {
        work();
      } else {
        std::vector<std::thread> threads;
        threads.reserve(threads_wanted);
        for (unsigned j = 0; j < threads_wanted; ++j) threads.emplace_back(work);
        for (std::thread& thread : threads) thread.join();
      }
      // Count the runs up to the failure (all of them, or those done within the budget).
      const std::size_t counted = failing_index < size ? failing_index + 1 : size;
      for (std::size_t i = 0; i < counted; ++i) {
        if (!done[i]) continue;
        ++result.seeds_run;
        hashes.insert(run_hashes[i]);
        result.max_choices = std::max(result.max_choices, run_choices[i]);
        note_leftovers(run_leftovers[i]);
      }
      result.budget_exhausted = out_of_time.load() && failing_index == size;
      if (failing_index < size) fail(start + (base + failing_index) * stride, std::move(first_failure), {});
    }
  }
  result.distinct_schedules = hashes.size();

  if (!result.passed) {
    result.failure = failing.failure;
    result.found = failing.schedule;
    Schedule shrunk = failing.schedule;
    if (shrinkable && options.shrink) {
      shrunk = shrink(runner, result.failing_seed, failing_point, failing, options.max_shrink_runs, result.shrink_runs);
    }
    // The shrunk run once more, with labels (and the trace when asked): the report
    // reads from it, and it must still fail.
    const std::string* trace = plan.trace_path.empty() ? nullptr : &plan.trace_path;
    Outcome labelled = runner.replay(result.failing_seed, shrunk, failing_point, /*labels=*/true, trace);
    if (labelled.failed) {
      result.failure = labelled.failure;
      shrunk = labelled.schedule;
    }
    for (RecordedChoice& choice : shrunk.choices) choice.label = explain_answer(choice, plan.sim);
    result.shrunk = std::move(shrunk);
    result.shrunk_run_choices = labelled.choices;
    if (trace != nullptr) result.trace_path = plan.trace_path;
    if (failing_point.active()) {
      result.cancel_task = labelled.cancel_task.empty() ? failing.cancel_task : labelled.cancel_task;
      result.cancel_suspension = failing_point.suspension;
      result.cancel_site = labelled.cancel_site.empty() ? failing.cancel_site : labelled.cancel_site;
    }

    const SweepReporter reporter = sweep_reporter();
    const std::string arguments = reporter.replay_arguments != nullptr ? reporter.replay_arguments() : std::string();
    const std::string command = command_line(reporter.replay_arguments != nullptr) + arguments;
    std::string variables = "ASIM_SEED=" + std::to_string(result.failing_seed);
    if (!result.shrunk.empty()) variables += " ASIM_SCHEDULE=" + quote(result.shrunk.to_string());
    if (failing_point.active()) variables += " ASIM_CANCEL_POINT=" + quote(format_cancel_point(failing_point));
    result.replay = "replay: " + variables + " " + command + "\ntrace:  " + variables + " ASIM_TRACE=asim-seed-" +
                    std::to_string(result.failing_seed) + ".json " + command;

    if (!plan.regressions.empty() && result.regression.empty()) {
      Regression regression;
      regression.test_id = plan.test_id;
      regression.seed = result.failing_seed;
      regression.schedule = result.shrunk;
      if (failing_point.active()) regression.cancel_point = failing_point;
      if (append_regression(plan.regressions, regression, result.failure)) {
        result.replay += "\nsaved to " + plan.regressions + ": later sweeps replay it first";
      } else {
        result.replay += "\n(could not append to the regression file " + plan.regressions + ")";
      }
    }
  } else if (result.seeds_run == 0 && !result.budget_exhausted) {
    result.passed = false;
    result.failure = "RuntimeError: the sweep ran no seed (empty seed range [" + std::to_string(plan.first) + ", " +
                     std::to_string(plan.end) + ")" +
                     (plan.total_shards > 1 ? " for shard " + std::to_string(plan.shard_index) : std::string()) +
                     "): a sweep that runs nothing proves nothing";
    result.replay = "check SweepOptions::seeds and ASIM_SEEDS";
  }
  result.seconds = elapsed();
  return result;
}

}  // namespace detail

}  // namespace asim::sim
