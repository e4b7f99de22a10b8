# Python twin of examples/cancel_task.cpp: a task cancelled before it starts never runs;
# a task cancelled while it sleeps sees CancelledError at its await, cleans up and re-raises.
import asyncio


async def never_started():
    print('in never_started (not printed)')
    return 'the result'


async def sleeper():
    print('in sleeper, sleeping')
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print('sleeper was cancelled')
        raise
    return 'the result'


def task_canceller(t):
    print('in task_canceller')
    t.cancel()
    print('cancelled the task')


async def main(loop):
    print('creating task')
    task = loop.create_task(never_started())
    print('cancelling task')
    task.cancel()
    print('cancelled task, done: {}, cancelled: {}'.format(task.done(), task.cancelled()))
    try:
        await task
    except asyncio.CancelledError:
        print('caught error from cancelled task')
    else:
        print('task result: {!r}'.format(task.result()))

    print('creating sleeping task')
    task = loop.create_task(sleeper())
    loop.call_soon(task_canceller, task)
    try:
        await task
    except asyncio.CancelledError:
        print('main() also sees task as cancelled')
    print('task cancelled: {}'.format(task.cancelled()))


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main(event_loop))
finally:
    event_loop.close()
