#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs scenario files on a scenario runner (usually asim's C++ one) and on the CPython
runner beside this file, and reports where their traces agree.

Usage:
  compare.py --runner "build/bin/asim run" [--oracle RUNNER.py] [--ignore-times]
             [--jobs J] [--show N] [--timeout S] PATH...

PATH is a scenario file or a folder (searched recursively for *.json). The runner is
called as RUNNER_WORDS... FILE and must print the trace on stdout. Cases the CPython
runner marks as outside conformance (`tie` on stderr, exit 3 for a cancel cycle) are
skipped and counted; files it rejects (exit 2) are counted as malformed. The exit
code is 0 when every other case agrees, 1 otherwise.
"""
import argparse
import concurrent.futures
import difflib
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import asim_oracle  # noqa: E402


class Run:
    """What one runner did with one file."""

    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def scenario_paths(paths):
    found = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith('.json'))
        else:
            found.append(p)
    return found


def run_command(words, path, timeout):
    try:
        done = subprocess.run(words + [path], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(None, '', f'timed out after {timeout} s')
    except OSError as e:
        return Run(None, '', str(e))
    return Run(done.returncode, done.stdout, done.stderr)


def run_oracle_in_process(path):
    """The CPython runner without a process per file, with its command line's exit codes."""
    try:
        with open(path, encoding='utf-8') as f:
            scenario = asim_oracle.load(f.read())
    except (OSError, UnicodeDecodeError, asim_oracle.MalformedScenario) as e:
        return Run(2, '', str(e))
    outcome = asim_oracle.run(scenario)
    if outcome.cancel_cycle:
        return Run(3, '', 'cancel cycle')
    return Run(0, outcome.text, 'tie\n' if outcome.tie else '')


def without_times(text):
    return "".join(("-" + line[line.index(' '):] if ' ' in line else line) + "\n" for line in text.splitlines())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--runner', required=True, help='command that runs one scenario file, e.g. "build/bin/asim run"')
    ap.add_argument('--oracle', help='a Python runner script to use instead of asim_oracle in this process')
    ap.add_argument('--ignore-times', action='store_true', help='compare with the time column blanked out')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--show', type=int, default=3, help='how many differences to print')
    ap.add_argument('--timeout', type=float, default=60.0, help='seconds one run may take')
    ap.add_argument('paths', nargs='+')
    args = ap.parse_args(argv)

    runner = shlex.split(args.runner)
    paths = scenario_paths(args.paths)
    if not paths:
        print("compare: no scenario files", file=sys.stderr)
        return 2

    counts = {'agree': 0, 'differ': 0, 'tie': 0, 'cycle': 0, 'malformed': 0, 'runner failed': 0}
    shown = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        theirs = [pool.submit(run_command, runner, p, args.timeout) for p in paths]
        if args.oracle:
            ours = [pool.submit(run_command, [sys.executable, args.oracle], p, args.timeout) for p in paths]
        for i, path in enumerate(paths):
            ref = ours[i].result() if args.oracle else run_oracle_in_process(path)
            got = theirs[i].result()
            if ref.code == 2:
                counts['malformed'] += 1
                continue
            if ref.code == 3:
                counts['cycle'] += 1
                continue
            if ref.code != 0:
                print(f"compare: the oracle failed on {path}: {ref.err.strip()}", file=sys.stderr)
                return 2
            if 'tie' in ref.err.split():
                counts['tie'] += 1
                continue
            expected, actual = ref.out, got.out
            if args.ignore_times:
                expected, actual = without_times(expected), without_times(actual)
            if got.code != 0:
                counts['runner failed'] += 1
            elif expected == actual:
                counts['agree'] += 1
                continue
            else:
                counts['differ'] += 1
            if shown < args.show:
                shown += 1
                print(f"== {path}: runner exit {got.code}" + (f", stderr: {got.err.strip()}" if got.err.strip() else ''))
                diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), 'cpython', 'runner',
                                            lineterm='', n=2)
                for n, line in enumerate(diff):
                    if n == 40:
                        print("   ... (diff cut)")
                        break
                    print("   " + line)
                print(f"   replay: {shlex.join(runner + [path])}")

    compared = counts['agree'] + counts['differ'] + counts['runner failed']
    rate = f" ({100.0 * counts['agree'] / compared:.1f} %)" if compared else ''
    print(f"compare: {len(paths)} scenarios; {counts['agree']} agree{rate}, {counts['differ']} differ, "
          f"{counts['runner failed']} runner failed; skipped {counts['tie'] + counts['cycle']} "
          f"(tie {counts['tie']}, cancel cycle {counts['cycle']}); malformed {counts['malformed']}")
    return 0 if counts['differ'] == 0 and counts['runner failed'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
