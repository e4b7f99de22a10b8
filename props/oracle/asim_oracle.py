#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""asim's own CPython runner of the scenario language: runs a scenario on CPython 3.11's
asyncio, with a virtual clock, and prints its trace (the language: props/SCENARIO.md).

Usage: asim_oracle.py FILE.json|-

Exit codes: 0 the trace is on stdout (and `tie` on stderr when asyncio left an order
undefined, so the case is not a conformance case); 2 the file is malformed (a message
naming the JSON pointer of the fault on stderr); 3 a cancel cycle made CPython recurse
without end (not a conformance case either).

Only the standard library is used. Every ordering comes from CPython itself: the loop
is asyncio's BaseEventLoop, whose `_run_once` is untouched; only the selector is
replaced by one that moves the clock to the next deadline instead of sleeping.
"""
import asyncio
import inspect
import json
import math
import re
import sys
import warnings
from asyncio import base_events

__all__ = ['MalformedScenario', 'Outcome', 'ScenarioError', 'load', 'parse', 'run', 'main']

# The clock resolution the language fixes: timers due before now + 1e-9 s fire together.
CLOCK_RESOLUTION = 1e-9


class ScenarioError(Exception):
    """The exception a scenario raises with `raise` and stores with `set_exception`."""


class MalformedScenario(Exception):
    """The file is not a valid scenario; `pointer` is the JSON pointer of the fault."""

    def __init__(self, pointer, problem):
        super().__init__(f"{pointer or '/'}: {problem}")
        self.pointer = pointer
        self.problem = problem


class _Deadlock(Exception):
    """Raised by the virtual selector when the loop would wait forever."""


class _CancelCycle(Exception):
    """Ends a run after CPython raised RecursionError (a cancel cycle)."""


# ---------------------------------------------------------------------------
# The shape of a scenario
# ---------------------------------------------------------------------------

# Optional fields and their meaning when left out: `name` (no name), `then` and
# `handler` (empty), `timeout` of wait/wait_for/as_completed and `delay` of timeout
# (null: no limit), `reraise` (false), `value` of return (null). Every other field is
# required.
_REQUIRED, _OPTIONAL = True, False

EXCEPTION_CLASSES = ('CancelledError', 'TimeoutError', 'ScenarioError', 'InvalidStateError', 'RuntimeError',
                     'QueueEmpty', 'QueueFull', 'NameError', 'TypeError', 'ValueError')
RETURN_WHEN = {'ALL_COMPLETED': asyncio.ALL_COMPLETED, 'FIRST_COMPLETED': asyncio.FIRST_COMPLETED,
               'FIRST_EXCEPTION': asyncio.FIRST_EXCEPTION}

# do -> (allowed in a callback, {field: (kind, required)})
STATEMENTS = {
    'log': (True, {'msg': ('text', _REQUIRED)}),
    'sleep': (False, {'delay': ('number', _REQUIRED)}),
    'spawn': (True, {'name': ('text', _REQUIRED), 'body': ('task_block', _REQUIRED)}),
    'future': (True, {'name': ('text', _REQUIRED)}),
    'await': (False, {'target': ('text', _REQUIRED)}),
    'cancel': (True, {'target': ('text', _REQUIRED)}),
    'set_result': (True, {'target': ('text', _REQUIRED), 'value': ('value', _REQUIRED)}),
    'set_exception': (True, {'target': ('text', _REQUIRED), 'msg': ('text', _REQUIRED)}),
    'call_soon': (True, {'label': ('text', _REQUIRED), 'name': ('opt_text', _OPTIONAL),
                         'then': ('cb_block', _OPTIONAL)}),
    'call_later': (True, {'delay': ('number', _REQUIRED), 'label': ('text', _REQUIRED),
                          'name': ('opt_text', _OPTIONAL), 'then': ('cb_block', _OPTIONAL)}),
    'call_at': (True, {'offset': ('number', _REQUIRED), 'label': ('text', _REQUIRED),
                       'name': ('opt_text', _OPTIONAL), 'then': ('cb_block', _OPTIONAL)}),
    'wait': (False, {'targets': ('texts', _REQUIRED), 'timeout': ('opt_number', _OPTIONAL),
                     'return_when': ('return_when', _REQUIRED)}),
    'wait_for': (False, {'target': ('text', _REQUIRED), 'timeout': ('opt_number', _OPTIONAL)}),
    'gather': (True, {'name': ('text', _REQUIRED), 'targets': ('texts', _REQUIRED),
                      'return_exceptions': ('bool', _REQUIRED)}),
    'shield': (True, {'name': ('text', _REQUIRED), 'target': ('text', _REQUIRED)}),
    'as_completed': (False, {'targets': ('texts', _REQUIRED), 'timeout': ('opt_number', _OPTIONAL)}),
    'timeout': (False, {'delay': ('opt_number', _OPTIONAL), 'body': ('task_block', _REQUIRED)}),
    'try': (False, {'body': ('task_block', _REQUIRED), 'catch': ('classes', _REQUIRED),
                    'handler': ('task_block', _OPTIONAL), 'reraise': ('bool', _OPTIONAL)}),
    'return': (False, {'value': ('value', _OPTIONAL)}),
    'raise': (False, {'msg': ('text', _REQUIRED)}),
    'lock': (True, {'name': ('text', _REQUIRED)}),
    'semaphore': (True, {'name': ('text', _REQUIRED), 'value': ('int', _REQUIRED)}),
    'acquire': (False, {'target': ('text', _REQUIRED)}),
    'release': (True, {'target': ('text', _REQUIRED)}),
    'event': (True, {'name': ('text', _REQUIRED)}),
    'set': (True, {'target': ('text', _REQUIRED)}),
    'clear': (True, {'target': ('text', _REQUIRED)}),
    'wait_event': (False, {'target': ('text', _REQUIRED)}),
    'queue': (True, {'name': ('text', _REQUIRED), 'maxsize': ('int', _REQUIRED)}),
    'put': (False, {'target': ('text', _REQUIRED), 'value': ('value', _REQUIRED)}),
    'get': (False, {'target': ('text', _REQUIRED)}),
    'put_nowait': (True, {'target': ('text', _REQUIRED), 'value': ('value', _REQUIRED)}),
    'get_nowait': (True, {'target': ('text', _REQUIRED)}),
}

_DEFAULTS = {'value': None, 'opt_text': None, 'opt_number': None, 'cb_block': [], 'task_block': [],
             'bool': False}
_INT64 = (-(1 << 63), (1 << 63) - 1)
# The language's limits (SCENARIO.md, "Limits"), as asim's loader enforces them.
MAX_NESTING_DEPTH = 100
MAX_DELAY_SECONDS = 1e9


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _check_field(kind, x, at, depth):
    """Returns the field's value in the form the interpreter uses, or raises MalformedScenario."""
    if kind in ('text', 'opt_text'):
        if isinstance(x, str) or (kind == 'opt_text' and x is None):
            return x
        raise MalformedScenario(at, "expected a string" + (" or null" if kind == 'opt_text' else ""))
    if kind in ('number', 'opt_number'):
        if x is None and kind == 'opt_number':
            return None
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            try:
                f = float(x)
            except OverflowError:
                f = math.inf
            if not math.isfinite(f):
                raise MalformedScenario(at, "the number is not finite")
            if abs(f) > MAX_DELAY_SECONDS:
                raise MalformedScenario(at, f"{f:g} seconds is beyond the scenario language's limit of "
                                            "1e9 seconds either way (the loop clock's range)")
            return f
        raise MalformedScenario(at, "expected a number" + (" or null" if kind == 'opt_number' else ""))
    if kind in ('value', 'int'):
        if x is None and kind == 'value':
            return None
        if _is_int(x):
            if not _INT64[0] <= x <= _INT64[1]:
                raise MalformedScenario(at, "the integer does not fit in 64 bits")
            return x
        raise MalformedScenario(at, "expected an integer" + (" or null" if kind == 'value' else ""))
    if kind == 'bool':
        if isinstance(x, bool):
            return x
        raise MalformedScenario(at, "expected true or false")
    if kind == 'texts':
        if not isinstance(x, list):
            raise MalformedScenario(at, "expected a list of names")
        for i, t in enumerate(x):
            if not isinstance(t, str):
                raise MalformedScenario(f"{at}/{i}", "expected a string")
        return list(x)
    if kind == 'classes':
        if not isinstance(x, list):
            raise MalformedScenario(at, "expected a list of exception class names")
        for i, c in enumerate(x):
            if c not in EXCEPTION_CLASSES:
                raise MalformedScenario(f"{at}/{i}", f"unknown exception class {c!r}")
        return list(x)
    if kind == 'return_when':
        if isinstance(x, str) and x in RETURN_WHEN:  # a list or an object is not hashable
            return x
        raise MalformedScenario(at, "expected ALL_COMPLETED, FIRST_COMPLETED or FIRST_EXCEPTION")
    if kind in ('task_block', 'cb_block'):
        return _check_block(x, at, in_callback=(kind == 'cb_block'), depth=depth + 1)
    raise AssertionError(kind)


