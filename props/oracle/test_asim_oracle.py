# SPDX-License-Identifier: MIT
"""Tests of asim's CPython runner of the scenario language (asim_oracle.py).

Run from this folder: python3 -m unittest -v test_asim_oracle
"""
import glob
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import asim_oracle  # noqa: E402

ORACLE = os.path.join(HERE, 'asim_oracle.py')
PROJECT = os.path.normpath(os.path.join(HERE, '..', '..'))
# The shipped examples (README points at them) and the per-statement test scenarios.
DATA = os.path.join(PROJECT, 'props', 'scenarios', 'examples')
EXTRA = os.path.join(PROJECT, 'tests', 'props', 'data', 'extra')
# The reference runner shared by the asim sessions; the cross-check is skipped without it.
REFERENCE = os.path.normpath(os.path.join(PROJECT, '..', 'shared', 'scenario', 'asyncio_oracle.py'))


# The runner models CPython 3.11's asyncio and refuses other versions.
needs_python_3_11 = unittest.skipUnless(sys.version_info[:2] == (3, 11), "the oracle runs on CPython 3.11 only")


def scenario_files(folder):
    return sorted(glob.glob(os.path.join(folder, '*.json')))


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def trace_of(text):
    return asim_oracle.run(asim_oracle.load(text)).text


def run_cli(path_or_text, stdin=False):
    args = [sys.executable, ORACLE, '-' if stdin else path_or_text]
    return subprocess.run(args, input=path_or_text if stdin else None, capture_output=True, text=True, timeout=60)


def scenario(*main):
    return json.dumps({'version': 1, 'main': list(main)})


@needs_python_3_11
class Conformance(unittest.TestCase):
    def check_folder(self, folder, at_least):
        files = scenario_files(folder)
        self.assertGreaterEqual(len(files), at_least, f"scenario files in {folder}")
        for path in files:
            with self.subTest(scenario=os.path.basename(path)):
                outcome = asim_oracle.run(asim_oracle.load(read(path)))
                self.assertFalse(outcome.cancel_cycle)
                self.assertEqual(outcome.text, read(path[:-len('.json')] + '.trace'))

    def test_every_shared_example_prints_its_reference_trace_byte_for_byte(self):
        self.check_folder(DATA, 16)

    def test_every_extra_scenario_prints_its_recorded_trace(self):
        self.check_folder(EXTRA, 20)

    def test_the_extra_scenarios_use_every_statement_of_the_language(self):
        used = set()

        def walk(stmts):
            for s in stmts:
                used.add(s['do'])
                for key in ('body', 'then', 'handler'):
                    walk(s.get(key) or [])
        for path in scenario_files(EXTRA):
            walk(json.loads(read(path))['main'])
        self.assertEqual(set(asim_oracle.STATEMENTS) - used, set())

    def test_the_command_line_prints_the_trace_on_stdout_and_nothing_on_stderr(self):
        path = os.path.join(DATA, '13_gather.json')
        done = run_cli(path)
        self.assertEqual((done.returncode, done.stderr), (0, ''))
        self.assertEqual(done.stdout, read(os.path.join(DATA, '13_gather.trace')))

    def test_the_command_line_reads_the_scenario_from_stdin_given_a_dash(self):
        done = run_cli(read(os.path.join(DATA, '01_coroutine.json')), stdin=True)
        self.assertEqual(done.returncode, 0)
        self.assertEqual(done.stdout, read(os.path.join(DATA, '01_coroutine.trace')))


