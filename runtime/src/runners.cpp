// SPDX-License-Identifier: MIT
// What asyncio.run does after the main coroutine (asyncio: runners).
#include <asim/task.hpp>

#include <memory>
#include <vector>

namespace asim::detail {

// asyncio: runners._cancel_all_tasks
void cancel_all_tasks(EventLoop& loop) {
  if (loop.is_closed()) return;
  std::vector<AnyTask> to_cancel = loop.all_tasks();
  if (to_cancel.empty()) return;
  for (AnyTask& task : to_cancel) task.cancel();
  // asyncio: run_until_complete(gather(*to_cancel, return_exceptions=True))
  Future<void> all_done(loop);
  auto remaining = std::make_shared<std::size_t>(to_cancel.size());
  for (AnyTask& task : to_cancel) {
    task.add_done_callback([remaining, all_done](const AnyFuture&) mutable {
      if (--*remaining == 0 && !all_done.done()) all_done.set_result();
    });
  }
  loop.run_until_complete(all_done);
  for (AnyTask& task : to_cancel) {
    if (task.cancelled()) continue;
    if (std::exception_ptr error = task.exception()) {
      loop.call_exception_handler({"unhandled exception during asyncio.run() shutdown", error, &task.base()});
    }
  }
}

namespace {
// After the run, however it ended: a done main task's frame goes now if nothing is
// left pending, else the loop holds it until the pending tasks are gone (they are
// destroyed first at teardown). A pending main task keeps its frame as any task does.
void settle_main_frame(EventLoop& loop, TaskBase& main) noexcept {
  if (!main.done()) return;
  if (loop.all_tasks().empty()) {
    main.release_frame();
    loop.release_main_frames();
    return;
  }
  try {
    loop.keep_main_frame(main);
  } catch (...) {
    main.release_frame();  // out of memory: the old behaviour, better than a leak
  }
}
}  // namespace

// asyncio: runners.Runner.run and Runner.close (the part that cancels the rest)
void run_main_task(EventLoop& loop, TaskBase& main) {
  struct Settle {
    EventLoop& loop;
    TaskBase& main;
    ~Settle() { settle_main_frame(loop, main); }
  } settle{loop, main};
  run_until_done(loop, main);
  if (LoopInstrument* instrument = loop.instrument(); instrument != nullptr && loop.all_tasks().size() != 0) {
    instrument->on_main_done_with_leftovers();
  }
  cancel_all_tasks(loop);
}

}  // namespace asim::detail
