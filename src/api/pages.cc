#include "api/pages.h"

#include <boost/json.hpp>

#include "api/fields.h"
#include "services/rooms.h"

namespace tonari::api {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string cursor_text(const store::MemberKey& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "1.";
  out.reserve(2 + key.sort_key.size() * 2 + 21);
  for (unsigned char c : key.sort_key) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '.';
  out += std::to_string(key.user);
  return out;
}

Result<store::MemberKey> parse_cursor(std::string_view text) {
  const Status bad = invalid_argument("cursor: not a cursor from this list (use the `next` of a page)");
  if (text.size() > 4096 || text.substr(0, 2) != "1.") return bad;
  text.remove_prefix(2);
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot % 2 != 0) return bad;
  store::MemberKey key;
  key.sort_key.reserve(dot / 2);
  for (std::size_t i = 0; i < dot; i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return bad;
    key.sort_key += static_cast<char>(hi * 16 + lo);
  }
  key.user = parse_id(text.substr(dot + 1));
  if (key.user <= 0) return bad;
  return key;
}

boost::json::value next_json(const store::MemberPage& page) { return next_json(page.next); }

boost::json::value next_json(const std::optional<store::MemberKey>& next) {
  if (!next) return nullptr;
  return boost::json::value(cursor_text(*next));
}

Result<PageParams> page_params(const http::Request& req) {
  PageParams p;
  p.limit = services::kDefaultPage;
  if (std::string v = req.query_param("limit"); !v.empty()) {
    const std::int64_t n = parse_id(v);
    if (n < 1 || n > services::kMaxPage) {
      return invalid_argument("limit: 1 to " + std::to_string(services::kMaxPage));
    }
    p.limit = static_cast<int>(n);
  }
  std::string v = req.query_param("cursor");
  if (v.empty()) v = req.query_param("after");
  if (!v.empty()) {
    auto key = parse_cursor(v);
    if (!key.ok()) return key.status();
    p.after = std::move(*key);
  }
  return p;
}

}  // namespace tonari::api
