# Python twin of examples/return_value.cpp: a coroutine returns a value to run_until_complete.
import asyncio


async def coroutine():
    print('in coroutine')
    return 'result'


event_loop = asyncio.new_event_loop()
try:
    return_value = event_loop.run_until_complete(coroutine())
    print('it returned: {!r}'.format(return_value))
finally:
    event_loop.close()