def _check_block(stmts, at, in_callback, depth):
    if not isinstance(stmts, list):
        raise MalformedScenario(at, "expected a list of statements")
    if depth > MAX_NESTING_DEPTH:
        raise MalformedScenario(at, f"bodies nested more than {MAX_NESTING_DEPTH} deep "
                                    "(the scenario language's limit)")
    return [_check_statement(s, f"{at}/{i}", in_callback, depth) for i, s in enumerate(stmts)]


def _check_statement(s, at, in_callback, depth):
    if not isinstance(s, dict):
        raise MalformedScenario(at, "a statement is an object")
    do = s.get('do')
    if not isinstance(do, str):
        raise MalformedScenario(f"{at}/do", "every statement has a string field \"do\"")
    if do not in STATEMENTS:
        raise MalformedScenario(f"{at}/do", f"unknown statement {do!r}")
    callback_ok, fields = STATEMENTS[do]
    if in_callback and not callback_ok:
        raise MalformedScenario(f"{at}/do", f"statement {do!r} cannot appear in a callback")
    # The order of faults (SCENARIO.md, "File"): unknown fields, the smallest key first;
    # then missing fields; then the fields' values, in the table's order.
    for key in sorted(s):
        if key != 'do' and key not in fields:
            raise MalformedScenario(f"{at}/{_escape(key)}", f"unknown field for {do!r}")
    for key, (kind, required) in fields.items():
        if required and key not in s:
            raise MalformedScenario(f"{at}/{_escape(key)}", f"missing field for {do!r}")
    out = {'do': do}
    for key, (kind, required) in fields.items():
        if key not in s:
            default = _DEFAULTS[kind]
            out[key] = list(default) if isinstance(default, list) else default
            continue
        out[key] = _check_field(kind, s[key], f"{at}/{_escape(key)}", depth)
    return out


