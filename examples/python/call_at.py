# Python twin of examples/call_at.cpp: call_at deadlines computed from loop.time().
# Times are printed as the loop time elapsed since `now`, rounded down to 0.1 s: a
# timer never fires early, and lateness under load (below 0.09 s) does not show.
import asyncio
import math


def callback(n, loop, start):
    elapsed = math.floor((loop.time() - start) * 10 + 0.01) / 10
    print('callback {} invoked at now + {:.1f}'.format(n, elapsed))


async def main(loop):
    now = loop.time()
    print('registering callbacks')
    loop.call_at(now + 0.2, callback, 1, loop, now)
    loop.call_at(now + 0.1, callback, 2, loop, now)
    loop.call_soon(callback, 3, loop, now)
    await asyncio.sleep(0.3)


event_loop = asyncio.new_event_loop()
try:
    print('entering event loop')
    event_loop.run_until_complete(main(event_loop))
finally:
    print('closing event loop')
    event_loop.close()
