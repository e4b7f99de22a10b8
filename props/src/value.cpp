// SPDX-License-Identifier: MIT
// Trace text of values and exceptions.
#include <asim/errors.hpp>
#include <asim/props/value.hpp>

#include <charconv>
#include <cstring>
#include <typeinfo>

namespace asim::props {

struct Value::Payload {
  std::vector<Value> items;
  std::string error;
};

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::list;
  v.payload_ = std::make_shared<const Payload>(Payload{std::move(items), {}});
  return v;
}

Value Value::error(std::string text) {
  Value v;
  v.kind_ = Kind::error;
  v.payload_ = std::make_shared<const Payload>(Payload{{}, std::move(text)});
  return v;
}

const std::vector<Value>& Value::items() const noexcept {
  static const std::vector<Value> none;
  return kind_ == Kind::list ? payload_->items : none;
}

bool operator==(const Value& a, const Value& b) noexcept {
  if (a.kind_ != b.kind_ || a.integer_ != b.integer_) return false;
  switch (a.kind_) {
    case Value::Kind::list: return a.payload_->items == b.payload_->items;
    case Value::Kind::error: return a.payload_->error == b.payload_->error;
    default: return true;
  }
}

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
      const char* end = std::to_chars(buffer, buffer + sizeof buffer, integer_).ptr;
      // (pointer, size): the iterator pair goes through the general _M_replace.
      out.append(buffer, static_cast<std::size_t>(end - buffer));
      return;
    }
    case Kind::error:
      out += '!';
      out += payload_->error;
      return;
    case Kind::list:
      out += '[';
      for (std::size_t i = 0; i < payload_->items.size(); ++i) {
        if (i > 0) out += ", ";
        payload_->items[i].append_text(out);
      }
      out += ']';
      return;
  }
  out += "None";
}

std::string exception_class(const std::exception_ptr& error) {
#if defined(__GLIBCXX__) && defined(__cpp_rtti)
  // The exact class without a rethrow (a throw, an allocation and an unwind), as
  // asim::is_cancelled_error does; a class derived from these takes the catch below.
  if (const std::type_info* type = error ? error.__cxa_exception_type() : nullptr) {
    if (*type == typeid(CancelledError)) return "CancelledError";
    if (*type == typeid(ScenarioError)) return "ScenarioError";
    if (*type == typeid(TimeoutError)) return "TimeoutError";
    if (*type == typeid(NameError)) return "NameError";
    if (*type == typeid(TypeError)) return "TypeError";
    if (*type == typeid(InvalidStateError)) return "InvalidStateError";
    if (*type == typeid(RuntimeError)) return "RuntimeError";
    if (*type == typeid(QueueEmpty)) return "QueueEmpty";
    if (*type == typeid(QueueFull)) return "QueueFull";
    if (*type == typeid(ValueError)) return "ValueError";
  }
#endif
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
#if defined(__GLIBCXX__) && defined(__cpp_rtti)
  // Only a ScenarioError's text needs the object (its message): libstdc++'s
  // exception_ptr holds the thrown object's address and nothing else.
  if (const std::type_info* type = error ? error.__cxa_exception_type() : nullptr) {
    if (*type == typeid(ScenarioError)) {
      static_assert(sizeof(std::exception_ptr) == sizeof(void*));
      const void* object = nullptr;
      std::memcpy(&object, &error, sizeof object);
      return std::string("ScenarioError:").append(static_cast<const ScenarioError*>(object)->message());
    }
    if (*type != typeid(ScenarioError) &&
        (*type == typeid(CancelledError) || *type == typeid(TimeoutError) || *type == typeid(NameError) ||
         *type == typeid(TypeError) || *type == typeid(InvalidStateError) || *type == typeid(RuntimeError) ||
         *type == typeid(QueueEmpty) || *type == typeid(QueueFull) || *type == typeid(ValueError))) {
      return exception_class(error);
    }
  }
#endif
  try {
    std::rethrow_exception(error);
  } catch (const ScenarioError& e) {
    return std::string("ScenarioError:").append(e.message());
  } catch (...) {
    return exception_class(error);
  }
}

}  // namespace asim::props
