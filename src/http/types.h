// The HTTP request and response as the API layer sees them: plain structs, no Beast types,
// so that handlers compile fast and can be tested without sockets.
#pragma once

#include <cstdint>
#include <optional>
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
  // The client's address: the TCP peer's, or behind a trusted proxy the one it forwarded
  // (edge.h). What login throttling counts and logs show.
  std::string remote_address;
  std::string peer_address;  // the TCP peer's (the proxy's, behind one)
  std::string request_id;    // X-Request-Id of the response; in every log line about it
  bool https = false;        // the client came over https (public_https, or a trusted proxy)
  std::int64_t user_id = 0;  // the authenticated caller once known (for the logs)

  // The value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const;
  // The value of cookie `name`, or empty.
  std::string cookie(std::string_view name) const;
  // The decoded value of query parameter `name`, or empty.
  std::string query_param(std::string_view name) const;
};

// A part of a file to send as a response's body, streamed by the server in bounded pieces.
struct FileSlice {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_code = {};  // of a JSON error (json_error()), for the logs
  std::string log_detail = {};  // what the logs say of a 5xx beyond the body (never sent)
  // Set: the body is this part of a file instead of `body` (a 500 if it cannot be opened).
  // The response's own Content-Security-Policy header, if any, replaces the default one.
  std::optional<FileSlice> file = {};
};

// Percent-decoding ('+' is kept: it is not a space in paths).
std::string url_decode(std::string_view s, bool plus_is_space);

}  // namespace tonari::http
