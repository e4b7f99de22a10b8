#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The CPython asyncio twins of the asim benchmarks (standard library only).

Each workload prints one JSON line: {"impl": "cpython", "workload": ..., "ns_per_op": ...}
(the median of --repeat runs). Workloads that need time run on VirtualLoop, an
asyncio event loop whose selector advances a virtual clock instead of sleeping.

Usage: asyncio_bench.py [--filter SUBSTRING] [--repeat N] [--scale K]
--scale divides every operation count by K (a quicker, noisier run).
"""
import argparse
import asyncio
import json
import random
import selectors
import statistics
import sys
import time
import tracemalloc


class VirtualSelector(selectors.BaseSelector):
    """A selector with no I/O: select(timeout) moves the virtual clock forward."""

    def __init__(self):
        self._map = {}
        self.now = 0.0

    def register(self, fileobj, events, data=None):
        key = selectors.SelectorKey(fileobj, selectors._fileobj_to_fd(fileobj), events, data)
        self._map[fileobj] = key
        return key

    def unregister(self, fileobj):
        return self._map.pop(fileobj)

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError("benchmark loop would block forever")
        if timeout > 0:
            self.now += timeout
        return []

    def get_map(self):
        return self._map


class VirtualLoop(asyncio.SelectorEventLoop):
    """asyncio's own loop, on a virtual clock."""

    def __init__(self):
        self._virtual = VirtualSelector()
        super().__init__(self._virtual)

    def time(self):
        return self._virtual.now


def timed(fn, *args):
    """CPU time of this thread, as the C++ benchmarks report (the machine may be shared)."""
    start = time.thread_time_ns()
    fn(*args)
    return time.thread_time_ns() - start


class running:
    """Makes `loop` the running loop while `_run_once` is driven by hand (what
    run_forever does around its iterations), so that tasks find it."""

    def __init__(self, loop):
        self.loop = loop

    def __enter__(self):
        asyncio.events._set_running_loop(self.loop)

    def __exit__(self, *exc):
        asyncio.events._set_running_loop(None)


# -- the workloads: each returns (elapsed ns of the measured part, ops) -------------

def call_soon_chain(loop, n):
    left = [n]

    def step():
        left[0] -= 1
        if left[0] > 0:
            loop.call_soon(step)
        else:
            loop.stop()

    loop.call_soon(step)
    return timed(loop.run_forever), n


def call_soon_batch(loop, n):
    counter = [0]

    def count_one():
        counter[0] += 1

    def run():
        for _ in range(n):
            loop.call_soon(count_one)
        loop._run_once()

    return timed(run), n


async def trivial(x):
    return x


async def spawn_and_await(n):
    total = 0
    for i in range(n):
        total += await asyncio.create_task(trivial(i))
    return total


def create_task_await(loop, n):
    return timed(loop.run_until_complete, spawn_and_await(n)), n


async def yield_n(n):
    for _ in range(n):
        await asyncio.sleep(0)


def sleep0(loop, n):
    return timed(loop.run_until_complete, yield_n(n)), n


async def await_futures(n):
    loop = asyncio.get_running_loop()
    total = 0
    for _ in range(n):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, 1)
        total += await fut
    return total


def future_wakeup(loop, n):
    return timed(loop.run_until_complete, await_futures(n)), n


async def future_ping(mine, theirs):
    for i in range(len(mine)):
        theirs[i].set_result(i)
        await mine[i]


async def future_pong(mine, theirs):
    for i in range(len(mine)):
        await mine[i]
        theirs[i].set_result(i)


def future_pingpong(loop, n):
    """Two tasks hand over through futures made in advance; one op is one wake-up."""
    rounds = n // 2
    to_ping = [loop.create_future() for _ in range(rounds)]
    to_pong = [loop.create_future() for _ in range(rounds)]
    pong = loop.create_task(future_pong(to_pong, to_ping))
    ping = loop.create_task(future_ping(to_ping, to_pong))
    return timed(loop.run_until_complete, asyncio.gather(ping, pong)), n


async def queue_ping(to, frm, n):
    for i in range(n):
        await to.put(i)
        await frm.get()


async def queue_pong(frm, to, n):
    for _ in range(n):
        await to.put(await frm.get())


async def queue_main(n):
    ping, pong = asyncio.Queue(), asyncio.Queue()
    await asyncio.gather(queue_ping(ping, pong, n), queue_pong(ping, pong, n))


def queue_pingpong(loop, n):
    return timed(loop.run_until_complete, queue_main(n)), n


async def event_ping(mine, theirs, n):
    for _ in range(n):
        theirs.set()
        await mine.wait()
        mine.clear()


async def event_pong(mine, theirs, n):
    for _ in range(n):
        await mine.wait()
        mine.clear()
        theirs.set()


async def event_main(n):
    a, b = asyncio.Event(), asyncio.Event()
    await asyncio.gather(event_ping(a, b, n), event_pong(b, a, n))


def event_pingpong(loop, n):
    return timed(loop.run_until_complete, event_main(n)), n


def call_later_1e6(loop, n):
    rng = random.Random(42)
    fired = [0]

    def count_one():
        fired[0] += 1

    def run():
        for _ in range(n):
            loop.call_later(rng.randrange(1_000_000_000) / 1e9, count_one)
        with running(loop):
            while fired[0] < n:
                loop._run_once()

    return timed(run), n


