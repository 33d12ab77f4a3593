// Reading request JSON: parse an object, then read typed fields, remembering the first
// problem so that a handler checks once and answers with a precise message.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/types.h"

namespace tonari::api {

// The body as a JSON object; invalid_json if it is not valid JSON or not an object.
// `storage`: where the object's memory comes from (default: the heap). A frame handled and
// dropped at once can use a stack buffer (boost::json::monotonic_resource): no malloc.
Result<boost::json::object> parse_object(std::string_view body,
                                         boost::json::storage_ptr storage = {});

class Fields {
 public:
  explicit Fields(const boost::json::object& o) : o_(o) {}

  std::string str(const char* key, bool required = true);
  std::int64_t int64(const char* key, bool required = true, std::int64_t fallback = 0);
  bool boolean(const char* key, bool fallback = false);
  // An array of integer ids (empty if absent and not required).
  std::vector<std::int64_t> ids(const char* key, bool required = false);
  // An array of strings (empty if absent).
  std::vector<std::string> strings(const char* key);
  bool has(const char* key) const { return o_.contains(key); }
  // Absent (or null): nullopt; a value of another type fails.
  std::optional<std::string> opt_str(const char* key);
  std::optional<bool> opt_bool(const char* key);
  // The object at `key`, or null when absent or null (another type fails).
  const boost::json::object* object(const char* key);

  // Ok, or the first problem found (invalid_argument naming the field).
  const Status& status() const { return first_; }

 private:
  void fail(const char* key, const char* what);
  const boost::json::object& o_;
  Status first_;
};

// Parses a decimal id from a path or query parameter; 0 if it is not one.
std::int64_t parse_id(std::string_view s);

// Path parameter `name` as it may be quoted in an error message (text::printable).
std::string param_text(http::Request& req, const char* name);

// The room id of a /api/rooms/{id}/... path, or 0; and the not_found for a bad one.
std::int64_t room_param(http::Request& req);
Status unknown_room(http::Request& req);

}  // namespace tonari::api
