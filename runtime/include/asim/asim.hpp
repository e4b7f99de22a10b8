// SPDX-License-Identifier: MIT
// The public set of asim's runtime headers, for users who want one include.
#pragma once

#include <asim/as_completed.hpp>
#include <asim/barrier.hpp>
#include <asim/concurrent_future.hpp>
#include <asim/condition.hpp>
#include <asim/context.hpp>
#include <asim/coro.hpp>
#include <asim/errors.hpp>
#include <asim/event.hpp>
#include <asim/executor.hpp>
#include <asim/future.hpp>
#include <asim/gather.hpp>
#include <asim/handle.hpp>
#include <asim/lock.hpp>
#include <asim/locks.hpp>
#include <asim/loop.hpp>
#include <asim/outcome.hpp>
#include <asim/queues.hpp>
#include <asim/real_loop.hpp>
#include <asim/scoped_release.hpp>
#include <asim/semaphore.hpp>
#include <asim/shield.hpp>
#include <asim/sleep.hpp>
#include <asim/task.hpp>
#include <asim/task_group.hpp>
#include <asim/thread_pool.hpp>
#include <asim/timeout.hpp>
#include <asim/virtual_time_loop.hpp>
#include <asim/wait.hpp>
#include <asim/wait_for.hpp>