def load_reference():
    """Imports the shared reference runner under a private name (its module state stays its own)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('shared_asyncio_oracle', REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_python_3_11
@unittest.skipUnless(os.path.exists(REFERENCE), "the shared reference runner is not beside the project")
class AgreesWithTheSharedReferenceRunner(unittest.TestCase):
    def test_both_runners_print_the_same_trace_for_every_scenario_file(self):
        reference = load_reference()
        for path in scenario_files(EXTRA) + scenario_files(DATA):
            with self.subTest(scenario=os.path.basename(path)):
                text = read(path)
                theirs = "".join(line + "\n" for line in reference.Runner(json.loads(text)).main())
                self.assertEqual(trace_of(text), theirs)


@needs_python_3_11
class Malformed(unittest.TestCase):
    def assert_malformed(self, text, pointer):
        with self.assertRaises(asim_oracle.MalformedScenario) as caught:
            asim_oracle.load(text)
        self.assertEqual(caught.exception.pointer, pointer)

    def test_an_unknown_statement_names_its_place(self):
        self.assert_malformed(scenario({'do': 'log', 'msg': 'a'}, {'do': 'jump'}), '/main/1/do')

    def test_a_missing_field_names_its_place(self):
        self.assert_malformed(scenario({'do': 'spawn', 'name': 't', 'body': [{'do': 'sleep'}]}),
                              '/main/0/body/0/delay')

    def test_an_ill_typed_field_names_its_place(self):
        self.assert_malformed(scenario({'do': 'sleep', 'delay': '1'}), '/main/0/delay')
        self.assert_malformed(scenario({'do': 'sleep', 'delay': True}), '/main/0/delay')
        self.assert_malformed(scenario({'do': 'future', 'name': 'f'}, {'do': 'set_result', 'target': 'f', 'value': 1.5}),
                              '/main/1/value')

    def test_a_list_of_names_names_the_element_that_is_not_a_string(self):
        self.assert_malformed(scenario({'do': 'wait', 'targets': ['a', 4], 'timeout': None,
                                        'return_when': 'ALL_COMPLETED'}), '/main/0/targets/1')
        self.assert_malformed(scenario({'do': 'gather', 'name': 'g', 'targets': 'a', 'return_exceptions': False}),
                              '/main/0/targets')

    def test_a_lone_surrogate_escape_is_not_json_as_asims_parser_says(self):
        for text in ('"\\ud800"', '"a\\udc00"', '"\\udc00\\ud800"'):
            self.assert_malformed('{"version": 1, "main": [{"do": "log", "msg": %s}]}' % text, '')
        self.assert_malformed('{"version": 1, "main": [{"do": "log", "msg": "m", "\\ud800": 1}]}', '')
        asim_oracle.load('{"version": 1, "main": [{"do": "log", "msg": "\\ud83d\\ude00 \\\\ud800"}]}')

    def test_a_return_when_that_is_a_list_or_an_object_is_malformed_not_a_crash(self):
        for value in ([], ['ALL_COMPLETED'], {}):
            self.assert_malformed(scenario({'do': 'wait', 'targets': [], 'timeout': None, 'return_when': value}),
                                  '/main/0/return_when')

    def test_faults_are_looked_for_in_the_order_scenario_md_gives(self):
        # Unknown fields, the smallest key first; then missing fields; then values.
        self.assert_malformed('{"version": 1, "main": [{"zz": 1, "do": "log", "msg": "a", "b": 2}]}', '/main/0/b')
        self.assert_malformed('{"version": 1, "main": [], "zz": 1, "b": 2}', '/b')
        self.assert_malformed(scenario({'do': 'call_later', 'delay': 'x'}), '/main/0/label')
        self.assert_malformed('{"version": 1, "main": [{"do": "sleep", "delay": 1e400}], "x": 1}', '/x')
        # A control character in a key is written as JSON writes it.
        self.assert_malformed(scenario({'do': 'log', 'msg': 'a', 'x\x00': 1}), '/main/0/x\\u0000')

    def test_a_byte_order_mark_at_the_start_is_allowed(self):
        self.assertEqual(asim_oracle.load('\ufeff' + scenario({'do': 'log', 'msg': 'a'}))['main'][0]['msg'], 'a')
        self.assert_malformed(scenario() + '\ufeff', '')

    def test_non_finite_numbers_are_rejected(self):
        self.assert_malformed('{"version": 1, "main": [{"do": "sleep", "delay": NaN}]}', '')
        self.assert_malformed('{"version": 1, "main": [{"do": "sleep", "delay": 1e400}]}', '/main/0/delay')

    def test_the_languages_limits_are_enforced_at_load_time(self):
        def nested(depth):
            body = [{'do': 'log', 'msg': 'x'}]
            for _ in range(depth):
                body = [{'do': 'try', 'catch': [], 'body': body}]
            return scenario(*body)
        asim_oracle.load(nested(asim_oracle.MAX_NESTING_DEPTH - 1))
        self.assert_malformed(nested(asim_oracle.MAX_NESTING_DEPTH), '/main' + '/0/body' * 100)
        self.assert_malformed(scenario({'do': 'sleep', 'delay': 1e300}), '/main/0/delay')
        self.assert_malformed(scenario({'do': 'call_later', 'delay': -1e10, 'label': 'x'}), '/main/0/delay')
        asim_oracle.load(scenario({'do': 'sleep', 'delay': 1e9}))
        # Deeper than Python's JSON decoder can go: still exit 2, at the root.
        self.assert_malformed('{"version": 1, "main": ' + '[' * 100000 + ']' * 100000 + '}', '')

    def test_an_awaiting_statement_inside_a_callback_is_rejected(self):
        self.assert_malformed(scenario({'do': 'call_soon', 'label': 'x', 'then': [{'do': 'sleep', 'delay': 0}]}),
                              '/main/0/then/0/do')

    def test_an_unknown_field_an_unknown_class_and_a_wrong_version_are_rejected(self):
        self.assert_malformed(scenario({'do': 'log', 'msg': 'a', 'msgs': 'b'}), '/main/0/msgs')
        self.assert_malformed(scenario({'do': 'try', 'body': [], 'catch': ['KeyError']}), '/main/0/catch/0')
        self.assert_malformed('{"version": 2, "main": []}', '/version')
        self.assert_malformed('{"version": true, "main": []}', '/version')
        self.assert_malformed('{"version": 1, "main": [], "main": []}', '')

    def test_optional_fields_take_their_defaults(self):
        parsed = asim_oracle.load(scenario({'do': 'call_later', 'delay': 1, 'label': 'x'},
                                           {'do': 'try', 'body': [], 'catch': []}, {'do': 'return'}))
        later, attempt, ret = parsed['main']
        self.assertEqual((later['name'], later['then']), (None, []))
        self.assertEqual((attempt['handler'], attempt['reraise']), ([], False))
        self.assertIsNone(ret['value'])

    def test_the_command_line_exits_2_with_the_place_on_stderr(self):
        done = run_cli(scenario({'do': 'sleep'}), stdin=True)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stdout, '')
        self.assertIn('/main/0/delay', done.stderr)

    def test_a_file_that_is_not_json_exits_2(self):
        done = run_cli('{"version": 1, "main": [', stdin=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn('not JSON', done.stderr)


@needs_python_3_11
class NotConformanceCases(unittest.TestCase):
    def test_two_timers_with_one_deadline_print_tie_on_stderr(self):
        text = scenario({'do': 'call_later', 'delay': 0.5, 'label': 'a'},
                        {'do': 'call_later', 'delay': 0.5, 'label': 'b'},
                        {'do': 'sleep', 'delay': 1})
        done = run_cli(text, stdin=True)
        self.assertEqual((done.returncode, done.stderr), (0, 'tie\n'))
        self.assertIn('0.500000 - cb b', done.stdout)

    def test_a_sleep_that_ends_with_a_timeout_is_a_tie(self):
        text = scenario({'do': 'spawn', 'name': 't', 'body': [{'do': 'sleep', 'delay': 1}]},
                        {'do': 'wait', 'targets': ['t'], 'timeout': 1, 'return_when': 'ALL_COMPLETED'})
        self.assertTrue(asim_oracle.run(asim_oracle.load(text)).tie)

    def test_timers_due_in_the_past_with_distinct_deadlines_are_not_a_tie(self):
        text = scenario({'do': 'call_at', 'offset': -1, 'label': 'first'},
                        {'do': 'call_later', 'delay': -0.5, 'label': 'second'},
                        {'do': 'call_later', 'delay': 0, 'label': 'third'},
                        {'do': 'sleep', 'delay': 0})
        outcome = asim_oracle.run(asim_oracle.load(text))
        self.assertFalse(outcome.tie)
        self.assertEqual([line.split(' ', 2)[2] for line in outcome.lines[:3]], ['cb first', 'cb second', 'cb third'])

    def test_a_cancelled_timer_does_not_make_a_tie(self):
        text = scenario({'do': 'call_later', 'delay': 0.5, 'label': 'a', 'name': 'h'},
                        {'do': 'call_later', 'delay': 0.5, 'label': 'b'},
                        {'do': 'cancel', 'target': 'h'},
                        {'do': 'sleep', 'delay': 0.75})
        self.assertFalse(asim_oracle.run(asim_oracle.load(text)).tie)

    def test_as_completed_over_two_futures_already_done_is_a_tie(self):
        # as_completed iterates a set: done futures come out in the order of their addresses.
        text = scenario({'do': 'future', 'name': 'x'}, {'do': 'future', 'name': 'y'},
                        {'do': 'set_result', 'target': 'x', 'value': 1}, {'do': 'set_result', 'target': 'y', 'value': 2},
                        {'do': 'as_completed', 'targets': ['x', 'y', 'x']})
        self.assertTrue(asim_oracle.run(asim_oracle.load(text)).tie)

    def test_a_task_awaiting_a_gather_of_itself_exits_3_when_cancelled_at_the_end(self):
        text = scenario({'do': 'spawn', 'name': 't', 'body': [{'do': 'sleep', 'delay': 0}, {'do': 'await', 'target': 'g'}]},
                        {'do': 'gather', 'name': 'g', 'targets': ['t'], 'return_exceptions': False},
                        {'do': 'sleep', 'delay': 0.125})
        done = run_cli(text, stdin=True)
        self.assertEqual((done.returncode, done.stdout), (3, ''))

    def test_two_tasks_awaiting_each_other_exit_3_when_a_callback_cancels_one(self):
        text = scenario({'do': 'spawn', 'name': 'a', 'body': [{'do': 'sleep', 'delay': 0}, {'do': 'await', 'target': 'b'}]},
                        {'do': 'spawn', 'name': 'b', 'body': [{'do': 'sleep', 'delay': 0}, {'do': 'await', 'target': 'a'}]},
                        {'do': 'sleep', 'delay': 0.125},
                        {'do': 'call_soon', 'label': 'x', 'then': [{'do': 'cancel', 'target': 'a'}]},
                        {'do': 'sleep', 'delay': 0.125})
        self.assertTrue(asim_oracle.run(asim_oracle.load(text)).cancel_cycle)


@needs_python_3_11
class Semantics(unittest.TestCase):
    def lines(self, *main):
        return asim_oracle.run(asim_oracle.load(scenario(*main))).lines

    def test_a_deadlock_is_the_last_line_at_the_time_it_happened(self):
        lines = self.lines({'do': 'future', 'name': 'f'}, {'do': 'sleep', 'delay': 0.25}, {'do': 'await', 'target': 'f'})
        self.assertEqual(lines, ['0.250000 - deadlock'])

    def test_the_clock_moves_to_the_deadline_itself(self):
        # 0.1 + (0.3 - 0.1) is not 0.3 in binary floating point; the clock lands on 0.3 anyway.
        text = scenario({'do': 'sleep', 'delay': 0.1}, {'do': 'call_at', 'offset': 0.2, 'label': 'x'},
                        {'do': 'sleep', 'delay': 0.5})
        interp = asim_oracle._Interpreter(asim_oracle.load(text))
        times = []
        interp.print = lambda event: times.append(interp.loop.time())
        interp.run()
        self.assertEqual(times[0], 0.1 + 0.2)

    def test_a_semaphore_below_zero_raises_value_error_and_binds_no_name(self):
        lines = self.lines({'do': 'try', 'body': [{'do': 'semaphore', 'name': 's', 'value': -1}],
                            'catch': ['ValueError'], 'handler': [], 'reraise': False},
                           {'do': 'semaphore', 'name': 's', 'value': 1},
                           {'do': 'acquire', 'target': 's'})
        self.assertEqual(lines, ['0.000000 main caught ValueError', '0.000000 main acquire s',
                                 '0.000000 - done main ok None'])

    def test_a_callback_whose_name_exists_still_runs(self):
        lines = self.lines({'do': 'future', 'name': 'f'},
                           {'do': 'try', 'body': [{'do': 'call_soon', 'label': 'x', 'name': 'f'}],
                            'catch': ['NameError'], 'handler': [], 'reraise': False},
                           {'do': 'sleep', 'delay': 0})
        self.assertEqual(lines[:2], ['0.000000 main caught NameError', '0.000000 - cb x'])


if __name__ == '__main__':
    unittest.main()
