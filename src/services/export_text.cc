#include "services/export_text.h"

#include <algorithm>
#include <ctime>

#include "search/encoding.h"

namespace tonari::services {
namespace {

constexpr TimeMs kJstOffsetMs = 9 * 3600 * 1000;

bool bad_in_file_name(unsigned char c) {
  return c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
         c == '"' || c == '<' || c == '>' || c == '|';
}

}  // namespace

std::string jst_minutes(TimeMs at) {
  const std::time_t secs = (at + kJstOffsetMs) / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y/%m/%d %H:%M", &tm);
  return buf;
}

std::string csv_cell(std::string_view text) {
  std::string s;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    s += '\'';
  }
  s += text;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) {
    if (ch == '"') q += '"';
    q += ch;
  }
  q += '"';
  return q;
}

std::string file_stem(std::string_view t) {
  constexpr std::size_t kMaxChars = 50;
  std::string base;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < t.size();) {
    const auto c = static_cast<unsigned char>(t[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    len = std::min(len, t.size() - i);
    if (++chars > kMaxChars) break;
    if (len == 1 && bad_in_file_name(c)) {
      base += '_';
    } else if (!(base.empty() && (c == '.' || c == ' '))) {
      base.append(t, i, len);
    }
    i += len;
  }
  while (!base.empty() && (base.back() == ' ' || base.back() == '.')) base.pop_back();
  return base;
}

Result<std::string> encode_csv(std::string csv, bool windows31j) {
  if (!windows31j) return "\xEF\xBB\xBF" + csv;
  auto sjis = search::to_windows31j(csv);
  if (!sjis) return internal_error("export: no Windows-31J converter");
  return std::move(*sjis);
}

}  // namespace tonari::services
