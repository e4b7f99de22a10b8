# Python twin of examples/wait_with_timeout.cpp: wait with a timeout returns what
# finished and leaves the rest pending.
import asyncio


async def phase(i, delay):
    await asyncio.sleep(delay)
    print('done with phase {}'.format(i))
    return i


async def main():
    tasks = [asyncio.create_task(phase(0, 0.05)), asyncio.create_task(phase(1, 0.3))]
    done, pending = await asyncio.wait(tasks, timeout=0.15)
    print('{} completed and {} pending'.format(len(done), len(pending)))
    for f in pending:
        f.cancel()
    done, pending = await asyncio.wait(tasks)
    print('after cancel: {} done, cancelled: {}'.format(len(done), tasks[1].cancelled()))
    try:
        await asyncio.wait_for(phase(2, 0.3), 0.1)
    except asyncio.TimeoutError:
        print('wait_for timed out')


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main())
finally:
    event_loop.close()