def _escape(key):
    """A JSON pointer token (RFC 6901), control characters written as JSON writes them."""
    key = key.replace('~', '~0').replace('/', '~1')
    return ''.join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or c == '\x7f' else c for c in key)


def parse(doc):
    """Checks a decoded JSON document and returns the normalized scenario (defaults filled in)."""
    if not isinstance(doc, dict):
        raise MalformedScenario('', "a scenario is an object")
    for key in sorted(doc):
        if key not in ('version', 'main'):
            raise MalformedScenario(f"/{_escape(key)}", "unknown field")
    if 'version' not in doc:
        raise MalformedScenario('/version', "missing field")
    if not _is_int(doc['version']) or doc['version'] != 1:
        raise MalformedScenario('/version', "only version 1 exists")
    if 'main' not in doc:
        raise MalformedScenario('/main', "missing field")
    return {'version': 1, 'main': _check_block(doc['main'], '/main', in_callback=False, depth=1)}


def _no_duplicate_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {k!r}")
        obj[k] = v
    return obj


def _no_constants(name):
    raise ValueError(f"{name} is not a JSON number")


def load(text):
    """Decodes and checks scenario text; raises MalformedScenario."""
    # A byte order mark at the start is allowed, as asim's parser allows it (RFC 8259
    # lets a parser ignore one); Python's json refuses it.
    if text.startswith('\ufeff'):
        text = text[1:]
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise MalformedScenario('', f"not JSON: {e}") from None
    except RecursionError:
        raise MalformedScenario('', "JSON nested too deep for the decoder (the scenario language allows "
                                    f"{MAX_NESTING_DEPTH} nested bodies)") from None
    if _holds_lone_surrogate(doc):
        raise MalformedScenario('', "not JSON: a string holds a lone surrogate escape (such as \\ud800), "
                                    "which no UTF-8 text can hold")
    return parse(doc)


