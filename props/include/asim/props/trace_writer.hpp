// SPDX-License-Identifier: MIT
// Trace output in large blocks: lines formatted into a buffer, written by the megabyte.
#pragma once

#include <asim/props/interpreter.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace asim::props {

/// A TraceSink that formats each line as format_line does (`TIME WHO EVENT`, or
/// `- WHO EVENT` without times) into a buffer and writes the buffer to a file
/// descriptor whenever it holds `block_size` bytes, so a trace of a million lines
/// costs a few hundred write calls. Optionally it also keeps the events of the JSON
/// trace (`asim run --trace-json`), formatted on the same path.
class TraceWriter final : public TraceSink {
 public:
  TraceWriter(int fd, bool print_times, std::size_t block_size = std::size_t{1} << 20);
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  /// Flushes what is left; errors are lost here, so call flush() first.
  ~TraceWriter() override;

  /// Never throws (it runs inside the loop's callbacks): a failed write is remembered,
  /// the rest of the trace dropped, and flush() reports it.
  void line(double time, std::string_view who, std::string_view event) override;
  /// Writes the buffer out. Throws std::runtime_error when this or an earlier write failed.
  void flush();

  /// Also collect each line as a JSON event object of the JSON trace.
  void keep_json_events() { keep_json_ = true; }
  /// The collected events: `  {\n   "time": ...\n  }` objects separated by `,\n`,
  /// exactly as nlohmann's dump(1) prints them inside the "events" list.
  [[nodiscard]] const std::string& json_events() const noexcept { return json_; }
  [[nodiscard]] std::size_t lines_written() const noexcept { return lines_; }

 private:
  void format_time(double time);
  void make_room(std::size_t size);
  void write_out() noexcept;

  int fd_;
  bool print_times_;
  bool keep_json_ = false;
  std::size_t block_size_;
  std::size_t lines_ = 0;
  int error_ = 0;  // errno of the first failed write
  std::size_t capacity_;
  std::unique_ptr<char[]> buffer_;
  std::size_t used_ = 0;
  std::string json_;
  // Consecutive lines mostly share a time: its text is formatted once.
  double last_time_ = -1.0;
  bool have_last_time_ = false;
  std::string time_text_;
  std::string last_time_json_;
};

/// Appends `text` as a JSON string, escaped as nlohmann's dump does (no ensure_ascii).
void append_json_string(std::string& out, std::string_view text);

}  // namespace asim::props
