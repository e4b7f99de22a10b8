# SPDX-License-Identifier: MIT
# Reference traces for the executor tests: "iteration:event" lines from CPython's
# asyncio. The thread pool's timing decides how many iterations pass while a job
# runs, so the jobs here block until the loop has gone idle: then asyncio needs
# exactly the iterations the simulated loop takes with its delay choice at 0.
# Run: python3 executor_reference.py
import asyncio
import threading

from sync_reference import run


async def run_in_executor_order(rec):
    loop = asyncio.get_running_loop()

    def job(n):
        return n * 2

    async def other():
        for i in range(4):
            rec(f"other {i}")
            await asyncio.sleep(0)

    t = asyncio.create_task(other())
    rec("submit")
    fut = loop.run_in_executor(None, job, 21)
    rec(f"result {await fut}")
    await t
    rec("done")


if __name__ == "__main__":
    for line in run(run_in_executor_order):
        print(line)
