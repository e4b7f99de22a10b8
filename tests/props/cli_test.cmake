# The `asim` command line: exit codes and messages of each command, usage errors
# (exit 2, naming the option), and the shipped example scenarios printing their traces.
# Run by ctest as `cmake -DASIM=<tool> -DSOURCE_DIR=<project> -DWORK_DIR=<scratch> -P`.
foreach(var ASIM SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "cli_test.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(examples ${SOURCE_DIR}/props/scenarios/examples)
set(failures "")

# expect(EXIT STREAM REGEX ARGS...): runs `asim ARGS...`, checks the exit code and that
# STREAM (stdout or stderr) matches REGEX.
function(expect code stream regex)
  execute_process(COMMAND ${ASIM} ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY ${WORK_DIR})
  if(stream STREQUAL "stdout")
    set(text "${out}")
  else()
    set(text "${err}")
  endif()
  if(NOT status STREQUAL "${code}" OR NOT text MATCHES "${regex}")
    set(failures "${failures}\nasim ${ARGN}: exit ${status} (expected ${code}), ${stream} should match '${regex}'\n--- stdout\n${out}--- stderr\n${err}" PARENT_SCOPE)
  endif()
endfunction()

# --help on the tool and on every command.
expect(0 stdout "Usage: asim \\[OPTIONS\\] SUBCOMMAND" --help)
expect(0 stdout "Usage: asim run \\[OPTIONS\\] FILE.*--trace-asim-json.*--trace-chrome" run --help)
expect(0 stdout "Usage: asim gen .*--seed" gen --help)
expect(0 stdout "Usage: asim check .*--oracle.*--property" check --help)
expect(0 stdout "Usage: asim demo \\[OPTIONS\\] \\[NAME\\].*--list" demo --help)

# Usage errors: exit 2, the message names the command or option.
expect(2 stderr "asim: A subcommand is required")
expect(2 stderr "unknown command 'frobnicate'" frobnicate)
expect(2 stderr "FILE: no such file 'missing.json'" run missing.json)
expect(2 stderr "FILE: '${WORK_DIR}' is a directory" run ${WORK_DIR})
expect(2 stderr "--loop: bogus not in \\{sim,real,virtual\\}" run ${examples}/13_gather.json --loop bogus)
expect(2 stderr "--seed and --sim-choices .* need --loop sim" run ${examples}/13_gather.json --loop real --seed 3)
expect(2 stderr "--trace-json .*--trace-asim-json FILE.*--trace-chrome FILE" run ${examples}/13_gather.json --trace-json x.json)
expect(2 stderr "--max-steps limits the simulated loop: it needs --loop sim"
       run ${examples}/13_gather.json --loop virtual --max-steps 5)
# Unsigned options refuse a sign (CLI11 alone reads -1 as 2^64 - 1) and too many digits.
expect(2 stderr "--max-steps: expected a non-negative integer, got '-1'" run ${examples}/13_gather.json --max-steps -1)
expect(2 stderr "--seed: expected a non-negative integer, got '-1'" run ${examples}/13_gather.json --seed -1)
expect(2 stderr "--seed: '18446744073709551616' is more than 2\\^64 - 1" gen --seed 18446744073709551616)
expect(2 stderr "--seed: expected a non-negative integer, got '-3'" demo --seed -3)
expect(2 stderr "--jobs: expected a non-negative integer, got '-1'" check --seeds 0:3 --jobs -1)
expect(2 stderr "--trace-chrome: the directory of 'no/such/dir/t.json' does not exist"
       run ${examples}/13_gather.json --trace-chrome no/such/dir/t.json)
expect(2 stderr "--seed is required" gen)
expect(2 stderr "--seed" gen --seed minus-one)
expect(2 stderr "--oracle: no such file 'MISSING.py'" check --seeds 0:3 --oracle MISSING.py)
file(WRITE ${WORK_DIR}/broken_runner.py "import sys\nsys.exit('this runner is broken')\n")
expect(2 stderr "--oracle: '.*broken_runner.py' does not run a scenario \\(exit code 1\\):\nthis runner is broken"
       check --seeds 0:3 --oracle ${WORK_DIR}/broken_runner.py)
expect(2 stderr "--out: Directory does not exist: no/such/dir" check --seeds 0:3 --out no/such/dir)
expect(2 stderr "--property: nope not in \\{determinism,sim_vs_real,invariants,conformance\\}" check --property nope)
expect(2 stderr "--property conformance needs --oracle" check --seeds 0:3 --property conformance)
expect(2 stderr "--seeds: A:B needs A <= B, got '5:2'" check --seeds 5:2)
expect(2 stderr "--shard: expected I/N with 0 <= I < N, got '3/2'" check --shard 3/2)
expect(2 stderr "NAME: other not in \\{stale_cache,session_keepalive," demo other)
expect(2 stderr "--seed excludes --seeds" demo --seed 1 --seeds 0:4)
expect(2 stderr "--seeds: A:B needs A < B" demo --seeds 4:4)

# What works.
expect(0 stdout "^stale_cache\nsession_keepalive\noversell\n.*connection_pool\nreplicated_kv\n$" demo --list)
# An example bug: found, shrunk, labelled, and a replay line that reproduces it.
expect(1 stdout "RuntimeError: oversold.*lateness = 6 \\(late by 500 us\\).*replay: [^\n]* demo oversell --seed 16 --schedule '1:lateness=6'\n$"
       demo oversell)
expect(1 stdout "replaying seed 16 with schedule '1:lateness=6'.*RuntimeError: oversold"
       demo oversell --seed 16 --schedule 1:lateness=6)
expect(0 stdout "asim sweep passed: 2000 seeds of \\[0, 2000\\)" demo oversell --fixed --seeds 0:2000)
expect(2 stderr "--schedule: malformed schedule entry 'bad'" demo oversell --schedule bad)
# The replicated store on three simulated hosts: the nemesis's strike is found and
# replayed, and the replay's Chrome trace has one process per host.
expect(1 stdout "RuntimeError: acknowledged write lost.*nemesis: strike.*replay: [^\n]* demo replicated_kv --seed [0-9]+ --schedule '[^']+'\n$"
       demo replicated_kv)
expect(1 stdout "replaying seed 3 with schedule '5:random=1'.*acknowledged write lost"
       demo replicated_kv --seed 3 --schedule 5:random=1 --trace ${WORK_DIR}/replicated_kv.json)
file(READ ${WORK_DIR}/replicated_kv.json kv_trace)
foreach(host db1 db2 db3 client)
  if(NOT kv_trace MATCHES "\"process_name\",\"args\":{\"name\":\"host ${host}\"}")
    set(failures "${failures}\nasim demo replicated_kv --trace: no process for host ${host}")
  endif()
endforeach()
expect(2 stderr "--schedule: the stale_cache demo replays by --seed alone" demo stale_cache --schedule 1:lateness=1)
expect(0 stdout "seed 3 passes" demo stale_cache --seed 3 --fixed)
expect(0 stdout "^checked 5 scenarios \\(seeds 0:5; determinism, invariants\\): 5 passed, 0 failed" check --seeds 0:5)
expect(0 stdout "^\\{\"version\": ?1" gen --seed 7 --size 12)

# A runner that differs from asim on `cancel` lines only (asim itself, through sed): the
# failure is shrunk to the two statements that make a thing and cancel it, written to
# --out, and its replay line (the runner quoted) finds it again.
file(WRITE ${WORK_DIR}/tampered_runner.sh "\"${ASIM}\" run \"$1\" | sed 's/ cancel / CANCEL /'\n")
set(tampered "sh ${WORK_DIR}/tampered_runner.sh")
set(shrunk_failure "FAIL seed 2 property conformance\n.*shrunk scenario \\(2 statements\\): [^\n]*asim-failure-conformance-2.json\n")
expect(1 stdout "${shrunk_failure}replay: [^\n]* check --seeds 2:3 --property conformance --size 12 --oracle 'sh [^\n]*tampered_runner.sh'\n.*1 failed"
       check --seeds 2:3 --oracle ${tampered})
expect(1 stdout "${shrunk_failure}" check --seeds 2:3 --property conformance --size 12 --oracle ${tampered})
file(READ ${WORK_DIR}/asim-failure-conformance-2.json shrunk_json)
if(NOT shrunk_json MATCHES "\"do\": ?\"cancel\"")
  set(failures "${failures}\nthe shrunk failure lost its cancel:\n${shrunk_json}")
endif()

# README's generated scenario is a valid program: no NameError anywhere in its run.
execute_process(COMMAND ${ASIM} gen --seed 7 --size 12 OUTPUT_FILE ${WORK_DIR}/gen7.json)
execute_process(COMMAND ${ASIM} run ${WORK_DIR}/gen7.json RESULT_VARIABLE status OUTPUT_VARIABLE out)
if(NOT status EQUAL 0 OR out MATCHES "NameError" OR NOT out MATCHES "done main")
  set(failures "${failures}\nasim gen --seed 7 --size 12 | asim run: exit ${status}\n${out}")
endif()

# `--seed` asks for the simulated loop's choices: the trace records seed 5.
expect(0 stdout "done main" run ${examples}/13_gather.json --seed 5 --trace-asim-json seed.json)
file(READ ${WORK_DIR}/seed.json asim_json)
if(NOT asim_json MATCHES "\"seed\": 5" OR NOT asim_json MATCHES "\"events\": \\[")
  set(failures "${failures}\n--trace-asim-json wrote:\n${asim_json}")
endif()
# The simulated loop's step limit stops a runaway with exit 1 and says how to raise it;
# 0 lifts it.
expect(1 stderr "step limit: more than max_steps 3 callbacks.*needs --max-steps N \\(0: no limit\\)"
       run ${examples}/13_gather.json --max-steps 3)
expect(0 stdout "done main" run ${examples}/13_gather.json --max-steps 0)
expect(0 stdout "done main" run ${examples}/13_gather.json --trace-chrome chrome.json)
file(READ ${WORK_DIR}/chrome.json chrome_json)
if(NOT chrome_json MATCHES "^\\{\"displayTimeUnit\":\"ns\".*\"traceEvents\":\\[")
  set(failures "${failures}\n--trace-chrome wrote:\n${chrome_json}")
endif()

# The shipped examples print their reference traces through the tool, as README shows.
file(GLOB scenarios ${examples}/*.json)
list(LENGTH scenarios count)
if(count LESS 16)
  set(failures "${failures}\nonly ${count} example scenarios in ${examples}")
endif()
foreach(scenario IN LISTS scenarios)
  string(REGEX REPLACE "\\.json$" ".trace" trace_file "${scenario}")
  file(READ ${trace_file} expected)
  execute_process(COMMAND ${ASIM} run ${scenario} RESULT_VARIABLE status OUTPUT_VARIABLE out)
  if(NOT status EQUAL 0 OR NOT out STREQUAL expected)
    set(failures "${failures}\nasim run ${scenario}: exit ${status}\n--- got\n${out}--- expected\n${expected}")
  endif()
endforeach()

# `-` reads the scenario from stdin.
file(READ ${examples}/01_coroutine.trace expected)
execute_process(COMMAND ${ASIM} run - INPUT_FILE ${examples}/01_coroutine.json RESULT_VARIABLE status OUTPUT_VARIABLE out)
if(NOT status EQUAL 0 OR NOT out STREQUAL expected)
  set(failures "${failures}\nasim run - < 01_coroutine.json: exit ${status}\n${out}")
endif()
# So does any file that is not a directory: a pipe (`asim gen ... | asim run /dev/stdin`,
# a shell's `asim run <(...)`), a FIFO.
execute_process(COMMAND ${CMAKE_COMMAND} -E cat ${examples}/01_coroutine.json COMMAND ${ASIM} run /dev/stdin
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT out STREQUAL expected)
  set(failures "${failures}\ncat 01_coroutine.json | asim run /dev/stdin: exit ${status}\n${out}${err}")
endif()
# A malformed text through a pipe: exit 2 and the place, as from a file.
file(WRITE ${WORK_DIR}/malformed.json "{\"version\": 1, \"main\": [{\"do\": \"bogus\"}]}")
execute_process(COMMAND ${CMAKE_COMMAND} -E cat ${WORK_DIR}/malformed.json COMMAND ${ASIM} run /dev/stdin
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 2 OR NOT err MATCHES "/main/0/do: unknown statement 'bogus'")
  set(failures "${failures}\ncat malformed.json | asim run /dev/stdin: exit ${status} (expected 2)\n${err}")
endif()
# --check-only loads and checks, runs nothing: exit 0 and no output for a good file,
# 2 and the place for a malformed one; it writes no trace file.
expect(0 stdout "^$" run --check-only ${examples}/01_coroutine.json)
expect(2 stderr "malformed.json: /main/0/do: unknown statement 'bogus'" run --check-only ${WORK_DIR}/malformed.json)
expect(2 stderr "--check-only excludes --trace-chrome" run --check-only --trace-chrome t.json
       ${examples}/01_coroutine.json)

if(failures)
  message(FATAL_ERROR "${failures}")
endif()
message(STATUS "the asim command line behaves (${count} example scenarios)")
