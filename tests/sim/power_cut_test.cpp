// SPDX-License-Identifier: MIT
// Power-cut crashes of simulated hosts: the host's tasks vanish without running their
// handlers (only the destructors of their frames' locals run), its sockets reset, its
// listeners close; tasks of other hosts awaiting a vanished task see CancelledError.
// Run under -DASIM_SANITIZE=address,undefined: frames die in the middle of a run.
#include <gtest/gtest.h>

#include <asim/asim.hpp>
#include <asim/scoped_release.hpp>
#include <asim/sim/sim.hpp>
#include <asim/sim/sweep.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using asim::Coro;
using asim::StreamReader;
using asim::StreamWriter;
using asim::sim::CrashMode;
using asim::sim::SimLoop;
using asim::sim::SimOptions;

using Log = std::shared_ptr<std::vector<std::string>>;

Log new_log() { return std::make_shared<std::vector<std::string>>(); }

// A local whose destructor says so: frames are destroyed by a power cut.
struct Marker {
  Log log;
  std::string name;
  Marker(Log l, std::string n) : log(std::move(l)), name(std::move(n)) {}
  Marker(const Marker&) = delete;
  Marker& operator=(const Marker&) = delete;
  ~Marker() { log->push_back(name + " destroyed"); }
};

Coro<void> sleeper(Log log, std::string name) {
  Marker marker(log, name + "'s local");
  try {
    co_await asim::sleep(100);
    log->push_back(name + " woke");
  } catch (const asim::CancelledError&) {
    log->push_back(name + "'s handler ran");
    throw;
  }
}

TEST(PowerCut, TheHostsTasksVanishWithoutRunningHandlersButTheirLocalsAreDestroyed) {
  SimLoop loop(1, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    auto& db = network.add_host("db1");
    auto task = db.spawn(sleeper(out, "worker"), "db1.worker");
    co_await asim::sleep(1);
    network.crash("db1", CrashMode::power_cut);
    out->push_back("after the crash: db1 has " + std::to_string(db.task_count()) + " tasks, worker cancelled " +
                   std::to_string(task.cancelled()) + ", timers " + std::to_string(sim.timer_count()));
    try {
      co_await task;
    } catch (const asim::CancelledError& e) {
      out->push_back(std::string("awaiting it raises CancelledError: ") + e.what());
    }
    co_await asim::sleep(200);
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "worker's local destroyed",
      "after the crash: db1 has 0 tasks, worker cancelled 1, timers 0",
      "awaiting it raises CancelledError: host db1 lost power",
  };
  EXPECT_EQ(*log, expected);
}

TEST(PowerCut, ATaskOnAnotherHostAwaitingAVanishedTaskSeesCancelledError) {
  SimLoop loop(2, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    auto& db = network.add_host("db1");
    auto& web = network.add_host("web1");
    auto remote = db.spawn(sleeper(out, "db1 worker"), "db1.worker");
    auto waiter = [](asim::Task<void> awaited, Log l) -> Coro<void> {
      try {
        co_await awaited;
      } catch (const asim::CancelledError& e) {
        l->push_back(std::string("web1 sees CancelledError: ") + e.what());
      }
      l->push_back("web1 goes on at " + std::to_string(asim::get_running_loop().time()));
    };
    auto local = web.spawn(waiter(remote, out), "web1.waiter");
    co_await asim::sleep(1);
    network.crash("db1", CrashMode::power_cut);
    co_await local;
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "db1 worker's local destroyed",
      "web1 sees CancelledError: host db1 lost power",
      "web1 goes on at 1.000000",
  };
  EXPECT_EQ(*log, expected);
}

