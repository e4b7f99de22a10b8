# Python twin of examples/gather_results_in_order.cpp: gather returns results in
# argument order, whatever order the work finishes in.
import asyncio


async def phase(i, delay):
    print('in phase {}'.format(i))
    await asyncio.sleep(delay)
    print('done with phase {}'.format(i))
    return i * 10


async def main():
    print('starting main')
    a, b, c = await asyncio.gather(phase(0, 0.3), phase(1, 0.1), phase(2, 0.2))
    print('results: [{}, {}, {}]'.format(a, b, c))


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main())
finally:
    event_loop.close()
