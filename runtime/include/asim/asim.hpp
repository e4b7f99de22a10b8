// SPDX-License-Identifier: MIT
// The public set of asim's runtime headers, for users who want one include.
#pragma once

#include <asim/as_completed.hpp>
#include <asim/condition.hpp>
#include <asim/coro.hpp>
#include <asim/datagram_socket.hpp>
#include <asim/errors.hpp>
#include <asim/event.hpp>
#include <asim/future.hpp>
#include <asim/gather.hpp>
#include <asim/handle.hpp>
#include <asim/lock.hpp>
#include <asim/locks.hpp>
#include <asim/loop.hpp>
#include <asim/network.hpp>
#include <asim/outcome.hpp>
#include <asim/protocols.hpp>
#include <asim/queues.hpp>
#include <asim/real_loop.hpp>
#include <asim/scoped_release.hpp>
#include <asim/selector_events.hpp>
#include <asim/semaphore.hpp>
#include <asim/server.hpp>
#include <asim/shield.hpp>
#include <asim/sleep.hpp>
#include <asim/socket_address.hpp>
#include <asim/streams.hpp>
#include <asim/streams_errors.hpp>
#include <asim/task.hpp>
#include <asim/task_group.hpp>
#include <asim/timeout.hpp>
#include <asim/transports.hpp>
#include <asim/virtual_time_loop.hpp>
#include <asim/wait.hpp>
#include <asim/wait_for.hpp>