_SURROGATE = re.compile('[\ud800-\udfff]')


def _holds_lone_surrogate(doc):
    """True when a string or key holds half a surrogate pair ("\\ud800" alone): Python's json
    decodes one, asim's parser refuses it as not JSON (SCENARIO.md), and printing it would
    fail. Walked without recursion: the document may be deep."""
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if _SURROGATE.search(x):
                return True
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return False


# ---------------------------------------------------------------------------
# The loop with a virtual clock
# ---------------------------------------------------------------------------

class _VirtualSelector:
    """The selector `BaseEventLoop._run_once` polls: instead of blocking for `timeout`
    it moves the clock to the earliest timer, and it notices batches of tied timers."""

    def __init__(self, loop):
        self._loop = loop

    def select(self, timeout):
        loop = self._loop
        if timeout is None:
            # No ready callback, no timer, not stopping: nothing can ever happen.
            raise _Deadlock()
        if timeout > 0:
            # _run_once only asks to block when the head of its timer heap is live. Jump
            # to that deadline itself rather than adding `timeout` (which the loop clamps
            # to one day and which floating point may round).
            loop._now = max(loop._now, loop._scheduled[0]._when)
        # The timers _run_once is about to move to the ready queue are exactly the live
        # ones due before now + resolution. It pops them in deadline order; only between
        # deadlines closer than the resolution is that order asyncio's (the heap's) choice.
        end = loop._now + loop._clock_resolution
        due = sorted(h._when for h in loop._scheduled if h._when < end and not h._cancelled)
        if any(b - a < loop._clock_resolution for a, b in zip(due, due[1:])):
            loop.tie = True
        return []

    def close(self):
        pass


class VirtualLoop(base_events.BaseEventLoop):
    """asyncio's BaseEventLoop on a clock that starts at 0.0 and only moves when the
    loop would otherwise sleep."""

    def __init__(self):
        super().__init__()
        self._now = 0.0
        self._clock_resolution = CLOCK_RESOLUTION
        self._selector = _VirtualSelector(self)
        self.tie = False
        self.cancel_cycle = False

    def time(self):
        return self._now

    def _run_once(self):
        super()._run_once()
        if self.cancel_cycle:
            raise _CancelCycle()

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def _exception_text(e):
    if isinstance(e, ScenarioError):
        return f"ScenarioError:{e.args[0]}"
    return type(e).__name__


def _value_text(v):
    if v is None:
        return "None"
    if _is_int(v):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    if isinstance(v, BaseException):
        return "!" + _exception_text(v)
    raise AssertionError(f"a scenario produced the value {v!r}")


# ---------------------------------------------------------------------------
# The interpreter
# ---------------------------------------------------------------------------

class _Returned:
    """What a block gives back when a `return` ended it."""
    __slots__ = ('value',)

    def __init__(self, value):
        self.value = value


_CLASSES = {
    'CancelledError': asyncio.CancelledError, 'TimeoutError': TimeoutError, 'ScenarioError': ScenarioError,
    'InvalidStateError': asyncio.InvalidStateError, 'RuntimeError': RuntimeError,
    'QueueEmpty': asyncio.QueueEmpty, 'QueueFull': asyncio.QueueFull, 'NameError': NameError,
    'TypeError': TypeError, 'ValueError': ValueError,
}

# What each kind of name may hold (a task, a gather and a shield are futures, as in asyncio).
_KIND = {
    'future': (asyncio.Future,),
    'handle': (asyncio.Handle,),
    'acquirable': (asyncio.Lock, asyncio.Semaphore),
    'event': (asyncio.Event,),
    'queue': (asyncio.Queue,),
    'cancellable': (asyncio.Future, asyncio.Handle),
}


class Outcome:
    """The result of one run: the trace lines and whether the case is a conformance case."""

    def __init__(self, lines, tie, cancel_cycle):
        self.lines = lines
        self.tie = tie
        self.cancel_cycle = cancel_cycle

    @property
    def text(self):
        return "".join(line + "\n" for line in self.lines)


