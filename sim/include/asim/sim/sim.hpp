// SPDX-License-Identifier: MIT
// The simulated loop's public headers in one include.
#pragma once

#include <asim/sim/chooser.hpp>
#include <asim/sim/errors.hpp>
#include <asim/sim/invariants.hpp>
#include <asim/sim/network.hpp>
#include <asim/sim/sim_loop.hpp>
#include <asim/sim/sweep.hpp>
#include <asim/sim/trace.hpp>
