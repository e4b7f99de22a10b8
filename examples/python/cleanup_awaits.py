# Python twin of examples/cleanup_awaits.cpp: cleanup that awaits, in
# `except CancelledError: await ...; raise` and in `finally: await ...`.
import asyncio


async def release(name):
    print(f'{name}: returning the connection')
    await asyncio.sleep(0.01)
    print(f'{name}: connection returned')


async def flush(name):
    print(f'{name}: flushing the log')
    await asyncio.sleep(0)
    print(f'{name}: log flushed')


async def request(name, delay):
    try:
        print(f'{name}: request sent')
        await asyncio.sleep(delay)
        print(f'{name}: reply received')
        return f'{name} ok'
    except asyncio.CancelledError:
        await release(name)
        raise


async def handler(name, delay):
    try:
        return await request(name, delay)
    finally:
        await flush(name)


async def main():
    fast = asyncio.create_task(handler('fast', 0.01))
    slow = asyncio.create_task(handler('slow', 10))
    print(await fast)
    slow.cancel()
    try:
        await slow
    except asyncio.CancelledError:
        print('slow: cancelled after its cleanup')
    print(f'slow cancelled: {slow.cancelled()}')


asyncio.run(main())