class _Interpreter:
    def __init__(self, scenario):
        self.scenario = scenario
        self.loop = VirtualLoop()
        self.loop.set_exception_handler(self._exception_handler)
        self.names = {}
        self.tasks = []  # in creation order, for the end of the run
        self.lines = []
        self.recording = True

    # -- trace -------------------------------------------------------------
    def print(self, event):
        if not self.recording:
            return
        task = asyncio.current_task(self.loop)
        who = '-' if task is None else task.get_name()
        self.lines.append(f"{self.loop.time():.6f} {who} {event}")

    def exc(self, e):
        if isinstance(e, RecursionError):
            self.loop.cancel_cycle = True
        return _exception_text(e)

    def _exception_handler(self, loop, context):
        e = context.get('exception')
        if isinstance(e, RecursionError):
            loop.cancel_cycle = True
        # Only errors escaping a callback belong in the trace; reports that come from
        # garbage collection ("exception was never retrieved") are not events.
        if e is not None and 'handle' in context:
            self.print(f"callback_error {self.exc(e)}")

    def log_when_done(self, name, fut):
        def done_logger(f):
            if f.cancelled():
                self.print(f"done {name} cancelled")
            elif f.exception() is not None:
                self.print(f"done {name} error {self.exc(f.exception())}")
            else:
                self.print(f"done {name} ok {_value_text(f.result())}")
        fut.add_done_callback(done_logger)

    # -- names -------------------------------------------------------------
    def lookup(self, name, kind):
        try:
            obj = self.names[name]
        except KeyError:
            raise NameError(name) from None
        if not isinstance(obj, _KIND[kind]):
            raise TypeError(f"{name} is not a {kind}")
        return obj

    def claim(self, name):
        if name in self.names:
            raise NameError(f"{name} exists")

    def bind(self, name, obj):
        self.claim(name)
        self.names[name] = obj
        return obj

    # -- statements that never wait (task bodies and callbacks) --------------
    def st_log(self, s):
        self.print(f"log {s['msg']}")

    def st_spawn(self, s):
        self.claim(s['name'])
        task = self.loop.create_task(self.task_main(s['body']), name=s['name'])
        self.names[s['name']] = task
        self.tasks.append(task)
        self.log_when_done(s['name'], task)

    def st_future(self, s):
        self.claim(s['name'])
        self.log_when_done(s['name'], self.bind(s['name'], self.loop.create_future()))

    def st_cancel(self, s):
        obj = self.lookup(s['target'], 'cancellable')
        if isinstance(obj, asyncio.Handle):
            obj.cancel()
            self.print(f"cancel {s['target']}")
        else:
            self.print(f"cancel {s['target']} -> {obj.cancel()}")

    def st_set_result(self, s):
        # A task is a future whose set_result raises RuntimeError, as in asyncio.
        self.lookup(s['target'], 'future').set_result(s['value'])
        self.print(f"set_result {s['target']} {_value_text(s['value'])}")

    def st_set_exception(self, s):
        self.lookup(s['target'], 'future').set_exception(ScenarioError(s['msg']))
        self.print(f"set_exception {s['target']} ScenarioError:{s['msg']}")

    def _schedule(self, s, when):
        label, then = s['label'], s['then']

        def callback():
            self.print(f"cb {label}")
            for stmt in then:
                self.sync_statement(stmt)

        handle = self.loop.call_soon(callback) if when is None else self.loop.call_at(when, callback)
        # The callback is scheduled before its name is bound: a clashing name raises
        # NameError here, and the callback still runs.
        if s['name'] is not None:
            self.bind(s['name'], handle)

    def st_call_soon(self, s):
        self._schedule(s, None)

    def st_call_later(self, s):
        # loop.call_later(delay, cb) is loop.call_at(loop.time() + delay, cb).
        self._schedule(s, self.loop.time() + s['delay'])

    def st_call_at(self, s):
        self._schedule(s, self.loop.time() + s['offset'])

    def st_gather(self, s):
        children = [self.lookup(t, 'future') for t in s['targets']]
        self.claim(s['name'])
        outer = asyncio.gather(*children, return_exceptions=s['return_exceptions'])
        self.log_when_done(s['name'], self.bind(s['name'], outer))

    def st_shield(self, s):
        inner = self.lookup(s['target'], 'future')
        self.claim(s['name'])
        # shield() of a future that is already done is that future itself.
        self.log_when_done(s['name'], self.bind(s['name'], asyncio.shield(inner)))

    def st_lock(self, s):
        self.claim(s['name'])
        self.bind(s['name'], asyncio.Lock())

    def st_semaphore(self, s):
        self.claim(s['name'])
        self.bind(s['name'], asyncio.Semaphore(s['value']))  # ValueError below 0; no name then

    def st_event(self, s):
        self.claim(s['name'])
        self.bind(s['name'], asyncio.Event())

    def st_queue(self, s):
        self.claim(s['name'])
        self.bind(s['name'], asyncio.Queue(s['maxsize']))

    def st_release(self, s):
        self.lookup(s['target'], 'acquirable').release()
        self.print(f"release {s['target']}")

    def st_set(self, s):
        self.lookup(s['target'], 'event').set()
        self.print(f"set {s['target']}")

    def st_clear(self, s):
        self.lookup(s['target'], 'event').clear()
        self.print(f"clear {s['target']}")

    def st_put_nowait(self, s):
        self.lookup(s['target'], 'queue').put_nowait(s['value'])
        self.print(f"put {s['target']} {_value_text(s['value'])}")

    def st_get_nowait(self, s):
        v = self.lookup(s['target'], 'queue').get_nowait()
        self.print(f"get {s['target']} = {_value_text(v)}")

    def sync_statement(self, s):
        getattr(self, 'st_' + s['do'])(s)

    # -- statements that may wait (task bodies only) ---------------------------
    async def at_sleep(self, s):
        await asyncio.sleep(s['delay'])

    async def at_await(self, s):
        v = await self.lookup(s['target'], 'future')
        self.print(f"await {s['target']} = {_value_text(v)}")

    async def at_wait(self, s):
        label = {}  # object -> the first name that listed it
        futs = []
        for name in s['targets']:
            f = self.lookup(name, 'future')
            futs.append(f)
            label.setdefault(id(f), name)
        done, pending = await asyncio.wait(futs, timeout=s['timeout'], return_when=RETURN_WHEN[s['return_when']])
        d = ",".join(sorted(label[id(f)] for f in done))
        p = ",".join(sorted(label[id(f)] for f in pending))
        self.print(f"wait done=[{d}] pending=[{p}]")

    async def at_wait_for(self, s):
        v = await asyncio.wait_for(self.lookup(s['target'], 'future'), s['timeout'])
        self.print(f"wait_for {s['target']} = {_value_text(v)}")

    async def at_as_completed(self, s):
        futs = [self.lookup(t, 'future') for t in s['targets']]
        # as_completed registers its done-callbacks while iterating a set of the
        # futures: for futures that are already done that order is the order of their
        # addresses, which asyncio leaves undefined.
        if len({id(f) for f in futs if f.done()}) >= 2:
            self.loop.tie = True
        for next_done in asyncio.as_completed(futs, timeout=s['timeout']):
            v = await next_done
            self.print(f"as_completed = {_value_text(v)}")

    async def at_timeout(self, s):
        async with asyncio.timeout(s['delay']):
            return await self.block(s['body'])

    async def at_try(self, s):
        try:
            return await self.block(s['body'])
        except BaseException as e:  # CancelledError is caught by name like any other class
            if not any(type(e) is _CLASSES[c] for c in s['catch']):
                raise
            self.print(f"caught {self.exc(e)}")
            outcome = await self.block(s['handler'])
            if outcome is not None:
                return outcome
            if s['reraise']:
                raise

    async def at_return(self, s):
        return _Returned(s['value'])

    async def at_raise(self, s):
        raise ScenarioError(s['msg'])

    async def at_acquire(self, s):
        await self.lookup(s['target'], 'acquirable').acquire()
        self.print(f"acquire {s['target']}")

    async def at_wait_event(self, s):
        await self.lookup(s['target'], 'event').wait()
        self.print(f"wait_event {s['target']}")

    async def at_put(self, s):
        await self.lookup(s['target'], 'queue').put(s['value'])
        self.print(f"put {s['target']} {_value_text(s['value'])}")

    async def at_get(self, s):
        v = await self.lookup(s['target'], 'queue').get()
        self.print(f"get {s['target']} = {_value_text(v)}")

    async def block(self, stmts):
        """Runs statements in order; returns a _Returned if a `return` ended the block."""
        for s in stmts:
            step = getattr(self, 'at_' + s['do'], None)
            if step is None:
                self.sync_statement(s)
                continue
            outcome = await step(s)
            if outcome is not None:
                return outcome
        return None

    async def task_main(self, stmts):
        outcome = await self.block(stmts)
        return None if outcome is None else outcome.value

    # -- the run --------------------------------------------------------------
    def _run_until_complete(self, fut):
        """loop.run_until_complete(fut); the future's own exception is the run's business
        (its done-logger printed it), the runner's signals are not."""
        try:
            self.loop.run_until_complete(fut)
        except (_Deadlock, _CancelCycle):
            raise
        except RecursionError:
            raise _CancelCycle() from None
        except (Exception, asyncio.CancelledError):
            pass
        if self.loop.cancel_cycle:
            raise _CancelCycle()

    def run(self):
        loop = self.loop
        try:
            main = loop.create_task(self.task_main(self.scenario['main']), name='main')
            self.names['main'] = main
            self.tasks.append(main)
            self.log_when_done('main', main)
            self._run_until_complete(main)
            # Cancel what is left, in creation order, silently; then let it finish.
            left = [t for t in self.tasks if not t.done()]
            for t in left:
                try:
                    t.cancel()
                except RecursionError:
                    raise _CancelCycle() from None
            if left:
                self._run_until_complete(asyncio.gather(*left, return_exceptions=True))
        except _Deadlock:
            self.lines.append(f"{loop.time():.6f} - deadlock")
        except _CancelCycle:
            loop.cancel_cycle = True
        finally:
            self.recording = False
            # Tasks still pending hold coroutines that the garbage collector would close
            # later, once the loop is closed: asyncio code unwinding then (Queue.get
            # cancels its getter) fails with noise on stderr, and a coroutine that never
            # started warns. Close them now, while the loop is open and nothing prints.
            for t in self.tasks:
                coro = t.get_coro()
                if not t.done() and inspect.iscoroutine(coro) and \
                        inspect.getcoroutinestate(coro) in (inspect.CORO_CREATED, inspect.CORO_SUSPENDED):
                    try:
                        coro.close()
                    except Exception:  # a coroutine that refuses to close is no event
                        pass
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        return Outcome(self.lines, loop.tie, loop.cancel_cycle)


