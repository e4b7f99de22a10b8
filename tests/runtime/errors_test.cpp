// SPDX-License-Identifier: MIT
// Tests of asim's exception classes and of how they are named and described.
#include <asim/barrier.hpp>
#include <asim/context.hpp>
#include <asim/errors.hpp>
#include <asim/streams_errors.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

static_assert(!std::is_base_of_v<std::exception, asim::CancelledError>,
              "CancelledError must not be caught by catch (const std::exception&)");
static_assert(std::is_base_of_v<std::exception, asim::InvalidStateError>);
static_assert(std::is_base_of_v<std::exception, asim::TimeoutError>);
static_assert(std::is_base_of_v<std::exception, asim::RuntimeError>);
static_assert(std::is_base_of_v<std::invalid_argument, asim::ValueError>);

namespace {
template <class E>
std::exception_ptr ptr(E error) {
  return std::make_exception_ptr(std::move(error));
}
}  // namespace

TEST(Errors, CancelledErrorCarriesItsMessage) {
  EXPECT_EQ(asim::CancelledError().message(), "");
  EXPECT_EQ(asim::CancelledError("why").message(), "why");
  EXPECT_STREQ(asim::CancelledError("why").what(), "why");
}

TEST(Errors, CancelledErrorIsNotSwallowedByStdExceptionHandlers) {
  bool by_std = false;
  bool by_name = false;
  try {
    try {
      throw asim::CancelledError("x");
    } catch (const std::exception&) {
      by_std = true;
    }
  } catch (const asim::CancelledError&) {
    by_name = true;
  }
  EXPECT_FALSE(by_std);
  EXPECT_TRUE(by_name);
}

TEST(Errors, DefaultMessagesMatchAsyncio) {
  EXPECT_STREQ(asim::TimeoutError().what(), "timed out");
  EXPECT_STREQ(asim::TimeoutError("late").what(), "late");
  EXPECT_STREQ(asim::QueueEmpty().what(), "queue is empty");
  EXPECT_STREQ(asim::QueueFull().what(), "queue is full");
}

TEST(Errors, ExceptionClassNameNamesAsimClasses) {
  EXPECT_EQ(asim::exception_class_name(nullptr), "None");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::CancelledError())), "CancelledError");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::InvalidStateError("s"))), "InvalidStateError");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::TimeoutError())), "TimeoutError");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::RuntimeError("r"))), "RuntimeError");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::ValueError("v"))), "ValueError");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::QueueEmpty())), "QueueEmpty");
  EXPECT_EQ(asim::exception_class_name(ptr(asim::QueueFull())), "QueueFull");
  EXPECT_EQ(asim::exception_class_name(ptr(std::invalid_argument("i"))), "std::invalid_argument");
  EXPECT_EQ(asim::exception_class_name(ptr(42)), "int");
  EXPECT_EQ(asim::exception_class_name(ptr(std::out_of_range("o"))), "std::out_of_range");
}

TEST(Errors, DescribeExceptionGivesClassAndMessage) {
  EXPECT_EQ(asim::describe_exception(nullptr), "None");
  EXPECT_EQ(asim::describe_exception(ptr(asim::CancelledError())), "CancelledError");
  EXPECT_EQ(asim::describe_exception(ptr(asim::CancelledError("m"))), "CancelledError: m");
  EXPECT_EQ(asim::describe_exception(ptr(asim::RuntimeError("loop closed"))), "RuntimeError: loop closed");
  EXPECT_EQ(asim::describe_exception(ptr(asim::TimeoutError())), "TimeoutError: timed out");
  EXPECT_EQ(asim::describe_exception(ptr(42)), "int");
}

TEST(Errors, IsCancelledErrorRecognisesOnlyCancellation) {
  EXPECT_FALSE(asim::is_cancelled_error(nullptr));
  EXPECT_TRUE(asim::is_cancelled_error(ptr(asim::CancelledError())));
  EXPECT_FALSE(asim::is_cancelled_error(ptr(asim::TimeoutError())));
  EXPECT_FALSE(asim::is_cancelled_error(ptr(std::runtime_error("r"))));
  EXPECT_FALSE(asim::is_cancelled_error(ptr(7)));
}

