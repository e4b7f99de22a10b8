// SPDX-License-Identifier: MIT
// The synchronization primitives of asyncio's `locks` module, in one include:
// Lock, Event, Condition, Semaphore and BoundedSemaphore.
#pragma once

#include <asim/condition.hpp>
#include <asim/event.hpp>
#include <asim/lock.hpp>
#include <asim/semaphore.hpp>
