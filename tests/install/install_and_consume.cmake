# Installs the asim build ASIM_BUILD_DIR into a scratch prefix under WORK_DIR, then
# configures, builds and runs the consumer project CONSUMER_SOURCE_DIR against that
# prefix only. Run by ctest as `cmake -P` with:
#   ASIM_BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, GENERATOR, MAKE_PROGRAM,
#   CXX_COMPILER, BUILD_TYPE and SANITIZE (the build's ASIM_SANITIZE, may be empty).
cmake_minimum_required(VERSION 3.25)

foreach(var ASIM_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT ${var})
    message(FATAL_ERROR "install_and_consume.cmake needs -D${var}=...")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
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
run_step("cmake --install" ${CMAKE_COMMAND} --install ${ASIM_BUILD_DIR} --prefix ${prefix} ${config_args})

foreach(file include/asim/asim.hpp)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the install lacks ${file}")
  endif()
endforeach()
file(GLOB_RECURSE config_files ${prefix}/*/asimConfig.cmake)
if(NOT config_files)
  message(FATAL_ERROR "the install lacks asimConfig.cmake")
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

# Only the scratch prefix may provide asim: no package registry, no build tree.
run_step("configuring the consumer"
         ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} ${generator_args}
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix}
         -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON ${flag_args})
file(REAL_PATH ${prefix} real_prefix)
string(REGEX MATCH "asim found in ([^\n]*)" found "${step_output}")
file(REAL_PATH "${CMAKE_MATCH_1}" found_dir)
string(FIND "${found_dir}" "${real_prefix}/" where)
if(NOT where EQUAL 0)
  message(FATAL_ERROR "the consumer found asim in '${CMAKE_MATCH_1}', not under ${prefix}")
endif()

run_step("building the consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

file(GLOB_RECURSE programs ${consumer_build}/asim_consumer ${consumer_build}/asim_consumer.exe)
list(GET programs 0 program)
run_step("running the consumer" ${program})
if(NOT step_output STREQUAL "asim consumer: 42\n")
  message(FATAL_ERROR "the consumer printed:\n${step_output}")
endif()
message(STATUS "the consumer built against ${prefix} and printed: ${step_output}")
