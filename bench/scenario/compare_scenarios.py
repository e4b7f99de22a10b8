#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The scenario twin of bench/compare: the same generated big scenario through
`asim run` and through the project's CPython runner (props/oracle/asim_oracle.py), and
`asim check` scenarios per second alone, against the CPython runner and against the real
loop. Figures are CPU time (user + system) of the child process and its peak RSS, from
wait4(2): the machine may be shared.

Usage: bench/scenario/compare_scenarios.py --asim BUILD/bin/asim [--sizes 1000,4000,10000,100000]
           [--rounds 20] [--cpython-max 10000] [--check-seeds 20000] [--oracle-seeds 200]
           [--real-seeds 100] [--check-only] [--check-baseline OTHER/bin/asim] [--repeat N]
           [--json FILE]

--check-only skips the big scenario; --check-baseline runs the `asim check` rows of
properties alone on another build too (an older commit, say) and prints the ratio.
--repeat N runs each asim measurement N times (the baseline's interleaved with
asim's) and reports the minimum CPU time, with the median beside it: on a shared or
virtual machine one run can be 40 % off, and the minimum is the run least disturbed.
The CPython runner runs once (at 1e4 tasks it takes half a minute).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "props", "oracle", "asim_oracle.py")


def measure(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (exit code, CPU seconds, wall seconds, peak RSS MiB). The peak
    comes from /usr/bin/time when present: wait4's ru_maxrss also counts the forked
    Python's pages before exec (some 10 MiB)."""
    import time
    time_tool = "/usr/bin/time"
    rss_file = None
    if os.path.exists(time_tool):
        fd, rss_file = tempfile.mkstemp()
        os.close(fd)
        cmd = [time_tool, "-f", "%M", "-o", rss_file] + cmd
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024
    if rss_file:
        with open(rss_file) as f:
            lines = [l for l in f.read().split() if l.isdigit()]
        os.remove(rss_file)
        if lines:
            rss = int(lines[-1]) / 1024
    return code, usage.ru_utime + usage.ru_stime, wall, rss


def measure_repeated(cmds, repeat):
    """Runs each of `cmds` `repeat` times, interleaved (a, b, a, b, ...), so a slow
    spell of the machine falls on all of them; returns, per command, the run of least
    CPU time with the median CPU time of all its runs as "median"."""
    runs = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            runs[i].append(measure(cmd))
    best = []
    for r in runs:
        code, cpu, wall, _ = min(r, key=lambda m: m[1])
        best.append({"exit": code, "cpu": cpu, "wall": wall, "rss": max(m[3] for m in r),
                     "median": statistics.median(m[1] for m in r)})
    return best


def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def big_scenarios(args, tmp):
    rows = []
    for n in args.sizes:
        path = os.path.join(tmp, f"big{n}.json")
        with open(path, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "big_scenario.py"), str(n), str(args.rounds)],
                           stdout=f, check=True)
        size_mib = os.path.getsize(path) / (1 << 20)
        # The measured run writes to /dev/null as the CPython runner's does; the trace
        # lines are counted from a second, unmeasured run.
        m = measure_repeated([[args.asim, "run", path, "--loop", "virtual"]], args.repeat)[0]
        code, cpu, wall, rss = m["exit"], m["cpu"], m["wall"], m["rss"]
        trace = os.path.join(tmp, "asim.trace")
        with open(trace, "wb") as out:
            subprocess.run([args.asim, "run", path, "--loop", "virtual"], stdout=out, stderr=subprocess.DEVNULL)
        lines = count_lines(trace)
        os.remove(trace)
        row = {"tasks": n, "json_mib": size_mib, "lines": lines, "asim_exit": code, "asim_cpu_s": cpu,
               "asim_wall_s": wall, "asim_rss_mib": rss, "asim_ns_per_line": cpu * 1e9 / max(lines, 1),
               "asim_median_cpu_s": m["median"], "runs": args.repeat}
        if n <= args.cpython_max:
            code, cpu, wall, rss = measure([sys.executable, ORACLE, path])
            row.update({"cpython_exit": code, "cpython_cpu_s": cpu, "cpython_wall_s": wall,
                        "cpython_rss_mib": rss})
        rows.append(row)
        os.remove(path)
        print(f"  {n} tasks done", file=sys.stderr)
    return rows


