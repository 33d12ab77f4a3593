// The HTTP request and response as the API layer sees them: plain structs, no Beast types,
// so that handlers compile fast and can be tested without sockets.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tonari::http {

// The network a request came in on, decided by the listener it arrived at.
enum class Zone { lgwan, internet };
const char* zone_name(Zone z);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query
  std::string query;   // raw query string (without '?')
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::unordered_map<std::string, std::string> params;      // path parameters
  Zone zone = Zone::lgwan;
  std::string remote_address;

  // The value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const;
  // The value of cookie `name`, or empty.
  std::string cookie(std::string_view name) const;
  // The decoded value of query parameter `name`, or empty.
  std::string query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Percent-decoding ('+' is kept: it is not a space in paths).
std::string url_decode(std::string_view s, bool plus_is_space);

}  // namespace tonari::http
