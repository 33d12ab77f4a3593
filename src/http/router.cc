#include "http/router.h"

#include "core/text_limits.h"
#include "core/wire.h"

namespace tonari::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

const char* zone_name(Zone z) { return z == Zone::internet ? "internet" : "lgwan"; }

Response json_error(int status, const char* code, const std::string& message) {
  return Response{status, wire::error_body(code, message), "application/json; charset=utf-8", {},
                  code, {}};
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::string Request::cookie(std::string_view name) const {
  std::string_view all = header("cookie");
  while (!all.empty()) {
    std::size_t semi = all.find(';');
    std::string_view part = all.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    all.remove_prefix(semi + 1);
  }
  return {};
}

std::string Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    std::size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    if (url_decode(key, true) == name) {
      return eq == std::string_view::npos ? std::string() : url_decode(part.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return {};
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

void Router::add(std::string method, std::string pattern, Handler h) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(h)});
}

boost::asio::awaitable<Response> Router::dispatch(Request& req) const {
  const auto segments = split_path(req.path);
  bool path_matched = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::unordered_map<std::string, std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& pat = r.segments[i];
      if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') {
        params[pat.substr(1, pat.size() - 2)] = segments[i];
      } else {
        match = pat == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (r.method != req.method) continue;
    req.params = std::move(params);
    co_return co_await r.handler(req);
  }
  if (path_matched) {
    co_return json_error(405, "method_not_allowed",
                         req.method + " is not allowed on " + text::printable(req.path));
  }
  const bool api_path = req.path == "/api" || req.path.rfind("/api/", 0) == 0;
  if (fallback_ && !api_path && (req.method == "GET" || req.method == "HEAD")) {
    co_return co_await fallback_(req);
  }
  co_return json_error(404, "not_found", "no such endpoint: " + text::printable(req.path));
}

}  // namespace tonari::http
