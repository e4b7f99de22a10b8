# SPDX-License-Identifier: MIT
# Reference traces for tests/runtime/{lock,event,condition,semaphore,queues}_test.cpp:
# each scenario runs on CPython's asyncio with a counter of loop iterations and
# prints "iteration:event" lines. Run: python3 sync_reference.py [scenario...]
import asyncio
import sys

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def run(main_fn):
    loop = asyncio.new_event_loop()
    count = [0]
    orig = loop._run_once

    def counted():
        count[0] += 1
        orig()

    loop._run_once = counted
    events = []

    def rec(s):
        events.append(f"{count[0]}:{s}")

    try:
        loop.run_until_complete(main_fn(rec))
    finally:
        loop.close()
    return events


async def join_all(rec, tasks):
    for t in tasks:
        try:
            await t
        except asyncio.CancelledError:
            rec(f"{t.get_name()} ended cancelled")


# -- Lock ---------------------------------------------------------------------

@scenario
async def lock_fifo(rec):
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        rec(f"{name} wants")
        await lock.acquire()
        rec(f"{name} got")
        await asyncio.sleep(0)
        lock.release()
        rec(f"{name} released")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "ABC"]
    await asyncio.sleep(0)
    rec("main releases")
    lock.release()
    await join_all(rec, tasks)


@scenario
async def lock_cancel_woken(rec):
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            rec(f"{name} cancelled locked={lock.locked()}")
            raise
        rec(f"{name} got")
        lock.release()

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await asyncio.sleep(0)
    lock.release()
    a.cancel()
    rec(f"released and cancelled A locked={lock.locked()}")
    await join_all(rec, [a, b])


@scenario
async def lock_cancel_waiting(rec):
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            rec(f"{name} cancelled locked={lock.locked()}")
            raise
        rec(f"{name} got")
        lock.release()

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await asyncio.sleep(0)
    a.cancel()
    await asyncio.sleep(0)
    rec("main releases")
    lock.release()
    await join_all(rec, [a, b])


@scenario
async def lock_newcomer_queues_behind_woken(rec):
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        await lock.acquire()
        rec(f"{name} got")
        lock.release()

    a = asyncio.create_task(worker("A"), name="A")
    await asyncio.sleep(0)
    lock.release()
    rec(f"main re-acquires locked={lock.locked()}")
    await lock.acquire()
    rec("main got")
    lock.release()
    await join_all(rec, [a])


@scenario
async def lock_fast_path_when_all_waiters_cancelled(rec):
    lock = asyncio.Lock()
    await lock.acquire()

    async def worker(name):
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            rec(f"{name} cancelled locked={lock.locked()}")
            raise
        rec(f"{name} got")
        lock.release()

    a = asyncio.create_task(worker("A"), name="A")
    await asyncio.sleep(0)
    a.cancel()
    lock.release()
    await lock.acquire()
    rec("main got at once")
    lock.release()
    await join_all(rec, [a])


@scenario
async def lock_async_with(rec):
    lock = asyncio.Lock()

    async def worker(name):
        async with lock:
            rec(f"{name} inside locked={lock.locked()}")
            await asyncio.sleep(0)

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await join_all(rec, [a, b])
    rec(f"after locked={lock.locked()}")


# -- Event --------------------------------------------------------------------

@scenario
async def event_set_wakes_all(rec):
    ev = asyncio.Event()

    async def waiter(name):
        rec(f"{name} waits")
        r = await ev.wait()
        rec(f"{name} woke {r} is_set={ev.is_set()}")

    tasks = [asyncio.create_task(waiter(n), name=n) for n in "ABC"]
    await asyncio.sleep(0)
    ev.set()
    ev.clear()
    rec("set and cleared")
    await join_all(rec, tasks)
    d = asyncio.create_task(waiter("D"), name="D")
    await asyncio.sleep(0)
    ev.set()
    r = await ev.wait()
    rec(f"main wait on set event {r}")
    await join_all(rec, [d])


@scenario
async def event_cancel_waiter(rec):
    ev = asyncio.Event()

    async def waiter(name):
        try:
            await ev.wait()
        except asyncio.CancelledError:
            rec(f"{name} cancelled")
            raise
        rec(f"{name} woke")

    a = asyncio.create_task(waiter("A"), name="A")
    b = asyncio.create_task(waiter("B"), name="B")
    await asyncio.sleep(0)
    ev.set()
    a.cancel()
    await join_all(rec, [a, b])


# -- Condition ----------------------------------------------------------------

