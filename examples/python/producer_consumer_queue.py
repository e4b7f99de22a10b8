# Python twin of examples/producer_consumer_queue.cpp: a producer fills a bounded
# queue in bursts, two consumers drain it, join() waits until every item is done.
import asyncio


async def consumer(n, q):
    print(f'consumer {n}: starting')
    while True:
        print(f'consumer {n}: waiting for item')
        item = await q.get()
        print(f'consumer {n}: has item {item}')
        if item is None:
            q.task_done()
            break
        await asyncio.sleep(0)  # the "work"
        q.task_done()
    print(f'consumer {n}: ending')


async def producer(q, num_workers):
    print('producer: starting')
    for burst in range(3):
        for i in range(burst * 3, burst * 3 + 3):
            await q.put(i)
            print(f'producer: added item {i} (qsize {q.qsize()})')
        await asyncio.sleep(0.1)
    print('producer: adding stop signals to the queue')
    for _ in range(num_workers):
        await q.put(None)
    print('producer: waiting for queue to empty')
    await q.join()
    print('producer: ending')


async def main(num_consumers):
    q = asyncio.Queue(maxsize=2)
    consumers = [asyncio.create_task(consumer(i, q)) for i in range(num_consumers)]
    prod = asyncio.create_task(producer(q, num_consumers))
    for task in consumers + [prod]:
        await task
    print(f'all done, unfinished items: {q._unfinished_tasks}')


asyncio.run(main(2))
