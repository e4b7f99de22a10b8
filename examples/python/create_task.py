# Python twin of examples/create_task.cpp: create_task schedules a coroutine; awaiting
# the task gives its value.
import asyncio


async def task_func():
    print('in task_func')
    return 'the result'


async def main(loop):
    print('creating task')
    task = loop.create_task(task_func())
    print('waiting for {} (done: {})'.format(task.get_name(), task.done()))
    return_value = await task
    print('task completed {} (done: {})'.format(task.get_name(), task.done()))
    print('return value: {!r}'.format(return_value))


event_loop = asyncio.new_event_loop()
try:
    event_loop.run_until_complete(main(event_loop))
finally:
    event_loop.close()
