#include "api/fields.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/text_limits.h"

namespace tonari::api {

namespace json = boost::json;

Result<json::object> parse_object(std::string_view body, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(body, ec, std::move(storage), opts);
  if (ec) return Status(Code::invalid_json, "request body is not valid JSON: " + ec.message());
  if (!v.is_object()) return Status(Code::invalid_json, "request body must be a JSON object");
  return std::move(v.as_object());
}

void Fields::fail(const char* key, const char* what) {
  if (first_.is_ok()) first_ = invalid_argument(std::string(key) + ": " + what);
}

std::string Fields::str(const char* key, bool required) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required) fail(key, "is required");
    return {};
  }
  if (!it->value().is_string()) {
    fail(key, "must be a string");
    return {};
  }
  return std::string(it->value().as_string());
}

std::int64_t Fields::int64(const char* key, bool required, std::int64_t fallback) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required) fail(key, "is required");
    return fallback;
  }
  const json::value& v = it->value();
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.as_uint64());
  }
  fail(key, "must be an integer");
  return fallback;
}

bool Fields::boolean(const char* key, bool fallback) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) return fallback;
  if (!it->value().is_bool()) {
    fail(key, "must be true or false");
    return fallback;
  }
  return it->value().as_bool();
}

std::optional<std::string> Fields::opt_str(const char* key) {
  if (!has(key) || o_.at(key).is_null()) return std::nullopt;
  return str(key);
}

std::optional<bool> Fields::opt_bool(const char* key) {
  if (!has(key) || o_.at(key).is_null()) return std::nullopt;
  return boolean(key);
}

const json::object* Fields::object(const char* key) {
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) return nullptr;
  if (!it->value().is_object()) {
    fail(key, "must be an object");
    return nullptr;
  }
  return &it->value().as_object();
}

std::vector<std::int64_t> Fields::ids(const char* key, bool required) {
  std::vector<std::int64_t> out;
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) {
    if (required) fail(key, "is required");
    return out;
  }
  if (!it->value().is_array()) {
    fail(key, "must be an array of ids");
    return out;
  }
  for (const json::value& v : it->value().as_array()) {
    if (v.is_int64() && v.as_int64() > 0) {
      out.push_back(v.as_int64());
    } else {
      fail(key, "must be an array of ids");
      return {};
    }
  }
  return out;
}

std::vector<std::string> Fields::strings(const char* key) {
  std::vector<std::string> out;
  auto it = o_.find(key);
  if (it == o_.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) {
    fail(key, "must be an array of strings");
    return out;
  }
  for (const json::value& v : it->value().as_array()) {
    if (!v.is_string()) {
      fail(key, "must be an array of strings");
      return {};
    }
    out.emplace_back(v.as_string());
  }
  return out;
}

std::int64_t parse_id(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return 0;
  return v;
}

std::int64_t room_param(http::Request& req) { return parse_id(req.params["id"]); }

std::string param_text(http::Request& req, const char* name) {
  return text::printable(req.params[name], 32);
}

Status unknown_room(http::Request& req) { return not_found("room " + param_text(req, "id") + " not found"); }

}  // namespace tonari::api
