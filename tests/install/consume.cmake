# Configures, builds and runs the consumer project CONSUMER_SOURCE_DIR against the asim
# installed in PREFIX only (no package registry, no build tree), then checks that its
# PROGRAM's output matches EXPECTED. Run by ctest as `cmake -P` with PREFIX,
# CONSUMER_SOURCE_DIR, WORK_DIR, PROGRAM, EXPECTED, CONFIGURE_ARGS ("|"-separated),
# GENERATOR, MAKE_PROGRAM, CXX_COMPILER, BUILD_TYPE and SANITIZE (may be empty).
cmake_minimum_required(VERSION 3.25)
foreach(var PREFIX CONSUMER_SOURCE_DIR WORK_DIR PROGRAM EXPECTED GENERATOR CXX_COMPILER)
  if(NOT ${var})
    message(FATAL_ERROR "consume.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})

# Runs one step; fails the test with the step's output when it fails.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(config_args)
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
# A sanitized static library needs the sanitizer runtime in whatever links it.
set(flag_args)
if(SANITIZE)
  set(flag_args "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -fno-omit-frame-pointer"
                "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
set(generator_args -G ${GENERATOR})
if(MAKE_PROGRAM)
  list(APPEND generator_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(BUILD_TYPE)
  list(APPEND generator_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
string(REPLACE "|" ";" extra_args "${CONFIGURE_ARGS}")

run_step("configuring the consumer"
         ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${WORK_DIR} ${generator_args}
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${PREFIX}
         -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON ${flag_args} ${extra_args})
file(REAL_PATH ${PREFIX} real_prefix)
string(REGEX MATCH "asim found in ([^\n]*)" found "${step_output}")
file(REAL_PATH "${CMAKE_MATCH_1}" found_dir)
string(FIND "${found_dir}" "${real_prefix}/" where)
if(NOT where EQUAL 0)
  message(FATAL_ERROR "the consumer found asim in '${CMAKE_MATCH_1}', not under ${PREFIX}")
endif()

run_step("building the consumer" ${CMAKE_COMMAND} --build ${WORK_DIR} ${config_args})

file(GLOB_RECURSE programs ${WORK_DIR}/${PROGRAM} ${WORK_DIR}/${PROGRAM}.exe)
list(GET programs 0 program)
run_step("running the consumer" ${program})
if(NOT step_output MATCHES "${EXPECTED}")
  message(FATAL_ERROR "the consumer printed:\n${step_output}\nexpected a match of: ${EXPECTED}")
endif()
message(STATUS "the consumer built against ${PREFIX} and printed:\n${step_output}")