def run(scenario):
    """Runs a scenario (as returned by `load` or `parse`) and returns its Outcome."""
    with warnings.catch_warnings():
        # Coroutines of tasks that never started are closed unawaited when the run is
        # over; that is expected here and not worth a RuntimeWarning on stderr.
        warnings.simplefilter('ignore')
        return _Interpreter(scenario).run()


def main(argv=None):
    argv = sys.argv if argv is None else argv
    if len(argv) != 2 or argv[1] in ('-h', '--help'):
        print("usage: asim_oracle.py FILE.json|-", file=sys.stderr)
        return 2
    if sys.version_info[:2] != (3, 11):
        print(f"asim_oracle: needs CPython 3.11 (the reference asyncio), not {sys.version.split()[0]}",
              file=sys.stderr)
        return 2
    source = argv[1]
    try:
        if source == '-':
            text = sys.stdin.read()
        else:
            with open(source, encoding='utf-8') as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"asim_oracle: {source}: {e}", file=sys.stderr)
        return 2
    try:
        scenario = load(text)
    except MalformedScenario as e:
        print(f"asim_oracle: {source}: malformed scenario at {e}", file=sys.stderr)
        return 2
    outcome = run(scenario)
    if outcome.cancel_cycle:
        print("asim_oracle: a cancel cycle made CPython recurse without end; not a conformance case",
              file=sys.stderr)
        return 3
    sys.stdout.write(outcome.text)
    sys.stdout.flush()
    if outcome.tie:
        print("tie", file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