@scenario
async def condition_notify(rec):
    cond = asyncio.Condition()

    async def waiter(name):
        async with cond:
            rec(f"{name} waits")
            r = await cond.wait()
            rec(f"{name} woke {r} locked={cond.locked()}")

    tasks = [asyncio.create_task(waiter(n), name=n) for n in "ABCD"]
    await asyncio.sleep(0)
    async with cond:
        cond.notify()
        cond.notify()
        rec("notified 2")
        await asyncio.sleep(0)
        rec("main still holds")
    await asyncio.sleep(0)
    async with cond:
        cond.notify_all()
        rec("notified all")
    await join_all(rec, tasks)


@scenario
async def condition_wait_for(rec):
    cond = asyncio.Condition()
    state = [0]

    async def consumer(name, target):
        async with cond:
            r = await cond.wait_for(lambda: state[0] >= target and state[0])
            rec(f"{name} saw {r}")

    tasks = [asyncio.create_task(consumer("A", 2), name="A"), asyncio.create_task(consumer("B", 1), name="B")]
    for i in range(3):
        await asyncio.sleep(0)
        async with cond:
            state[0] += 1
            rec(f"state {state[0]}")
            cond.notify_all()
    await join_all(rec, tasks)


@scenario
async def condition_cancel_while_waiting(rec):
    cond = asyncio.Condition()

    async def waiter(name):
        await cond.acquire()
        try:
            await cond.wait()
            rec(f"{name} woke")
        except asyncio.CancelledError:
            rec(f"{name} cancelled locked={cond.locked()}")
            raise
        finally:
            cond.release()

    a = asyncio.create_task(waiter("A"), name="A")
    await asyncio.sleep(0)
    await cond.acquire()
    a.cancel()
    rec("main holds lock, cancelled A")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    rec("main releases")
    cond.release()
    await join_all(rec, [a])


@scenario
async def condition_cancel_while_reacquiring(rec):
    cond = asyncio.Condition()

    async def waiter(name):
        await cond.acquire()
        try:
            await cond.wait()
            rec(f"{name} woke")
        except asyncio.CancelledError as e:
            rec(f"{name} cancelled locked={cond.locked()} msg={e.args}")
            raise
        finally:
            cond.release()

    a = asyncio.create_task(waiter("A"), name="A")
    await asyncio.sleep(0)
    await cond.acquire()
    cond.notify()
    await asyncio.sleep(0)
    rec("A now waits for the lock")
    a.cancel("stop")
    await asyncio.sleep(0)
    rec("main releases")
    cond.release()
    await join_all(rec, [a])


# -- Semaphore ----------------------------------------------------------------

@scenario
async def semaphore_fifo_and_limit(rec):
    sem = asyncio.Semaphore(2)

    async def worker(name):
        await sem.acquire()
        rec(f"{name} in value={sem._value}")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        sem.release()
        rec(f"{name} out")

    tasks = [asyncio.create_task(worker(n), name=n) for n in "ABCDE"]
    await join_all(rec, tasks)
    rec(f"value={sem._value}")


@scenario
async def semaphore_cancel_woken(rec):
    sem = asyncio.Semaphore(0)

    async def worker(name):
        try:
            await sem.acquire()
        except asyncio.CancelledError:
            rec(f"{name} cancelled value={sem._value}")
            raise
        rec(f"{name} got value={sem._value}")
        sem.release()

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await asyncio.sleep(0)
    sem.release()
    a.cancel()
    rec(f"released, cancelled A value={sem._value} locked={sem.locked()}")
    await join_all(rec, [a, b])
    rec(f"value={sem._value}")


@scenario
async def semaphore_cancel_waiting(rec):
    sem = asyncio.Semaphore(0)

    async def worker(name):
        try:
            await sem.acquire()
        except asyncio.CancelledError:
            rec(f"{name} cancelled value={sem._value}")
            raise
        rec(f"{name} got value={sem._value}")
        sem.release()

    a = asyncio.create_task(worker("A"), name="A")
    b = asyncio.create_task(worker("B"), name="B")
    await asyncio.sleep(0)
    a.cancel()
    rec(f"cancelled A locked={sem.locked()}")
    await asyncio.sleep(0)
    sem.release()
    await join_all(rec, [a, b])
    rec(f"value={sem._value}")


@scenario
async def semaphore_woken_waiter_wakes_next(rec):
    sem = asyncio.Semaphore(0)

    async def worker(name):
        await sem.acquire()
        rec(f"{name} got value={sem._value}")

    a = asyncio.create_task(worker("A"), name="A")
    await asyncio.sleep(0)
    sem.release()
    sem.release()
    rec(f"released twice value={sem._value} locked={sem.locked()}")
    c = asyncio.create_task(worker("C"), name="C")
    await join_all(rec, [a, c])
    rec(f"value={sem._value}")


