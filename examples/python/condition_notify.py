# Python twin of examples/condition_notify.cpp: consumers wait on a condition; a
# manipulator wakes one, then two, then all of the rest.
import asyncio


async def consumer(condition, n):
    async with condition:
        print(f'consumer {n} is waiting')
        await condition.wait()
        print(f'consumer {n} triggered')
    print(f'ending consumer {n}')


async def manipulate_condition(condition):
    print('starting manipulate_condition')
    await asyncio.sleep(0.1)
    for i in range(1, 3):
        async with condition:
            print(f'notifying {i} consumers')
            condition.notify(n=i)
        await asyncio.sleep(0.1)
    async with condition:
        print('notifying remaining consumers')
        condition.notify_all()
    print('ending manipulate_condition')


async def main():
    condition = asyncio.Condition()
    consumers = [asyncio.create_task(consumer(condition, i)) for i in range(5)]
    manipulator = asyncio.create_task(manipulate_condition(condition))
    for task in consumers + [manipulator]:
        await task
    print(f'lock held at the end: {condition.locked()}')


asyncio.run(main())
