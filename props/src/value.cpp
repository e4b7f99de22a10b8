// SPDX-License-Identifier: MIT
// Trace text of values and exceptions.
#include <asim/errors.hpp>
#include <asim/props/value.hpp>

#include <fmt/format.h>

namespace asim::props {

std::string Value::text() const {
  switch (kind_) {
    case Kind::none: return "None";
    case Kind::integer: return fmt::format_int(integer_).str();
    case Kind::error: return "!" + error_;
    case Kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ", ";
        out += items_[i].text();
      }
      return out + "]";
    }
  }
  return "None";
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