async def sleeper(seed, sleeps, finish):
    rng = random.Random(seed)
    for _ in range(sleeps):
        await asyncio.sleep(rng.randrange(1_000_000_000) / 1e9)
    finish[0] -= 1
    if finish[0] == 0:
        finish[1].set_result(None)


def sleep_tasks_1e5x10(loop, n, sleeps=10):
    tasks = n // sleeps

    def run():
        finish = [tasks, loop.create_future()]
        for i in range(tasks):
            loop.create_task(sleeper(i, sleeps, finish))
        loop.run_until_complete(finish[1])

    return timed(run), tasks * sleeps


async def sleep_an_hour():
    await asyncio.sleep(3600)


def cancel_1e5(loop, n):
    tasks = [loop.create_task(sleep_an_hour()) for _ in range(n)]
    with running(loop):
        loop._run_once()  # every task is now asleep

        def run():
            for task in tasks:
                task.cancel()
            while not tasks[-1].done():
                loop._run_once()

        elapsed = timed(run)
    assert all(task.cancelled() for task in tasks)
    return elapsed, n


async def gather_main(n):
    results = await asyncio.gather(*[trivial(i) for i in range(n)])
    return results[-1]


def gather_1e5(loop, n):
    return timed(loop.run_until_complete, gather_main(n)), n


# -- streams on a real (selector) loop over loopback ------------------------------

STREAM_CHUNK = 64 * 1024


async def stream_echo(reader, writer):
    while True:
        data = await reader.read(STREAM_CHUNK)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


def on_real_loop(body):
    """Runs body(loop) on a new selector loop: the streams twins need real sockets."""
    real = asyncio.new_event_loop()
    asyncio.set_event_loop(real)
    try:
        return body(real)
    finally:
        asyncio.set_event_loop(None)
        real.close()


async def stream_round_trips(port, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    message = b"x" * 64
    for _ in range(n):
        writer.write(message)
        await writer.drain()
        await reader.readexactly(64)
    writer.close()
    await writer.wait_closed()


def stream_echo_rtt(_loop, n):
    def body(real):
        server = real.run_until_complete(asyncio.start_server(stream_echo, "127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        elapsed = timed(real.run_until_complete, stream_round_trips(port, n))
        server.close()
        real.run_until_complete(server.wait_closed())
        return elapsed, n
    return on_real_loop(body)


async def stream_send_chunks(writer, n):
    chunk = b"y" * STREAM_CHUNK
    for _ in range(n):
        writer.write(chunk)
        await writer.drain()


async def stream_bulk_echo(port, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sender = asyncio.create_task(stream_send_chunks(writer, n))
    left = STREAM_CHUNK * n
    while left > 0:
        data = await reader.read(STREAM_CHUNK)
        if not data:
            break
        left -= len(data)
    await sender
    writer.close()
    await writer.wait_closed()


def stream_echo_64k(_loop, n):
    def body(real):
        server = real.run_until_complete(asyncio.start_server(stream_echo, "127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        elapsed = timed(real.run_until_complete, stream_bulk_echo(port, n))
        server.close()
        real.run_until_complete(server.wait_closed())
        return elapsed, n
    return on_real_loop(body)


WORKLOADS = [
    # name, function, operations per run, runs in --repeat (big ones run once)
    ("call_soon_chain", call_soon_chain, 100_000, True),
    ("call_soon_batch", call_soon_batch, 1_000_000, False),
    ("create_task_await", create_task_await, 100_000, True),
    ("sleep0", sleep0, 100_000, True),
    ("future_wakeup", future_wakeup, 100_000, True),
    ("future_pingpong", future_pingpong, 100_000, True),
    ("queue_pingpong", queue_pingpong, 100_000, True),
    ("event_pingpong", event_pingpong, 100_000, True),
    ("call_later_1e6", call_later_1e6, 1_000_000, False),
    ("sleep_tasks_1e5x10", sleep_tasks_1e5x10, 1_000_000, False),
    ("cancel_1e5", cancel_1e5, 100_000, True),
    ("gather_1e5", gather_1e5, 100_000, True),
    ("stream_echo_rtt", stream_echo_rtt, 10_000, True),
    ("stream_echo_64k", stream_echo_64k, 512, True),
]


def bytes_per_task(n):
    """Heap bytes per task asleep in asyncio.sleep (tracemalloc: task, coroutine, timer)."""
    loop = VirtualLoop()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tasks = [loop.create_task(sleep_an_hour()) for _ in range(n)]
        with running(loop):
            loop._run_once()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        return (after - before) / n
    finally:
        loop.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--filter", default="")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    for name, fn, ops, repeatable in WORKLOADS:
        if args.filter not in name:
            continue
        runs = []
        for _ in range(args.repeat if repeatable else 1):
            loop = VirtualLoop()
            asyncio.set_event_loop(loop)
            try:
                elapsed, done = fn(loop, max(1, ops // args.scale))
            finally:
                asyncio.set_event_loop(None)
                loop.close()
            runs.append(elapsed / done)
        print(json.dumps({"impl": "cpython", "workload": name, "ns_per_op": statistics.median(runs),
                          "ops": max(1, ops // args.scale), "runs": len(runs)}), flush=True)
    if args.filter in "bytes_per_task":
        print(json.dumps({"impl": "cpython", "workload": "bytes_per_task",
                          "bytes_per_task": bytes_per_task(max(1, 100_000 // args.scale))}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
