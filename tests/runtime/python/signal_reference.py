# SPDX-License-Identifier: MIT
# Reference trace for tests/runtime/signal_handlers_test.cpp: the loop iteration in
# which a signal handler runs after the signal is raised, on CPython's asyncio.
# Run: python3 signal_reference.py
import asyncio
import signal

from sync_reference import run


async def handler_runs_two_iterations_later(rec):
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def on_signal(label):
        rec(f"handler {label}")
        if not done.done():
            done.set_result(None)

    loop.add_signal_handler(signal.SIGUSR1, on_signal, "usr1")
    rec("raise")
    signal.raise_signal(signal.SIGUSR1)
    rec("raised")
    await done
    rec(f"removed {loop.remove_signal_handler(signal.SIGUSR1)}")
    rec(f"removed again {loop.remove_signal_handler(signal.SIGUSR1)}")


if __name__ == "__main__":
    for line in run(handler_runs_two_iterations_later):
        print(line)
