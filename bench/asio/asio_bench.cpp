// SPDX-License-Identifier: MIT
// The Asio twins of the asim benchmarks (standalone Asio, C++20 coroutines:
// awaitable, co_spawn, steady_timer, post). Same names, same counters.
//
// Asio has no virtual clock: the timer workloads use deadlines already in the past
// on the real clock, so that no benchmark waits and each timer is still inserted
// into and fired from Asio's timer heap.
#include "../ops_report.hpp"

#include <asio.hpp>
#include <asio/experimental/channel.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

namespace {

using asim::bench::alloc_stats;
using asim::bench::OpsReport;
using asim::bench::SplitMix;
using asio::awaitable;
using asio::use_awaitable;

// An exception-free completion for co_spawn: errors are ignored (cancellation ends
// coroutines with an exception by design).
constexpr auto ignore_result = [](std::exception_ptr, auto&&...) {};
constexpr auto ignore_void = [](std::exception_ptr) {};

struct Chain {
  asio::io_context* ctx;
  std::int64_t left;
};

void chain_step(Chain* chain) {
  if (--chain->left > 0) asio::post(*chain->ctx, [chain] { chain_step(chain); });
}

void call_soon_chain(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  OpsReport report(n);
  for (auto _ : state) {
    Chain chain{&ctx, n};
    asio::post(ctx, [&chain] { chain_step(&chain); });
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
}
BENCHMARK(call_soon_chain)->Unit(benchmark::kNanosecond);

void call_soon_batch(benchmark::State& state) {
  constexpr std::int64_t n = 1'000'000;
  asio::io_context ctx(1);
  std::int64_t counter = 0;
  OpsReport report(n);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i) asio::post(ctx, [&counter] { ++counter; });
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
  benchmark::DoNotOptimize(counter);
}
BENCHMARK(call_soon_batch)->Unit(benchmark::kNanosecond);

awaitable<std::int64_t> trivial(std::int64_t x) { co_return x; }

awaitable<void> spawn_and_await(std::int64_t n, std::int64_t* out) {
  auto ex = co_await asio::this_coro::executor;
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += co_await asio::co_spawn(ex, trivial(i), use_awaitable);
  *out = sum;
}

void create_task_await(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  std::int64_t sum = 0;
  OpsReport report(n);
  for (auto _ : state) {
    asio::co_spawn(ctx, spawn_and_await(n, &sum), ignore_void);
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
  benchmark::DoNotOptimize(sum);
}
BENCHMARK(create_task_await)->Unit(benchmark::kNanosecond);

awaitable<void> yield_n(std::int64_t n) {
  auto ex = co_await asio::this_coro::executor;
  for (std::int64_t i = 0; i < n; ++i) co_await asio::post(ex, use_awaitable);
}

void sleep0(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  OpsReport report(n);
  for (auto _ : state) {
    asio::co_spawn(ctx, yield_n(n), ignore_void);
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
}
BENCHMARK(sleep0)->Unit(benchmark::kNanosecond);

using Channel = asio::experimental::channel<void(asio::error_code, std::int64_t)>;

awaitable<void> queue_ping(Channel& to, Channel& from, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    co_await to.async_send(asio::error_code{}, i, use_awaitable);
    co_await from.async_receive(use_awaitable);
  }
}

awaitable<void> queue_pong(Channel& from, Channel& to, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t value = co_await from.async_receive(use_awaitable);
    co_await to.async_send(asio::error_code{}, value, use_awaitable);
  }
}

// Two channels with room for one message each, like two asyncio Queues.
void queue_pingpong(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  Channel ping(ctx, 1);
  Channel pong(ctx, 1);
  OpsReport report(n);
  for (auto _ : state) {
    asio::co_spawn(ctx, queue_ping(ping, pong, n), ignore_void);
    asio::co_spawn(ctx, queue_pong(ping, pong, n), ignore_void);
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
}
BENCHMARK(queue_pingpong)->Unit(benchmark::kNanosecond);

/// The usual Asio idiom for an event: a timer that never expires, cancelled to wake
/// its waiters; `is_set` keeps asyncio's Event semantics.
struct TimerEvent {
  explicit TimerEvent(asio::io_context& ctx) : timer(ctx, asio::steady_timer::time_point::max()) {}
  awaitable<void> wait() {
    if (is_set) co_return;
    asio::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  void set() {
    is_set = true;
    timer.cancel();
  }
  void clear() { is_set = false; }
  asio::steady_timer timer;
  bool is_set = false;
};

awaitable<void> event_ping(TimerEvent& mine, TimerEvent& theirs, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    theirs.set();
    co_await mine.wait();
    mine.clear();
  }
}

awaitable<void> event_pong(TimerEvent& mine, TimerEvent& theirs, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    co_await mine.wait();
    mine.clear();
    theirs.set();
  }
}

void event_pingpong(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  TimerEvent a(ctx);
  TimerEvent b(ctx);
  OpsReport report(n);
  for (auto _ : state) {
    a.clear();
    b.clear();
    asio::co_spawn(ctx, event_ping(a, b, n), ignore_void);
    asio::co_spawn(ctx, event_pong(b, a, n), ignore_void);
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
}
BENCHMARK(event_pingpong)->Unit(benchmark::kNanosecond);

// 1e6 timers with distinct deadlines spread over one second in the past.
void call_later_1e6(benchmark::State& state) {
  constexpr std::int64_t n = 1'000'000;
  asio::io_context ctx(1);
  SplitMix random(42);
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  timers.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) timers.push_back(std::make_unique<asio::steady_timer>(ctx));
  std::int64_t fired = 0;
  OpsReport report(n);
  for (auto _ : state) {
    const auto base = std::chrono::steady_clock::now() - std::chrono::seconds(2);
    for (auto& timer : timers) {
      timer->expires_at(base + std::chrono::nanoseconds(random.below(1'000'000'000)));
      timer->async_wait([&fired](asio::error_code) { ++fired; });
    }
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
  benchmark::DoNotOptimize(fired);
}
BENCHMARK(call_later_1e6)->Unit(benchmark::kMillisecond);

awaitable<void> sleeper(std::uint64_t seed, int sleeps, std::chrono::steady_clock::time_point base) {
  SplitMix random(seed);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = base;
  for (int i = 0; i < sleeps; ++i) {
    deadline += std::chrono::nanoseconds(random.below(100'000'000));
    timer.expires_at(deadline);
    co_await timer.async_wait(use_awaitable);
  }
}

// 1e5 coroutines x 10 timer waits, deadlines in the past (see the file comment).
void sleep_tasks_1e5x10(benchmark::State& state) {
  constexpr std::int64_t tasks = 100'000;
  constexpr int sleeps = 10;
  asio::io_context ctx(1);
  OpsReport report(tasks * sleeps);
  for (auto _ : state) {
    const auto base = std::chrono::steady_clock::now() - std::chrono::seconds(2);
    for (std::int64_t i = 0; i < tasks; ++i) {
      asio::co_spawn(ctx, sleeper(static_cast<std::uint64_t>(i), sleeps, base), ignore_void);
    }
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
}
BENCHMARK(sleep_tasks_1e5x10)->Unit(benchmark::kMillisecond);

awaitable<void> sleep_an_hour(asio::steady_timer* timer) {
  timer->expires_after(std::chrono::hours(1));
  co_await timer->async_wait(use_awaitable);  // cancellation throws, as CancelledError does
}

void cancel_1e5(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  for (std::int64_t i = 0; i < n; ++i) timers.push_back(std::make_unique<asio::steady_timer>(ctx));
  OpsReport report(n);
  for (auto _ : state) {
    ctx.restart();
    for (auto& timer : timers) asio::co_spawn(ctx, sleep_an_hour(timer.get()), ignore_void);
    ctx.poll();  // every coroutine now waits on its timer
    const double start = asim::bench::thread_cpu_seconds();
    for (auto& timer : timers) timer->cancel();
    ctx.run();
    const double stop = asim::bench::thread_cpu_seconds();
    state.SetIterationTime(stop - start);
  }
  report.finish(state);
}
BENCHMARK(cancel_1e5)->UseManualTime()->Unit(benchmark::kMillisecond);

awaitable<void> gather_all(std::int64_t n, std::int64_t* out) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::int64_t> results(static_cast<std::size_t>(n));
  std::int64_t left = n;
  TimerEvent all_done(static_cast<asio::io_context&>(ex.context()));
  for (std::int64_t i = 0; i < n; ++i) {
    asio::co_spawn(ex, trivial(i), [&results, &left, &all_done, i](std::exception_ptr, std::int64_t value) {
      results[static_cast<std::size_t>(i)] = value;
      if (--left == 0) all_done.set();
    });
  }
  co_await all_done.wait();
  *out = results.back();
}

// Asio has no ranged gather in 1.22: spawn n coroutines, collect their results in
// order, and wake the parent when the last one completes.
void gather_1e5(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  asio::io_context ctx(1);
  std::int64_t last = 0;
  OpsReport report(n);
  for (auto _ : state) {
    asio::co_spawn(ctx, gather_all(n, &last), ignore_void);
    ctx.restart();
    ctx.run();
  }
  report.finish(state);
  benchmark::DoNotOptimize(last);
}
BENCHMARK(gather_1e5)->Unit(benchmark::kMillisecond);

// -- streams over loopback: the twins of stream_bench.cpp ---------------------------

constexpr std::size_t stream_chunk_bytes = 64 * 1024;

// Echoes what it reads until EOF (asyncio's echo handler: read up to 64 KiB, write it all).
awaitable<void> stream_echo(asio::ip::tcp::socket socket) {
  std::vector<char> buffer(stream_chunk_bytes);
  asio::error_code ec;
  while (true) {
    const std::size_t n =
        co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(socket, asio::buffer(buffer.data(), n), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
}

awaitable<void> stream_accept(asio::ip::tcp::acceptor* acceptor) {
  asio::error_code ec;
  while (true) {
    asio::ip::tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    socket.set_option(asio::ip::tcp::no_delay(true));
    asio::co_spawn(acceptor->get_executor(), stream_echo(std::move(socket)), ignore_void);
  }
}

struct EchoServer {
  asio::io_context ctx{1};
  asio::ip::tcp::acceptor acceptor{ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  EchoServer() { asio::co_spawn(ctx, stream_accept(&acceptor), ignore_void); }
  [[nodiscard]] asio::ip::tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
};

awaitable<void> stream_round_trips(asio::ip::tcp::endpoint server, std::int64_t n) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  socket.set_option(asio::ip::tcp::no_delay(true));
  const std::string message(64, 'x');
  char reply[64];
  for (std::int64_t i = 0; i < n; ++i) {
    co_await asio::async_write(socket, asio::buffer(message), use_awaitable);
    co_await asio::async_read(socket, asio::buffer(reply), use_awaitable);
  }
  socket.close();
}

// One op: write 64 bytes, read the 64 echoed bytes.
void stream_echo_rtt(benchmark::State& state) {
  constexpr std::int64_t n = 10'000;
  EchoServer server;
  OpsReport report(n);
  for (auto _ : state) {
    bool done = false;
    asio::co_spawn(server.ctx, stream_round_trips(server.endpoint(), n), [&done](std::exception_ptr) { done = true; });
    while (!done) server.ctx.run_one();
  }
  report.finish(state);
}
BENCHMARK(stream_echo_rtt)->Unit(benchmark::kMillisecond);

awaitable<void> stream_send_chunks(asio::ip::tcp::socket* socket, std::int64_t n) {
  const std::string chunk(stream_chunk_bytes, 'y');
  for (std::int64_t i = 0; i < n; ++i) co_await asio::async_write(*socket, asio::buffer(chunk), use_awaitable);
}

awaitable<void> stream_bulk_echo(asio::ip::tcp::endpoint server, std::int64_t n) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  socket.set_option(asio::ip::tcp::no_delay(true));
  asio::co_spawn(socket.get_executor(), stream_send_chunks(&socket, n), ignore_void);
  std::vector<char> buffer(stream_chunk_bytes);
  std::size_t left = stream_chunk_bytes * static_cast<std::size_t>(n);
  while (left > 0) left -= co_await socket.async_read_some(asio::buffer(buffer), use_awaitable);
  socket.close();
}

// One op: one 64 KiB chunk written and read back from the echo.
void stream_echo_64k(benchmark::State& state) {
  constexpr std::int64_t n = 512;
  EchoServer server;
  OpsReport report(n);
  for (auto _ : state) {
    bool done = false;
    asio::co_spawn(server.ctx, stream_bulk_echo(server.endpoint(), n), [&done](std::exception_ptr) { done = true; });
    while (!done) server.ctx.run_one();
  }
  report.finish(state);
}
BENCHMARK(stream_echo_64k)->Unit(benchmark::kMillisecond);

awaitable<void> wait_forever(asio::steady_timer* timer) {
  asio::error_code ec;
  co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
}

// Heap bytes held per coroutine parked on a timer (frame, spawn state, timer op).
// The steady_timer objects themselves are counted too, as asim's timer node is.
void bytes_per_task(benchmark::State& state) {
  constexpr std::int64_t n = 100'000;
  double total = 0;
  asim::bench::track_live_bytes(true);
  for (auto _ : state) {
    asio::io_context ctx(1);
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    timers.reserve(n);
    const std::int64_t before = alloc_stats().live_bytes;
    for (std::int64_t i = 0; i < n; ++i) {
      timers.push_back(std::make_unique<asio::steady_timer>(ctx, std::chrono::hours(1)));
      asio::co_spawn(ctx, wait_forever(timers.back().get()), ignore_void);
    }
    ctx.poll();
    total = static_cast<double>(alloc_stats().live_bytes - before) / n;
    for (auto& timer : timers) timer->cancel();
    ctx.run();
  }
  asim::bench::track_live_bytes(false);
  state.counters["bytes_per_task"] = total;
}
BENCHMARK(bytes_per_task)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
