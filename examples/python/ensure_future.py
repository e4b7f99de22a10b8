# Python twin of examples/ensure_future.cpp: ensure_future turns a coroutine into a
# scheduled task; it runs when the awaiting coroutine yields to the loop.
import asyncio


async def wrapped():
    print('wrapped')
    return 'result'


async def inner(task):
    print('inner: starting')
    print('inner: waiting for {}'.format(task.get_name()))
    result = await task
    print('inner: task returned {!r}'.format(result))


async def starter():
    print('starter: creating task')
    task = asyncio.ensure_future(wrapped())
    print('starter: waiting for inner')
    await inner(task)
    print('starter: inner returned')


event_loop = asyncio.new_event_loop()
try:
    print('entering event loop')
    event_loop.run_until_complete(starter())
finally:
    print('closing event loop')
    event_loop.close()