TEST(PowerCut, AHostThatCutsItsOwnPowerVanishesWhenItsStepEnds) {
  SimLoop loop(3, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto suicide = [](asim::sim::Network& net, Log l) -> Coro<void> {
      Marker marker(l, "its local");
      try {
        net.crash("db1", CrashMode::power_cut);
        l->push_back("the rest of the step runs");
        co_await asim::sleep(1);
        l->push_back("never: the next step");
      } catch (const asim::CancelledError&) {
        l->push_back("never: a handler");
      }
    };
    auto task = sim.network().add_host("db1").spawn(suicide(sim.network(), out), "db1.suicide");
    try {
      co_await task;
    } catch (const asim::CancelledError& e) {
      out->push_back(std::string("cancelled: ") + e.what());
    }
    out->push_back("timers " + std::to_string(sim.timer_count()));
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "the rest of the step runs",
      "its local destroyed",
      "cancelled: host db1 lost power",
      "timers 0",
  };
  EXPECT_EQ(*log, expected);
}

// A lock shared by two hosts: a guard's destructor releases it when its holder
// vanishes; a release written after the await (asyncio's `finally`) never runs.
Coro<void> hold_with_guard(asim::Lock& lock, Log log) {
  co_await lock.acquire();
  asim::ScopedRelease<asim::Lock> guard(lock);
  log->push_back("db1 holds the lock (guarded)");
  co_await asim::sleep(100);
}

Coro<void> hold_by_hand(asim::Lock& lock, Log log) {
  co_await lock.acquire();
  log->push_back("db1 holds the lock (by hand)");
  try {
    co_await asim::sleep(100);
  } catch (...) {
    lock.release();
    throw;
  }
  lock.release();
}

Coro<void> take_lock(asim::Lock& lock, Log log) {
  co_await lock.acquire();
  log->push_back("web1 got the lock at " + std::to_string(asim::get_running_loop().time()));
  lock.release();
}

TEST(PowerCut, DestructorsOfLocalsRunSoAGuardReleasesButAFinallyDoesNot) {
  SimLoop loop(4, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    network.add_host("db1");
    network.add_host("web1");
    asim::Lock guarded;
    asim::Lock by_hand;
    network.host("db1").spawn(hold_with_guard(guarded, out), "db1.guarded");
    network.host("db1").spawn(hold_by_hand(by_hand, out), "db1.by_hand");
    co_await asim::sleep(1);
    auto first = network.host("web1").spawn(take_lock(guarded, out), "web1.guarded");
    auto second = network.host("web1").spawn(take_lock(by_hand, out), "web1.by_hand");
    co_await asim::sleep(1);
    network.crash("db1", CrashMode::power_cut);
    co_await first;
    co_await asim::sleep(1);
    out->push_back("by_hand still locked: " + std::to_string(by_hand.locked()) + ", web1 still waiting: " +
                   std::to_string(!second.done()));
    second.cancel();
    try {
      co_await second;
    } catch (const asim::CancelledError&) {
    }
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "db1 holds the lock (guarded)",
      "db1 holds the lock (by hand)",
      "web1 got the lock at 2.000000",
      "by_hand still locked: 1, web1 still waiting: 1",
  };
  EXPECT_EQ(*log, expected);
}

// Tasks in every kind of wait: a TaskGroup and its children, a gather, wait_for and
// timeout around sleeps, a queue, an event, a lock, a task not started yet and one
// with a step already queued.
Coro<void> child(Log log, int i) {
  Marker marker(log, "child " + std::to_string(i));
  co_await asim::sleep(50 + i);
}

Coro<void> zoo(Log log, std::shared_ptr<asim::Queue<int>> queue, std::shared_ptr<asim::Event> event) {
  Marker marker(log, "zoo");
  auto& loop = asim::get_running_loop();
  auto gathered = asim::gather(child(log, 1), child(log, 2));
  auto waited = loop.create_task(asim::wait_for(child(log, 3), 30.0));
  auto timed = loop.create_task(asim::timeout(30.0, child(log, 4)));
  auto getter = loop.create_task(queue->get());
  auto setter = loop.create_task(event->wait());
  asim::TaskGroup group;
  group.enter();
  group.create_task(child(log, 5));
  group.create_task(child(log, 6));
  co_await asim::sleep(1);
  co_await group.exit(nullptr);
  co_await gathered;
}

