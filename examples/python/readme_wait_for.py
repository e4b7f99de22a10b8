# The asyncio twin of examples/readme_wait_for.cpp (README's fifteen lines).
import asyncio


async def fetch(id):
    await asyncio.sleep(0.1 * id)  # a slow backend
    return id * 10


async def main_task():
    fast = asyncio.create_task(fetch(1), name="fast")
    slow = asyncio.create_task(fetch(9), name="slow")
    print(f"fast: {await asyncio.wait_for(fast, 0.5)}")
    try:
        await asyncio.wait_for(slow, 0.5)
    except asyncio.TimeoutError:
        print("slow timed out")


asyncio.run(main_task())
