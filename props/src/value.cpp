// SPDX-License-Identifier: MIT
// Trace text of values and exceptions.
#include <asim/errors.hpp>
#include <asim/props/value.hpp>

#include <charconv>

namespace asim::props {

std::string Value::text() const {
  std::string out;
  append_text(out);
  return out;
}

void Value::append_text(std::string& out) const {
  switch (kind_) {
    case Kind::none: out += "None"; return;
    case Kind::integer: {
      char buffer[24];
      out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, integer_).ptr);
      return;
    }
    case Kind::error:
      out += '!';
      out += error_;
      return;
    case Kind::list:
      out += '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ", ";
        items_[i].append_text(out);
      }
      out += ']';
      return;
  }
  out += "None";
}

std::string exception_class(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ScenarioError&) {
    return "ScenarioError";
  } catch (const NameError&) {
    return "NameError";
  } catch (const TypeError&) {
    return "TypeError";
  } catch (const Unsupported&) {
    return "Unsupported";
  } catch (...) {
    return asim::exception_class_name(error);
  }
}

std::string exception_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ScenarioError& e) {
    return std::string("ScenarioError:") + e.what();
  } catch (...) {
    return exception_class(error);
  }
}

}  // namespace asim::props
