#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the big scenario of the scenario-engine benchmark (issue 13): TASKS tasks that
each run ROUNDS rounds of sleep -> future -> call_soon(set_result) -> await, then main
gathers and awaits them all.

Usage: big_scenario.py TASKS [ROUNDS] [--distinct] > big.json   (ROUNDS defaults to 20)

Each round writes four trace lines (cb, set_result, done, await) and each task one
more (its done line). By default every task sleeps 1 ms a round, so all tasks wake in
one batch of tied timers: asyncio leaves the order of ties undefined (the CPython
runner says `tie`), which is fine for timing, and the CPython runner's tie scan runs
once a batch. --distinct makes task i first sleep (i + 1) microseconds, then one
second a round, so no two timers tie and asim and CPython print the same trace (the
CPython runner then scans its timer heap once per timer, quadratic in TASKS).
"""
import json
import sys


def task_body(i, rounds, distinct):
    body = []
    for r in range(rounds):
        f = f"f{i}_{r}"
        delay = ((i + 1) * 1e-6 if r == 0 else 1.0) if distinct else 0.001
        body.append({"do": "sleep", "delay": delay})
        body.append({"do": "future", "name": f})
        body.append({"do": "call_soon", "label": f"c{i}_{r}",
                     "then": [{"do": "set_result", "target": f, "value": r}]})
        body.append({"do": "await", "target": f})
    return body


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    distinct = "--distinct" in sys.argv[1:]
    tasks = int(args[0])
    rounds = int(args[1]) if len(args) > 1 else 20
    out = sys.stdout
    out.write('{"version": 1, "main": [\n')
    for i in range(tasks):
        spawn = {"do": "spawn", "name": f"t{i}", "body": task_body(i, rounds, distinct)}
        out.write(json.dumps(spawn, separators=(",", ":")))
        out.write(",\n")
    out.write('{"do": "log", "msg": "spawned"},\n')
    out.write(json.dumps({"do": "gather", "name": "all", "targets": [f"t{i}" for i in range(tasks)],
                          "return_exceptions": False}, separators=(",", ":")))
    out.write(',\n{"do": "await", "target": "all"}\n]}\n')


if __name__ == "__main__":
    main()
