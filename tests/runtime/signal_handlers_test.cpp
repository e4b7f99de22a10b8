// SPDX-License-Identifier: MIT
// add_signal_handler / remove_signal_handler on the real loop (asyncio: unix_events),
// tested by raising signals to the process. The expected trace comes from
// python/signal_reference.py.
#include <asim/real_loop.hpp>

#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <pthread.h>
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

namespace {

using asim::Coro;
using asim::RealLoop;

struct Trace {
  asim::EventLoop* loop;
  std::vector<std::string> events;
  void operator()(const std::string& event) { events.push_back(std::to_string(loop->iteration()) + ":" + event); }
};

bool blocked_in_this_thread(int sig) {
  sigset_t current;
  pthread_sigmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, sig) == 1;
}

void on_signal(Trace* rec, asim::Future<void>* done, std::string label) {
  (*rec)("handler " + label);
  if (!done->done()) done->set_result();
}

Coro<void> handler_runs_two_iterations_later(Trace& rec, RealLoop& loop) {
  asim::Future<void> done = loop.create_future();
  loop.add_signal_handler(SIGUSR1, on_signal, &rec, &done, std::string("usr1"));
  rec("raise");
  raise(SIGUSR1);
  rec("raised");
  co_await done;
  rec(std::string("removed ") + (loop.remove_signal_handler(SIGUSR1) ? "True" : "False"));
  rec(std::string("removed again ") + (loop.remove_signal_handler(SIGUSR1) ? "True" : "False"));
}

}  // namespace

TEST(SignalHandlers, TheHandlerRunsAsACallbackTwoIterationsAfterTheSignalAsInAsyncio) {
  RealLoop loop;
  Trace rec{&loop, {}};
  loop.run_until_complete(handler_runs_two_iterations_later(rec, loop));
  EXPECT_EQ(rec.events, (std::vector<std::string>{"1:raise", "1:raised", "3:handler usr1", "4:removed True",
                                                  "4:removed again False"}));
  EXPECT_FALSE(blocked_in_this_thread(SIGUSR1));  // the mask is back as it was
}

namespace {
void request_shutdown(asim::Future<int>* stop, int sig) {
  if (!stop->done()) stop->set_result(sig);
}

Coro<int> serve_until_terminated(RealLoop& loop) {
  asim::Future<int> stop = loop.create_future<int>();
  loop.add_signal_handler(SIGTERM, request_shutdown, &stop, SIGTERM);
  // Another thread signals the whole process, as `kill` from a shell would. It is
  // created now, so it inherits the loop thread's mask with SIGTERM blocked.
  std::thread killer([] { kill(getpid(), SIGTERM); });
  const int sig = co_await stop;
  killer.join();
  loop.remove_signal_handler(SIGTERM);
  co_return sig;
}
}  // namespace

TEST(SignalHandlers, AProcessDirectedSignalReachesTheLoopForAGracefulShutdown) {
  RealLoop loop;
  EXPECT_EQ(loop.run_until_complete(serve_until_terminated(loop)), SIGTERM);
}

namespace {
void count(int* n) { ++*n; }

Coro<int> replaced_handler(RealLoop& loop) {
  int first = 0;
  int second = 0;
  loop.add_signal_handler(SIGUSR2, count, &first);
  loop.add_signal_handler(SIGUSR2, count, &second);
  raise(SIGUSR2);
  for (int i = 0; i < 3; ++i) co_await asim::sleep(0);
  loop.remove_signal_handler(SIGUSR2);
  co_return first * 10 + second;
}
}  // namespace

TEST(SignalHandlers, ASecondHandlerForTheSameSignalReplacesTheFirst) {
  RealLoop loop;
  EXPECT_EQ(loop.run_until_complete(replaced_handler(loop)), 1);
}

TEST(SignalHandlers, InvalidSignalNumbersRaiseValueErrorAndUncatchableOnesRuntimeError) {
  RealLoop loop;
  for (int sig : {0, -1, 32, 65}) {
    try {
      loop.add_signal_handler(sig, [] {});
      FAIL() << "no ValueError for " << sig;
    } catch (const asim::ValueError& error) {
      EXPECT_EQ(std::string(error.what()), "invalid signal number " + std::to_string(sig));
    }
    EXPECT_THROW(loop.remove_signal_handler(sig), asim::ValueError);
  }
  for (int sig : {SIGKILL, SIGSTOP}) {
    try {
      loop.add_signal_handler(sig, [] {});
      FAIL() << "no RuntimeError for " << sig;
    } catch (const asim::RuntimeError& error) {
      EXPECT_EQ(std::string(error.what()), "sig " + std::to_string(sig) + " cannot be caught");
    }
    EXPECT_FALSE(loop.remove_signal_handler(sig));
  }
}

TEST(SignalHandlers, AddingOnAClosedLoopRaisesRuntimeError) {
  RealLoop loop;
  loop.close();
  EXPECT_THROW(loop.add_signal_handler(SIGUSR1, [] {}), asim::RuntimeError);
}

TEST(SignalHandlers, DestroyingTheLoopRemovesItsHandlersAndRestoresTheMask) {
  {
    RealLoop loop;
    loop.add_signal_handler(SIGUSR1, [] {});
    EXPECT_TRUE(blocked_in_this_thread(SIGUSR1));
  }
  EXPECT_FALSE(blocked_in_this_thread(SIGUSR1));
}

namespace {
asim::ContextVar<std::string> who("who", "nobody");

void record_who(std::string* seen, asim::Future<void>* done) {
  *seen = who.get();
  if (!done->done()) done->set_result();
}

Coro<std::string> handler_context(RealLoop& loop) {
  std::string seen;
  asim::Future<void> done = loop.create_future();
  who.set("installer");
  loop.add_signal_handler(SIGUSR1, record_who, &seen, &done);
  who.set("later");
  raise(SIGUSR1);
  co_await done;
  loop.remove_signal_handler(SIGUSR1);
  co_return seen;
}
}  // namespace

TEST(SignalHandlers, TheHandlerRunsInTheContextCurrentWhenItWasAdded) {
  RealLoop loop;
  EXPECT_EQ(loop.run_until_complete(handler_context(loop)), "installer");
}
