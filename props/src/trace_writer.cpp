// SPDX-License-Identifier: MIT
// TraceWriter: trace lines into a buffer, written in large blocks.
#include <asim/props/trace_writer.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace asim::props {

TraceWriter::TraceWriter(int fd, bool print_times, std::size_t block_size)
    : fd_(fd),
      print_times_(print_times),
      block_size_(block_size),
      capacity_(block_size + 4096),
      buffer_(new char[capacity_]) {}  // not zeroed: a page is touched when written

TraceWriter::~TraceWriter() {
  try {
    flush();
  } catch (const std::exception&) {
    // Nowhere left to report it; flush() before destruction reports it.
  }
}

void TraceWriter::format_time(double time) {
  char text[512];  // %.6f of the largest double: 309 digits and 7 more
  const int n = std::snprintf(text, sizeof text, "%.6f", time);
  time_text_.assign(text, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof text) - 1)));
  // nlohmann's number text, to print the JSON events exactly as dump() does.
  if (keep_json_) last_time_json_ = nlohmann::json(time).dump();
  last_time_ = time;
  have_last_time_ = true;
}

// One size check, then the parts copied in place: the five string appends this
// replaced each checked the capacity and called memcpy on their own.
void TraceWriter::line(double time, std::string_view who, std::string_view event) {
  if (print_times_ && (!have_last_time_ || time != last_time_)) format_time(time);
  const std::size_t time_size = print_times_ ? time_text_.size() : 1;
  const std::size_t size = time_size + who.size() + event.size() + 3;
  if (capacity_ - used_ < size) make_room(size);
  char* out = buffer_.get() + used_;
  const std::size_t start = used_;
  if (print_times_) {
    std::memcpy(out, time_text_.data(), time_size);
  } else {
    *out = '-';
  }
  out += time_size;
  *out++ = ' ';
  std::memcpy(out, who.data(), who.size());
  out += who.size();
  *out++ = ' ';
  std::memcpy(out, event.data(), event.size());
  out += event.size();
  used_ += size - 1;
  ++lines_;
  if (keep_json_) {
    if (!json_.empty()) json_ += ",\n";
    json_ += "  {\n   \"time\": ";
    json_ += print_times_ ? std::string_view(last_time_json_) : std::string_view("null");
    json_ += ",\n   \"who\": ";
    append_json_string(json_, who);
    json_ += ",\n   \"event\": ";
    append_json_string(json_, event);
    json_ += ",\n   \"text\": ";
    append_json_string(json_, std::string_view(buffer_.get() + start, used_ - start));
    json_ += "\n  }";
  }
  *out = '\n';
  ++used_;
  if (used_ >= block_size_) write_out();
}

void TraceWriter::make_room(std::size_t size) {
  write_out();
  if (capacity_ >= size) return;
  // One line longer than the whole buffer: a buffer that holds it.
  capacity_ = size;
  buffer_.reset(new char[capacity_]);
}

void TraceWriter::write_out() noexcept {
  std::size_t done = 0;
  while (error_ == 0 && done < used_) {
    const ssize_t n = ::write(fd_, buffer_.get() + done, used_ - done);
    if (n < 0 && errno != EINTR) error_ = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  used_ = 0;
}

void TraceWriter::flush() {
  write_out();
  if (error_ != 0) throw std::runtime_error(std::string("cannot write the trace: ") + std::strerror(error_));
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace asim::props