namespace svc {
struct BackendError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace svc

TEST(Errors, ForeignExceptionsAreNamedByTheirDemangledCppType) {
  EXPECT_EQ(asim::exception_class_name(ptr(std::logic_error("l"))), "std::logic_error");
  EXPECT_EQ(asim::exception_class_name(ptr(svc::BackendError("down"))), "svc::BackendError");
  EXPECT_EQ(asim::describe_exception(ptr(svc::BackendError("down"))), "svc::BackendError: down");
  EXPECT_EQ(asim::describe_exception(ptr(3.5)), "double");
}

TEST(Errors, ACancelledErrorThatKnowsItsTaskNamesIt) {
  asim::CancelledError plain("why");
  plain.set_task("Task 'body'");
  EXPECT_EQ(asim::describe_exception(ptr(plain)), "CancelledError: Task 'body' was cancelled: why");
  asim::CancelledError bare;
  bare.set_task("Task 'body'");
  EXPECT_EQ(asim::describe_exception(ptr(bare)), "CancelledError: Task 'body' was cancelled");
}

TEST(Errors, AnExceptionGroupListsItsSubExceptionsAsPythonPrintsThem) {
  // python3.11: traceback.print_exception(ExceptionGroup('unhandled errors in a TaskGroup',
  //   [ValueError('a'), ExceptionGroup('inner', [TypeError('b'), KeyError('k')])]))
  // with asim's classes in place of Python's (and its first line unindented).
  asim::ExceptionGroup inner("inner", {ptr(asim::RuntimeError("b")), ptr(asim::TimeoutError())});
  asim::ExceptionGroup outer("unhandled errors in a TaskGroup", {ptr(asim::ValueError("a")), ptr(inner)});
  EXPECT_EQ(asim::describe_exception(ptr(outer)),
            "ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)\n"
            "  +-+---------------- 1 ----------------\n"
            "    | ValueError: a\n"
            "    +---------------- 2 ----------------\n"
            "    | ExceptionGroup: inner (2 sub-exceptions)\n"
            "    +-+---------------- 1 ----------------\n"
            "      | RuntimeError: b\n"
            "      +---------------- 2 ----------------\n"
            "      | TimeoutError: timed out\n"
            "      +------------------------------------");
  asim::ExceptionGroup single("unhandled errors in a TaskGroup", {ptr(asim::ValueError("a"))});
  EXPECT_EQ(asim::describe_exception(ptr(single)),
            "ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)\n"
            "  +-+---------------- 1 ----------------\n"
            "    | ValueError: a\n"
            "    +------------------------------------");
  // A nested group closing first: one closing rule per level that still needs one.
  asim::ExceptionGroup first("i", {ptr(asim::ValueError("a"))});
  asim::ExceptionGroup both("o", {ptr(first), ptr(asim::ValueError("z"))});
  EXPECT_EQ(asim::describe_exception(ptr(both)),
            "ExceptionGroup: o (2 sub-exceptions)\n"
            "  +-+---------------- 1 ----------------\n"
            "    | ExceptionGroup: i (1 sub-exception)\n"
            "    +-+---------------- 1 ----------------\n"
            "      | ValueError: a\n"
            "      +------------------------------------\n"
            "    +---------------- 2 ----------------\n"
            "    | ValueError: z\n"
            "    +------------------------------------");
}

namespace {

TEST(Errors, TheNewerErrorClassesAreNamedAsInPython) {
  EXPECT_EQ(asim::exception_class_name(std::make_exception_ptr(asim::BrokenBarrierError("broken"))),
            "BrokenBarrierError");
  EXPECT_EQ(asim::exception_class_name(asim::make_os_error(ECONNREFUSED, "connect")), "ConnectionRefusedError");
  EXPECT_EQ(asim::exception_class_name(std::make_exception_ptr(asim::LookupError("var"))), "LookupError");
}

}  // namespace