TEST(PowerCut, TasksInEveryKindOfWaitVanishWithoutLeavingTimersOrTasks) {
  SimLoop loop(5, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    auto& db = network.add_host("db1");
    auto queue = std::make_shared<asim::Queue<int>>();
    auto event = std::make_shared<asim::Event>();
    db.spawn(zoo(out, queue, event), "db1.zoo");
    // From t=1 on it yields at every iteration: its next step is queued when the power goes.
    auto yielder = [](Log l) -> Coro<void> {
      Marker marker(l, "yielder");
      co_await asim::sleep(1);
      while (true) co_await asim::sleep(0);
    };
    db.spawn(yielder(out), "db1.yielder");
    co_await asim::sleep(0);  // the others arm their timers for t=1 first, so they wake first
    co_await asim::sleep(1);
    db.spawn(child(out, 7), "db1.child7");  // not started when the power goes
    const std::size_t tasks_before = sim.all_tasks().size();
    out->push_back("db1 tasks " + std::to_string(db.task_count()));
    network.crash("db1", CrashMode::power_cut);
    out->push_back("db1 tasks " + std::to_string(db.task_count()) + ", loop tasks " +
                   std::to_string(tasks_before) + " -> " + std::to_string(sim.all_tasks().size()) + ", timers " +
                   std::to_string(sim.timer_count()));
    co_await asim::sleep(100);
    queue->put_nowait(1);
    event->set();
    co_await asim::sleep(0);
  };
  loop.run_until_complete(body(loop, log));
  EXPECT_EQ(loop.timer_count(), 0U);
  EXPECT_EQ(loop.ready_count(), 0U);
  ASSERT_EQ(log->size(), 10U) << ::testing::PrintToString(*log);
  // zoo, yielder, gather's two children, wait_for's outer and inner task, timeout's,
  // the getter, the event waiter, the group's two children and child 7.
  EXPECT_EQ((*log)[0], "db1 tasks 12");
  EXPECT_EQ((*log)[9], "db1 tasks 0, loop tasks 13 -> 1, timers 0");
  // Every frame's locals were destroyed, newest task first (wait_for's inner task
  // was created in the iteration after the group's children; child 7 never started,
  // so its frame held only its parameters).
  const std::vector<std::string> destroyed(log->begin() + 1, log->begin() + 9);
  const std::vector<std::string> expected = {
      "child 3 destroyed", "child 6 destroyed", "child 5 destroyed", "child 4 destroyed",
      "child 2 destroyed", "child 1 destroyed", "yielder destroyed", "zoo destroyed",
  };
  EXPECT_EQ(destroyed, expected);
}

// -- connections -------------------------------------------------------------------

Coro<void> echo_lines(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer, Log log) {
  try {
    while (true) {
      std::string line = co_await reader->readline();
      if (line.empty()) break;
      writer->write(line);
      co_await writer->drain();
    }
  } catch (const asim::ConnectionResetError&) {
    // A client that gave up (its wait_for expired) with the answer unread resets the
    // connection, as Linux does on close: a live handler hears it; not a handler run
    // by a power cut.
    co_return;
  } catch (const asim::CancelledError& e) {
    // The run's end cancels leftover tasks with no message (asyncio.run's cleanup);
    // a crash would say "host db1 crashed", and a power cut says nothing at all.
    if (!e.message().empty()) log->push_back(std::string("never: the echo handler's except: ") + e.what());
    throw;
  } catch (const std::exception& e) {
    log->push_back(std::string("never: the echo handler's except: ") + e.what());
    throw;
  }
  writer->close();
}

Coro<void> echo_server(Log log) {
  auto handler = [log](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return echo_lines(std::move(r), std::move(w), log);
  };
  auto server = co_await asim::start_server(handler, "0.0.0.0", 7000);
  co_await server->serve_forever();
}

Coro<std::string> ask(std::string word) {
  auto [reader, writer] = co_await asim::open_connection("db1", 7000);
  writer->write(word + "\n");
  std::string answer = co_await reader->readline();
  writer->close();
  co_return answer.substr(0, answer.size() - 1);
}

