# Python twin of examples/future_done_callbacks.cpp: done-callbacks run in registration
# order, one loop iteration after set_result, never inline.
import asyncio
import functools


def callback(future, n):
    print('{}: future done: {}'.format(n, future.result()))


async def register_callbacks(all_done):
    print('registering callbacks on future')
    all_done.add_done_callback(functools.partial(callback, n=1))
    all_done.add_done_callback(functools.partial(callback, n=2))


async def main(all_done):
    await register_callbacks(all_done)
    print('setting result of future')
    all_done.set_result('the result')
    print('result set; callbacks not run yet')


event_loop = asyncio.new_event_loop()
try:
    all_done = event_loop.create_future()
    event_loop.run_until_complete(main(all_done))
finally:
    event_loop.close()
