// SPDX-License-Identifier: MIT
// TraceWriter: trace lines into a buffer, written in large blocks.
#include <asim/props/trace_writer.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace asim::props {

TraceWriter::TraceWriter(int fd, bool print_times, std::size_t block_size)
    : fd_(fd), print_times_(print_times), block_size_(block_size) {
  buffer_.reserve(block_size_ + 4096);
}

TraceWriter::~TraceWriter() {
  try {
    flush();
  } catch (const std::exception&) {
    // Nowhere left to report it; flush() before destruction reports it.
  }
}

void TraceWriter::append_time(std::string& out, double time) {
  if (!have_last_time_ || time != last_time_) {
    char text[64];
    const int n = std::snprintf(text, sizeof text, "%.6f", time);
    last_time_text_.assign(text, static_cast<std::size_t>(n));
    // nlohmann's number text, to print the JSON events exactly as dump() does.
    if (keep_json_) last_time_json_ = nlohmann::json(time).dump();
    last_time_ = time;
    have_last_time_ = true;
  }
  out += last_time_text_;
}

void TraceWriter::line(double time, std::string_view who, std::string_view event) {
  const std::size_t start = buffer_.size();
  if (print_times_) {
    append_time(buffer_, time);
  } else {
    buffer_ += '-';
  }
  buffer_ += ' ';
  buffer_ += who;
  buffer_ += ' ';
  buffer_ += event;
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
    append_json_string(json_, std::string_view(buffer_).substr(start));
    json_ += "\n  }";
  }
  buffer_ += '\n';
  if (buffer_.size() >= block_size_) write_out();
}

void TraceWriter::write_out() noexcept {
  std::size_t done = 0;
  while (error_ == 0 && done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno != EINTR) error_ = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
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