def check_rates(args, out_dir):
    def command(extra, seeds, asim):
        # Failure files (a real-loop run on a busy machine can miss a timer) go to out_dir.
        return [asim, "check", "--seeds", f"0:{seeds}", "--jobs", "1", "--out", out_dir] + extra

    def row(m, seeds):
        cpu, wall = m["cpu"], m["wall"]
        return {"seeds": seeds, "exit": m["exit"], "cpu_s": cpu, "median_cpu_s": m["median"], "wall_s": wall,
                "per_cpu_s": seeds / cpu if cpu else None, "per_wall_s": seeds / wall if wall else None}

    def rates(key, extra, seeds, repeat):
        # With a baseline, its runs interleave with asim's.
        asims = [args.asim] + ([args.check_baseline] if args.check_baseline and key.startswith("alone") else [])
        ms = measure_repeated([command(extra, seeds, a) for a in asims], repeat)
        out[key] = row(ms[0], seeds)
        if len(ms) > 1:
            out["baseline_" + key] = row(ms[1], seeds)

    out = {}
    rates("alone", [], args.check_seeds, args.repeat)
    # Size 30: the larger scenarios, whose runs outweigh generating them.
    rates("alone_size_30", ["--size", "30"], max(1, args.check_seeds // 10), args.repeat)
    if args.oracle_seeds:
        rates("cpython_runner", ["--oracle", ORACLE], args.oracle_seeds, 1)
    if args.real_seeds:
        rates("real_loop", ["--loop", "real", "--coarse"], args.real_seeds, 1)
    return out


def fmt(x, digits=2):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--asim", required=True)
    parser.add_argument("--sizes", default="1000,4000,10000,100000",
                        type=lambda s: [int(x) for x in s.split(",") if x])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cpython-max", type=int, default=10000,
                        help="largest size run through the CPython runner too (1e5 takes minutes and GBs)")
    parser.add_argument("--check-seeds", type=int, default=20000)
    parser.add_argument("--oracle-seeds", type=int, default=200)
    parser.add_argument("--real-seeds", type=int, default=100)
    parser.add_argument("--check-only", action="store_true", help="only the `asim check` rates")
    parser.add_argument("--check-baseline", help="another asim build whose properties-only rate to compare")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each asim measurement (interleaved with the baseline's); the minimum is reported")
    parser.add_argument("--json")
    args = parser.parse_args()

    rows = []
    if not args.check_only:
        with tempfile.TemporaryDirectory() as tmp:
            rows = big_scenarios(args, tmp)
        print_big(args, rows)

    with tempfile.TemporaryDirectory() as out_dir:
        rates = check_rates(args, out_dir)
    print("\nasim check, generated scenarios (--jobs 1)")
    print("| against | seeds | CPU s | median CPU s | wall s | scenarios per CPU s | scenarios per wall s |")
    print("|---|---|---|---|---|---|---|")
    names = {"alone": "properties only (determinism, invariants)",
             "alone_size_30": "properties only, --size 30",
             "baseline_alone": "properties only, the baseline build",
             "baseline_alone_size_30": "properties only, --size 30, the baseline build",
             "cpython_runner": "the CPython runner (--oracle)",
             "real_loop": "the real loop (--loop real --coarse)"}
    for key, r in rates.items():
        print(f"| {names[key]} | {r['seeds']:,} | {fmt(r['cpu_s'])} | {fmt(r['median_cpu_s'])} | {fmt(r['wall_s'])} |"
              f" {fmt(r['per_cpu_s'], 0)} | {fmt(r['per_wall_s'], 0)} |")
    print("(with --oracle the CPython subprocess's CPU time counts too; the real loop mostly waits)")
    for key in ("alone", "alone_size_30"):
        base = rates.get("baseline_" + key)
        if base and base["per_cpu_s"] and rates[key]["per_cpu_s"]:
            print(f"{names[key]}: {rates[key]['per_cpu_s'] / base['per_cpu_s']:.1f}x the baseline's scenarios per CPU s"
                  f" (medians: {base['median_cpu_s'] / rates[key]['median_cpu_s']:.1f}x)")
    if args.repeat > 1:
        print(f"(asim rows: the least CPU time of {args.repeat} interleaved runs, the median beside it)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"big": rows, "check": rates}, f, indent=1)
    return 0


def print_big(args, rows):
    print(f"big scenario: N tasks x {args.rounds} rounds of sleep -> future -> call_soon(set_result) -> await"
          " (CPU seconds, peak RSS)")
    print("| tasks | JSON MiB | trace lines | asim s | asim median s | asim ns/line | asim RSS MiB (x JSON) |"
          " CPython s | CPython RSS MiB | CPython/asim |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        p = r.get("cpython_cpu_s")
        print(f"| {r['tasks']:,} | {r['json_mib']:.1f} | {r['lines']:,} | {fmt(r['asim_cpu_s'], 3)} |"
              f" {fmt(r['asim_median_cpu_s'], 3)} |"
              f" {fmt(r['asim_ns_per_line'], 0)} | {r['asim_rss_mib']:.0f} ({r['asim_rss_mib'] / r['json_mib']:.1f}x) |"
              f" {fmt(p)} | {fmt(r.get('cpython_rss_mib'), 0)} |"
              f" {fmt(p / r['asim_cpu_s'], 0) + 'x' if p else '-'} |")


if __name__ == "__main__":
    sys.exit(main())
