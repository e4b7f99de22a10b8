# Python twin of examples/hello_coroutine.cpp: start a coroutine with run_until_complete.
import asyncio


async def hello_world():
    print('Hello World!')


event_loop = asyncio.new_event_loop()
try:
    print('starting coroutine')
    coro = hello_world()
    print('entering event loop')
    event_loop.run_until_complete(coro)
finally:
    print('closing event loop')
    event_loop.close()
