# SPDX-License-Identifier: MIT
"""Every scenario file of a folder that both load, run on asim's virtual-clock loop and
on the CPython runner: the traces must be the same. Files the CPython runner calls a tie
(two timers with one deadline, whose order asyncio leaves open) or a cancel cycle, or
does not finish within the time limit, are counted apart.

Not in CI (the CPython runner takes minutes over the fuzz corpus); run it after changing
the interpreter or the runtime's semantics:
    python3 tests/props/traces_match_cpython.py build/bin/asim tests/fuzz/corpus
"""
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.normpath(os.path.join(HERE, '..', '..', 'props', 'oracle', 'asim_oracle.py'))
RUNNER_SECONDS = 120


def compare(asim, path):
    """None when the traces agree or the file is not a conformance case, else a report."""
    ours = subprocess.run([asim, 'run', '--loop', 'virtual', path], capture_output=True, timeout=RUNNER_SECONDS)
    if ours.returncode == 2:
        return 'skipped', None
    try:
        theirs = subprocess.run([sys.executable, ORACLE, path], capture_output=True, timeout=RUNNER_SECONDS)
    except subprocess.TimeoutExpired:
        return 'slow', None
    if theirs.returncode != 0 or b'tie' in theirs.stderr:
        return 'skipped', None
    if ours.stdout == theirs.stdout:
        return 'same', None
    a, b = ours.stdout.decode(errors='replace').splitlines(), theirs.stdout.decode(errors='replace').splitlines()
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    line = lambda lines: lines[i] if i < len(lines) else '<end>'  # noqa: E731
    return 'differ', f"{os.path.basename(path)}: line {i + 1}: asim '{line(a)}', CPython runner '{line(b)}'"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    asim, folder = sys.argv[1], sys.argv[2]
    paths = sorted(os.path.join(folder, name) for name in os.listdir(folder))
    counts = {'same': 0, 'differ': 0, 'skipped': 0, 'slow': 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for kind, report in pool.map(lambda p: compare(asim, p), paths):
            counts[kind] += 1
            if report:
                print(report, flush=True)
    print(f"{len(paths)} files: {counts['same']} same traces, {counts['differ']} different, "
          f"{counts['skipped']} not conformance cases, {counts['slow']} beyond {RUNNER_SECONDS} s on CPython")
    return 1 if counts['differ'] else 0


if __name__ == '__main__':
    sys.exit(main())
