// SPDX-License-Identifier: MIT
// The public set of asim's runtime headers, for users who want one include.
#pragma once

#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/future.hpp>
#include <asim/handle.hpp>
#include <asim/loop.hpp>
#include <asim/real_loop.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
