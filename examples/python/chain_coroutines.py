# Python twin of examples/chain_coroutines.cpp: print_sum awaits compute, which sleeps.
import asyncio


async def compute(x, y):
    print('Compute %s + %s ...' % (x, y))
    await asyncio.sleep(0.1)
    return x + y


async def print_sum(x, y):
    result = await compute(x, y)
    print('%s + %s = %s' % (x, y, result))


loop = asyncio.new_event_loop()
loop.run_until_complete(print_sum(1, 2))
loop.close()
