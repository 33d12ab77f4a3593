#include "services/text_checks.h"

#include <cstdio>
#include <string>

#include "core/text_limits.h"

namespace tonari::services {
namespace {

// C0 controls, DEL and the C1 controls (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8).
// Returns the code point of the control character at `i`, or -1.
int control_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x20 || c == 0x7f) return c;
  if (c == 0xC2 && i + 1 < s.size()) {
    const auto d = static_cast<unsigned char>(s[i + 1]);
    if (d >= 0x80 && d <= 0x9f) return d;
  }
  return -1;
}

std::string code_point(int c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "U+%04X", c);
  return buf;
}

Status common(std::string_view s, std::string_view what, std::size_t max_chars) {
  if (!text::valid_utf8(s)) return invalid_argument(std::string(what) + ": not valid UTF-8");
  if (const std::size_t n = text::char_count(s); n > max_chars) {
    return invalid_argument(std::string(what) + ": too long, at most " + std::to_string(max_chars) +
                            " characters (it has " + std::to_string(n) + ")");
  }
  return Status::ok();
}

}  // namespace

Status check_line(std::string_view s, std::string_view what, std::size_t max_chars) {
  TONARI_RETURN_IF_ERROR(common(s, what, max_chars));
  if (text::trim(s).empty()) return invalid_argument(std::string(what) + ": is blank");
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (const int c = control_at(s, i); c >= 0) {
      return invalid_argument(std::string(what) + ": control character " + code_point(c) +
                              " (one line of text)");
    }
  }
  return Status::ok();
}

Status check_text(std::string_view s, std::string_view what, std::size_t max_chars) {
  TONARI_RETURN_IF_ERROR(common(s, what, max_chars));
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int c = control_at(s, i);
    if (c == '\n') {
      ++line;
      column = 1;
      continue;
    }
    if (c >= 0 && c != '\t') {
      return invalid_argument(std::string(what) + ": control character " + code_point(c) +
                              " at line " + std::to_string(line) + ", column " +
                              std::to_string(column) + " (only line feeds and tabs are allowed)");
    }
    // Columns count characters: continuation bytes do not start one.
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++column;
  }
  return Status::ok();
}

}  // namespace tonari::services
