// SPDX-License-Identifier: MIT
// The stream misuse matrix (tests/support/stream_misuse.hpp) on RealLoop over loopback.
#include <gtest/gtest.h>
#include <asim/asim.hpp>

#include <exception>
#include <set>
#include <string>

#include "support/stream_misuse.hpp"

namespace {

using asim::testing::stream_misuse::StreamMisuse;

class StreamMisuseMatrix : public ::testing::TestWithParam<StreamMisuse> {};

TEST_P(StreamMisuseMatrix, RaisesWhatCPythonRaises) {
  const StreamMisuse& row = GetParam();
  std::exception_ptr error;
  try {
    asim::run(row.body());
  } catch (...) {
    error = std::current_exception();
  }
  asim::testing::stream_misuse::expect_raises_as_cpython(row, error);
}

INSTANTIATE_TEST_SUITE_P(EveryStreamOperationInEveryWrongState, StreamMisuseMatrix,
                         ::testing::ValuesIn(asim::testing::stream_misuse::matrix()),
                         [](const ::testing::TestParamInfo<StreamMisuse>& info) {
                           return std::string(info.param.name);
                         });

TEST(StreamMisuseMatrixTable, CoversTheRowsIssueTwelveLists) {
  std::set<std::string> names;
  for (const StreamMisuse& row : asim::testing::stream_misuse::matrix()) {
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate row " << row.name;
  }
  for (const char* required : {"ReadAfterClose", "WriteAfterClose", "DrainOnAClosedWriter", "ReadexactlyPastEof",
                               "ASecondWaitClosed", "AServerClosedTwice"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

TEST(StreamMisuseMatrixTable, ALoopWithoutANetworkRefusesConnections) {
  asim::VirtualTimeLoop loop;
  std::exception_ptr error;
  try {
    (void)loop.run_until_complete(asim::open_connection("127.0.0.1", 1));
  } catch (...) {
    error = std::current_exception();
  }
  EXPECT_EQ(asim::stream_error_class_name(error), "RuntimeError");
  EXPECT_EQ(asim::describe_exception(error), "RuntimeError: this event loop has no network");
}

}  // namespace
