# SPDX-License-Identifier: MIT
"""asim's loader and the project's CPython runner refuse the same scenario files, at the
same place: every input of the fuzz corpus through `asim run --check-only` and through
asim_oracle.load, compared. (The fuzzer compares asim's two loaders with each other; this
compares asim with the runner that defines the language's behaviour on CPython.)

Usage: loader_matches_cpython.py ASIM CORPUS_DIR
"""
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, '..', '..', 'props', 'oracle')))

import asim_oracle  # noqa: E402


def runner_place(data):
    """The CPython runner's verdict on a file's bytes: None (it loads) or the place of the fault."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        return '/'
    try:
        asim_oracle.load(text)
    except asim_oracle.MalformedScenario as e:
        return e.pointer or '/'
    return None


def asim_verdict(asim, path):
    """asim's verdict: None (it loads) or its message after the file name (exit 2)."""
    done = subprocess.run([asim, 'run', '--check-only', path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=120)
    if done.returncode != 2:
        return None
    message = done.stderr.decode('utf-8', 'replace')
    prefix = f"asim: {path}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def same_place(runner, message):
    if message.startswith(runner + ': '):
        return True
    # Not JSON: the runner names no place ('/'), asim names a key given twice.
    return runner == '/' and 'invalid JSON' in message


def main():
    asim, corpus = sys.argv[1], sys.argv[2]
    paths = sorted(os.path.join(corpus, name) for name in os.listdir(corpus))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        verdicts = list(pool.map(lambda p: asim_verdict(asim, p), paths))
    differ = 0
    for path, message in zip(paths, verdicts):
        with open(path, 'rb') as f:
            runner = runner_place(f.read())
        if runner is None and message is None:
            continue
        if runner is not None and message is not None and same_place(runner, message):
            continue
        differ += 1
        print(f"{os.path.basename(path)}: the CPython runner {'loads it' if runner is None else 'refuses it at ' + runner}"
              f", asim {'loads it' if message is None else 'says ' + repr(message.strip())}")
    print(f"{len(paths)} corpus inputs, {differ} judged differently")
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())
