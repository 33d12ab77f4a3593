#include "api/file_response.h"

#include <charconv>

namespace tonari::api {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number making up all of `s`.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// RFC 5987 attr-char: what filename* may carry unencoded.
bool attr_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::optional<Result<ByteRange>> parse_range(std::string_view header, std::uint64_t size) {
  header = trim(header);
  if (!header.starts_with("bytes=")) return std::nullopt;
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several: the whole file
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view first = trim(spec.substr(0, dash)), last = trim(spec.substr(dash + 1));
  const Status unsatisfiable(Code::range_not_satisfiable,
                             "the range is outside the file of " + std::to_string(size) + " bytes");
  if (first.empty()) {  // the last n bytes
    auto n = number(last);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return Result<ByteRange>(unsatisfiable);
    const std::uint64_t len = std::min(*n, size);
    return Result<ByteRange>(ByteRange{size - len, len});
  }
  auto a = number(first);
  if (!a) return std::nullopt;
  std::uint64_t b = size == 0 ? 0 : size - 1;
  if (!last.empty()) {
    auto end = number(last);
    if (!end || *end < *a) return std::nullopt;
    b = std::min(*end, b);
  }
  if (*a >= size) return Result<ByteRange>(unsatisfiable);
  return Result<ByteRange>(ByteRange{*a, b - *a + 1});
}

std::string content_disposition(bool as_inline, std::string_view name) {
  std::string fallback;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%') fallback += static_cast<char>(c);
  }
  // Nothing of the name but its extension (破裂箇所.jpg → ".jpg"): a plain name instead.
  if (fallback.empty() || fallback.front() == '.') {
    const std::size_t dot = fallback.rfind('.');
    fallback = "file" + (dot == std::string::npos ? std::string() : fallback.substr(dot));
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : name) {
    if (attr_char(c)) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return std::string(as_inline ? "inline" : "attachment") + "; filename=\"" + fallback +
         "\"; filename*=UTF-8''" + encoded;
}

bool etag_matches(std::string_view inm, std::string_view etag) {
  inm = trim(inm);
  if (inm == "*") return true;
  while (!inm.empty()) {
    const std::size_t comma = inm.find(',');
    std::string_view tag = trim(inm.substr(0, comma));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    inm.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace tonari::api