@scenario
async def semaphore_newcomer_does_not_overtake(rec):
    sem = asyncio.Semaphore(0)

    async def worker(name):
        await sem.acquire()
        rec(f"{name} got")
        sem.release()

    a = asyncio.create_task(worker("A"), name="A")
    await asyncio.sleep(0)
    sem.release()
    rec(f"main acquires locked={sem.locked()}")
    await sem.acquire()
    rec("main got")
    sem.release()
    await join_all(rec, [a])
    rec(f"value={sem._value}")


# -- Queue --------------------------------------------------------------------

@scenario
async def queue_bounded_producer_consumer(rec):
    q = asyncio.Queue(2)

    async def producer():
        for i in range(5):
            await q.put(i)
            rec(f"put {i} qsize={q.qsize()}")
        await q.put(None)

    async def consumer():
        while True:
            item = await q.get()
            q.task_done()
            if item is None:
                break
            rec(f"got {item}")
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(consumer(), name="C"), asyncio.create_task(producer(), name="P")]
    await asyncio.sleep(0)
    await q.join()
    rec(f"joined unfinished={q._unfinished_tasks}")
    await join_all(rec, tasks)


@scenario
async def queue_getters_fifo_and_newcomer(rec):
    q = asyncio.Queue()

    async def getter(name):
        item = await q.get()
        rec(f"{name} got {item}")

    tasks = [asyncio.create_task(getter(n), name=n) for n in "AB"]
    await asyncio.sleep(0)
    q.put_nowait(1)
    rec(f"main took {q.get_nowait()}")
    await asyncio.sleep(0)
    q.put_nowait(2)
    q.put_nowait(3)
    await join_all(rec, tasks)


@scenario
async def queue_cancel_woken_getter(rec):
    q = asyncio.Queue()

    async def getter(name):
        try:
            item = await q.get()
        except asyncio.CancelledError:
            rec(f"{name} cancelled qsize={q.qsize()}")
            raise
        rec(f"{name} got {item}")

    a = asyncio.create_task(getter("A"), name="A")
    b = asyncio.create_task(getter("B"), name="B")
    await asyncio.sleep(0)
    q.put_nowait("x")
    a.cancel()
    await join_all(rec, [a, b])
    rec(f"qsize={q.qsize()}")


@scenario
async def queue_cancel_waiting_getter(rec):
    q = asyncio.Queue()

    async def getter(name):
        try:
            item = await q.get()
        except asyncio.CancelledError:
            rec(f"{name} cancelled qsize={q.qsize()}")
            raise
        rec(f"{name} got {item}")

    a = asyncio.create_task(getter("A"), name="A")
    b = asyncio.create_task(getter("B"), name="B")
    await asyncio.sleep(0)
    a.cancel()
    await asyncio.sleep(0)
    q.put_nowait("x")
    await join_all(rec, [a, b])
    rec(f"qsize={q.qsize()}")


@scenario
async def queue_cancel_woken_putter(rec):
    q = asyncio.Queue(1)
    q.put_nowait("first")

    async def putter(name):
        try:
            await q.put(name)
        except asyncio.CancelledError:
            rec(f"{name} cancelled qsize={q.qsize()}")
            raise
        rec(f"{name} put qsize={q.qsize()}")

    a = asyncio.create_task(putter("A"), name="A")
    b = asyncio.create_task(putter("B"), name="B")
    await asyncio.sleep(0)
    rec(f"main took {q.get_nowait()}")
    a.cancel()
    await join_all(rec, [a, b])
    rec(f"left {q.get_nowait()} qsize={q.qsize()}")


class Prio:
    def __init__(self, prio, label):
        self.prio = prio
        self.label = label

    def __lt__(self, other):
        return self.prio < other.prio


@scenario
async def queue_priority_and_lifo_order(rec):
    pq = asyncio.PriorityQueue()
    items = [(3, "a"), (1, "b"), (2, "c"), (1, "d"), (3, "e"), (2, "f"), (1, "g"), (0, "h"), (2, "i"), (1, "j")]
    for p, l in items:
        pq.put_nowait(Prio(p, l))
    out = []
    while not pq.empty():
        x = pq.get_nowait()
        out.append(f"{x.prio}{x.label}")
    rec("priority " + " ".join(out))
    lq = asyncio.LifoQueue()
    for i in range(4):
        lq.put_nowait(i)
    rec("lifo " + " ".join(str(lq.get_nowait()) for _ in range(4)))


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    for name in names:
        events = run(SCENARIOS[name])
        print(f"// {name}")
        print("{" + ", ".join(f'"{e}"' for e in events) + "}")


if __name__ == "__main__":
    main()
