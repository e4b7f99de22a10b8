# Python twin of examples/future_resolved_by_callback.cpp: a callback sets a future's
# result; the future is first run with run_until_complete, then awaited in a coroutine.
import asyncio


def mark_done(future, result):
    print('setting future result to {!r}'.format(result))
    future.set_result(result)


async def main(loop):
    all_done = loop.create_future()
    print('scheduling mark_done')
    loop.call_soon(mark_done, all_done, 'the awaited result')
    result = await all_done
    print('returned result: {!r}'.format(result))


event_loop = asyncio.new_event_loop()
try:
    all_done = event_loop.create_future()
    print('scheduling mark_done')
    event_loop.call_soon(mark_done, all_done, 'the result')
    print('entering event loop')
    result = event_loop.run_until_complete(all_done)
    print('returned result: {!r}'.format(result))
    print('awaiting a future in a coroutine')
    event_loop.run_until_complete(main(event_loop))
finally:
    print('closing event loop')
    event_loop.close()
print('future result: {!r}'.format(all_done.result()))
