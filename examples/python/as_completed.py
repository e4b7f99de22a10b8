# Python twin of examples/as_completed.cpp: as_completed gives results as soon as
# each piece of work finishes.
import asyncio


async def phase(i, delay):
    await asyncio.sleep(delay)
    return 'result of phase {}'.format(i)


async def main():
    tasks = [asyncio.create_task(phase(0, 0.2)), asyncio.create_task(phase(1, 0.05)),
             asyncio.create_task(phase(2, 0.1))]
    for next_to_complete in asyncio.as_completed(tasks):
        result = await next_to_complete
        print('received: {}'.format(result))


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main())
finally:
    event_loop.close()
