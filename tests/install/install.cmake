# Installs the asim build ASIM_BUILD_DIR into PREFIX (emptied first) and checks that the
# package holds what README promises. Run by ctest as `cmake -P` with ASIM_BUILD_DIR,
# PREFIX and BUILD_TYPE (may be empty).
cmake_minimum_required(VERSION 3.25)
foreach(var ASIM_BUILD_DIR PREFIX)
  if(NOT ${var})
    message(FATAL_ERROR "install.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${PREFIX})
set(config_args)
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${ASIM_BUILD_DIR} --prefix ${PREFIX} ${config_args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${status}):\n${out}")
endif()

set(missing "")
foreach(file include/asim/asim.hpp include/asim/sim/gtest.hpp share/asim/SCENARIO.md
             share/asim/oracle/asim_oracle.py share/asim/scenarios/examples/13_gather.json
             share/asim/scenarios/examples/13_gather.trace)
  if(NOT EXISTS ${PREFIX}/${file})
    list(APPEND missing ${file})
  endif()
endforeach()
foreach(cmake_file asimConfig.cmake asimTargets.cmake asim_sim_gtestTargets.cmake asim_propsTargets.cmake)
  file(GLOB_RECURSE found ${PREFIX}/*/cmake/asim/${cmake_file})
  if(NOT found)
    list(APPEND missing ${cmake_file})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "the install lacks: ${missing}")
endif()
message(STATUS "asim installed into ${PREFIX}")
