# Python twin of examples/semaphore_limits_concurrency.cpp: five downloads, at most
# two at a time; each waiting one starts in FIFO order when a slot frees up.
import asyncio

running = 0
peak = 0


async def download(sem, n):
    global running, peak
    print(f'download {n}: queued')
    async with sem:
        running += 1
        peak = max(peak, running)
        print(f'download {n}: started ({running} running)')
        await asyncio.sleep(0.05 * (n + 1))
        running -= 1
        print(f'download {n}: finished')


async def main():
    sem = asyncio.Semaphore(2)
    tasks = [asyncio.create_task(download(sem, n)) for n in range(5)]
    for task in tasks:
        await task
    print(f'peak concurrency: {peak}, semaphore locked: {sem.locked()}')


asyncio.run(main())
