# SPDX-License-Identifier: MIT
# Reference traces for tests/runtime/barrier_test.cpp: each scenario runs on CPython's
# asyncio with a counter of loop iterations and prints "iteration:event" lines.
# Run: python3 barrier_reference.py [scenario...]
import asyncio
import sys

from sync_reference import join_all, run

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
async def barrier_releases_all(rec):
    barrier = asyncio.Barrier(3)

    async def worker(name):
        rec(f"{name} arrives waiting={barrier.n_waiting}")
        index = await barrier.wait()
        rec(f"{name} passed index={index} waiting={barrier.n_waiting}")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "ABCDEF"]
    await join_all(rec, tasks)
    rec(f"done waiting={barrier.n_waiting} broken={barrier.broken}")


@scenario
async def barrier_two_rounds(rec):
    barrier = asyncio.Barrier(2)

    async def worker(name):
        for round in range(2):
            index = await barrier.wait()
            rec(f"{name} round {round} index={index}")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "ABCD"]
    await join_all(rec, tasks)
    rec(f"done waiting={barrier.n_waiting}")


@scenario
async def barrier_abort(rec):
    barrier = asyncio.Barrier(3)

    async def worker(name):
        try:
            await barrier.wait()
        except asyncio.BrokenBarrierError as e:
            rec(f"{name} broken: {e}")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "AB"]
    await asyncio.sleep(0)
    rec(f"aborting waiting={barrier.n_waiting}")
    await barrier.abort()
    rec(f"aborted broken={barrier.broken} waiting={barrier.n_waiting}")
    await join_all(rec, tasks)
    try:
        await barrier.wait()
    except asyncio.BrokenBarrierError as e:
        rec(f"late wait broken: {e}")


@scenario
async def barrier_reset(rec):
    barrier = asyncio.Barrier(3)

    async def worker(name):
        try:
            index = await barrier.wait()
            rec(f"{name} passed {index}")
        except asyncio.BrokenBarrierError as e:
            rec(f"{name} broken: {e}")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "AB"]
    await asyncio.sleep(0)
    await barrier.reset()
    rec(f"reset waiting={barrier.n_waiting} broken={barrier.broken}")
    late = asyncio.create_task(worker("C"), name="C")
    await join_all(rec, tasks)
    rec(f"after reset waiting={barrier.n_waiting}")
    more = [asyncio.create_task(worker(n), name=n) for n in "DE"]
    await join_all(rec, [late] + more)
    rec(f"done waiting={barrier.n_waiting}")


@scenario
async def barrier_cancel_waiter(rec):
    barrier = asyncio.Barrier(2)

    async def worker(name):
        try:
            index = await barrier.wait()
            rec(f"{name} passed {index}")
        except asyncio.CancelledError:
            rec(f"{name} cancelled waiting={barrier.n_waiting}")
            raise

    a = asyncio.create_task(worker("A"), name="A")
    await asyncio.sleep(0)
    rec(f"A waits waiting={barrier.n_waiting}")
    a.cancel()
    await join_all(rec, [a])
    rec(f"after cancel waiting={barrier.n_waiting}")
    b = asyncio.create_task(worker("B"), name="B")
    c = asyncio.create_task(worker("C"), name="C")
    await join_all(rec, [b, c])


@scenario
async def barrier_arrival_while_draining(rec):
    barrier = asyncio.Barrier(2)

    async def worker(name):
        index = await barrier.wait()
        rec(f"{name} passed {index}")

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    rec(f"draining waiting={barrier.n_waiting}")
    c = asyncio.create_task(worker("C"), name="C")
    d = asyncio.create_task(worker("D"), name="D")
    await join_all(rec, [a, b, c, d])


async def cancel_sweep_case(victim, iterations):
    barrier = asyncio.Barrier(3)
    passes = 0

    async def worker():
        nonlocal passes
        for round in range(2):
            try:
                await barrier.wait()
                passes += 1
            except asyncio.BrokenBarrierError:
                return

    tasks = [asyncio.create_task(worker()) for _ in range(3)]
    for _ in range(iterations):
        await asyncio.sleep(0)
    tasks[victim].cancel()
    for _ in range(4):
        await asyncio.sleep(0)
    waiting = barrier.n_waiting
    await barrier.abort()
    for t in tasks:
        try:
            await t
        except asyncio.CancelledError:
            pass
    return f"{victim}/{iterations}: passes={passes} waiting={waiting}"


def cancel_sweep():
    """The outcome of each case of Barrier.CancellingAWaiterAtEachIteration..."""
    for victim in range(3):
        for iterations in range(8):
            print(asyncio.run(cancel_sweep_case(victim, iterations)))


def main():
    if sys.argv[1:] == ["cancel_sweep"]:
        cancel_sweep()
        return
    names = sys.argv[1:] or list(SCENARIOS)
    for name in names:
        print(f"== {name}")
        for line in run(SCENARIOS[name]):
            print(line)


if __name__ == "__main__":
    main()
