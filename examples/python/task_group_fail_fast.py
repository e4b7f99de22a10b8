# Python twin of examples/task_group_fail_fast.cpp: in a TaskGroup the first failure
# cancels the other tasks; errors come out together.
import asyncio


async def worker(i, delay):
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print('worker {} cancelled'.format(i))
        raise
    print('worker {} finished'.format(i))


async def broken(delay):
    await asyncio.sleep(delay)
    print('broken worker fails')
    raise ValueError('bad input')


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(worker(1, 0.05))
            tg.create_task(broken(0.1))
            tg.create_task(worker(2, 0.3))
            print('all tasks started')
    except* ValueError as group:
        print(group)
        for error in group.exceptions:
            print('  ValueError: {}'.format(error))


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main())
finally:
    event_loop.close()