TEST(PowerCut, ConnectionsResetListenersCloseAndRestartRunsTheEntryAgain) {
  SimLoop loop(6, SimOptions::cpython());
  auto log = new_log();
  auto body = [](SimLoop& sim, Log out) -> Coro<void> {
    auto& network = sim.network();
    auto& db = network.add_host("db1");
    auto& web = network.add_host("web1");
    db.set_entry([out] { return echo_server(out); });
    db.start();
    co_await asim::sleep(0);
    auto client = [](asim::sim::Network& net, Log l) -> Coro<void> {
      auto [reader, writer] = co_await asim::open_connection("db1", 7000);
      writer->write("one\n");
      l->push_back("echo " + co_await reader->readline());
      net.crash("db1", CrashMode::power_cut);
      l->push_back("db1 tasks " + std::to_string(net.host("db1").task_count()));
      try {
        (void)co_await reader->readline();
      } catch (const asim::ConnectionResetError& e) {
        l->push_back(std::string("read after the power cut: ") + e.what());
      }
      writer->close();
      net.restart("db1");
      co_await asim::sleep(0);
      l->push_back("after restart: " + co_await ask("two"));
    };
    co_await web.spawn(client(network, out), "web1.client");
    out->push_back("db1 crashes " + std::to_string(db.crashes()));
  };
  loop.run_until_complete(body(loop, log));
  const std::vector<std::string> expected = {
      "echo one\n",
      "db1 tasks 0",
      "read after the power cut: [Errno 104] Connection reset by peer",
      "after restart: two",
      "db1 crashes 1",
  };
  EXPECT_EQ(*log, expected);
}

// A sweep of power cuts at chosen arrivals: clients see resets or timeouts, never a
// hang, a leak or a use after free (the sanitizers watch).
Coro<void> clients_against_a_flaky_server(SimLoop& sim, std::uint64_t* runs_with_a_crash) {
  auto& network = sim.network();
  auto& db = network.add_host("db1");
  auto& web = network.add_host("web1");
  auto log = new_log();
  db.set_entry([log] { return echo_server(log); });
  db.start();
  network.enable_crashes("db1", 0.1, 0.5, CrashMode::power_cut);
  co_await asim::sleep(0);
  auto client = [](int i) -> Coro<void> {
    for (int round = 0; round < 3; ++round) {
      try {
        (void)co_await asim::wait_for(ask("hello " + std::to_string(i)), 2.0);
      } catch (const asim::OSError&) {
      } catch (const asim::IncompleteReadError&) {
      } catch (const asim::TimeoutError&) {
      }
      co_await asim::sleep(0.3);
    }
  };
  std::vector<asim::Task<void>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(web.spawn(client(i)));
  for (auto& task : clients) co_await task;
  if (!log->empty()) throw asim::RuntimeError(log->front());
  if (db.crashes() > 0) ++*runs_with_a_crash;
}

TEST(PowerCut, ASweepOfPowerCutsAtChosenArrivalsNeverHangsOrRunsAHandler) {
  asim::sim::SweepOptions options;
  options.seeds = 150;
  options.use_environment = false;
  options.quiet = true;
  std::uint64_t runs_with_a_crash = 0;
  auto body = [&runs_with_a_crash](SimLoop& sim) { return clients_against_a_flaky_server(sim, &runs_with_a_crash); };
  const asim::sim::SweepResult result = asim::sim::run_sweep(options, body);
  EXPECT_TRUE(result.passed) << result.message();
  EXPECT_GT(runs_with_a_crash, 10U);

  // The same seeds make the same power cuts again.
  const std::uint64_t crashed_first = std::exchange(runs_with_a_crash, 0);
  const asim::sim::SweepResult again = asim::sim::run_sweep(options, body);
  EXPECT_EQ(runs_with_a_crash, crashed_first);
  EXPECT_EQ(again.distinct_schedules, result.distinct_schedules);
  EXPECT_EQ(again.max_choices, result.max_choices);
}

}  // namespace
