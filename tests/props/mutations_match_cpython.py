# SPDX-License-Identifier: MIT
"""The loader differential on mutated scenarios: takes the fuzz corpus's scenario
documents, changes one to three of their values at random (a value of another type, a
field removed or added, an entry inserted or repeated, a number beyond double range, half
a surrogate pair), and runs each through `asim run --check-only` and the CPython runner's
loader. They must refuse the same files at the same place, by loader_matches_cpython's
rule; a runner that raises anything but MalformedScenario counts as a difference too.
With --traces, a mutated file both load also runs on asim's virtual-clock loop and on
the CPython runner, and the traces must be the same (traces_match_cpython's rule: ties,
cancel cycles and runs past its time limit are not compared).

libFuzzer mutates bytes and mostly makes text that is not JSON; this makes well-formed
JSON with one wrong value, where the two loaders' type checks can disagree. Not in CI
(it runs until its time is up); run it after changing either loader. Differences are
kept as mutation_N.json in OUT.

Usage: mutations_match_cpython.py ASIM CORPUS_DIR [--seed N] [--seconds S] [--out DIR] [--traces]
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import loader_matches_cpython as differential  # noqa: E402
import traces_match_cpython as traces  # noqa: E402

# Values put in place of another: each JSON type, edge numbers, names and enums.
REPLACEMENTS = [None, True, False, 0, -1, 1, 2**63, -2**63 - 1, 2**64, 1.5, -0.0, 1e9, 1e10, -1e9, 1e-300, "x", "",
                "Task-1", "ALL_COMPLETED", "ValueError", "TypeErr", [], ["a"], ["a", 1], [1], {},
                {"do": "log", "msg": "m"}, "1e999"]
# Text that json.dumps cannot write: spliced in place of a marker value.
RAW = ['"\\ud800"', '"a\\udc00b"', '"\\ud83d\\ude00"', '"\\u0000"', '1e999', '-1e999', '1E400', '0.0e99999', '-0',
       '1e-99999', '123456789012345678901234567890']
MARKER = '@@raw@@'


def documents(corpus):
    """The corpus files that are scenario documents (an object with a list "main")."""
    out = []
    for name in sorted(os.listdir(corpus)):
        try:
            with open(os.path.join(corpus, name), encoding='utf-8') as f:
                doc = json.load(f)
        except (ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get('main'), list):
            out.append(doc)
    return out


def places(doc):
    """(container, key) of every value below the top, without recursion."""
    out, stack = [], [doc]
    while stack:
        x = stack.pop()
        items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
        for key, value in items:
            out.append((x, key))
            stack.append(value)
    return out


def mutate(doc, rng):
    """A mutated copy of doc as JSON text."""
    doc = json.loads(json.dumps(doc))
    raw = None
    for _ in range(rng.randint(1, 3)):
        where = places(doc)
        if not where:  # everything was removed
            break
        container, key = rng.choice(where)
        fresh = json.loads(json.dumps(rng.choice(REPLACEMENTS)))  # never shared between places
        r = rng.random()
        if r < 0.5:
            container[key] = fresh
        elif r < 0.6 and isinstance(container, dict):
            del container[key]
        elif r < 0.7 and isinstance(container, dict):
            container[rng.choice(['zz', 'a', 'do', 'name', 'value', 'then', 'body'])] = fresh
        elif r < 0.8 and isinstance(container, list):
            container.insert(rng.randint(0, len(container)), fresh)
        elif r < 0.9 and isinstance(container[key], list) and container[key]:
            container[key].append(json.loads(json.dumps(rng.choice(container[key]))))
        else:
            container[key] = MARKER
            raw = rng.choice(RAW)
    text = json.dumps(doc)
    return text.replace(json.dumps(MARKER), raw) if raw else text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('asim')
    parser.add_argument('corpus')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--seconds', type=float, default=600)
    parser.add_argument('--out', default='.')
    parser.add_argument('--traces', action='store_true', help='also compare the traces of files both load')
    args = parser.parse_args()
    rng = random.Random(args.seed)
    docs = [d for d in documents(args.corpus) if len(places(d)) > 0]
    deadline = time.monotonic() + args.seconds
    tried = differ = ran = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'mutated.json')
        while time.monotonic() < deadline:
            try:
                text = mutate(rng.choice(docs), rng)
            except RecursionError:  # json.dumps of a document nested past Python's limit
                continue
            tried += 1
            with open(path, 'w', encoding='utf-8', errors='surrogatepass') as f:
                f.write(text)
            try:
                runner = differential.runner_place(text.encode('utf-8', 'surrogatepass'))
            except Exception as e:  # noqa: BLE001: any other exception is a runner bug
                runner = f"a crash ({type(e).__name__}: {e})"
            message = differential.asim_verdict(args.asim, path)
            report = None
            if runner is None and message is None:
                if not args.traces:
                    continue
                ran += 1
                kind, report = traces.compare(args.asim, path)
                if kind != 'differ':
                    continue
            elif runner is not None and message is not None and differential.same_place(runner, message):
                continue
            differ += 1
            kept = os.path.join(args.out, f'mutation_{differ}.json')
            with open(kept, 'w', encoding='utf-8', errors='surrogatepass') as f:
                f.write(text)
            if report:
                print(f"{kept}: {report.split(': ', 1)[1]}", flush=True)
            else:
                print(f"{kept}: the CPython runner {'loads it' if runner is None else 'says ' + runner}, "
                      f"asim {'loads it' if message is None else 'says ' + repr(message.strip())}", flush=True)
    print(f"{tried} mutated scenarios, {differ} judged or run differently" +
          (f" ({ran} loaded by both and run on both)" if args.traces else ""))
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())
