# SPDX-License-Identifier: MIT
# Reference traces for tests/runtime/context_test.cpp: which value of a context
# variable each task and callback sees, with the loop iteration, on CPython's asyncio.
# Run: python3 context_reference.py [scenario...]
import asyncio
import contextvars
import sys

from sync_reference import run

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


var = contextvars.ContextVar("var", default="default")


@scenario
async def tasks_and_callbacks(rec):
    loop = asyncio.get_running_loop()

    async def child(name):
        rec(f"{name} starts with {var.get()}")
        var.set(name)
        await asyncio.sleep(0)
        rec(f"{name} still sees {var.get()}")

    def callback(label):
        rec(f"callback {label} sees {var.get()}")
        var.set("set by callback " + label)

    rec(f"main starts with {var.get()}")
    a = asyncio.create_task(child("A"))
    var.set("main-1")
    b = asyncio.create_task(child("B"))
    loop.call_soon(callback, "1")
    loop.call_later(0, callback, "2")
    var.set("main-2")
    loop.call_soon(callback, "3")
    fut = loop.create_future()
    fut.add_done_callback(lambda f: rec(f"done-callback sees {var.get()}"))
    var.set("main-3")
    fut.set_result(None)
    await a
    await b
    rec(f"main ends with {var.get()}")


@scenario
async def shared_context(rec):
    ctx = contextvars.Context()

    async def bump(name):
        value = var.get()
        rec(f"{name} sees {value}")
        var.set(f"{value}+{name}")
        await asyncio.sleep(0)
        rec(f"{name} after sleep sees {var.get()}")

    a = asyncio.create_task(bump("A"), context=ctx)
    b = asyncio.create_task(bump("B"), context=ctx)
    c = asyncio.create_task(bump("C"))
    await asyncio.gather(a, b, c)
    rec(f"ctx holds {ctx[var]}; main sees {var.get()}")


@scenario
async def callback_context_kept_per_handle(rec):
    loop = asyncio.get_running_loop()
    var.set("outer")
    seen = []

    def cb(n):
        rec(f"cb {n} sees {var.get()}")
        var.set(f"cb {n}")

    for n in range(3):
        loop.call_soon(cb, n)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    rec(f"main sees {var.get()}")


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    for name in names:
        print(f"== {name}")
        for line in run(SCENARIOS[name]):
            print(line)


if __name__ == "__main__":
    main()
