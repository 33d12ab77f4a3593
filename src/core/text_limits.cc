#include "core/text_limits.h"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "core/swar.h"

namespace tonari::text {

using swar::has_zero_byte;
using swar::kHighs;
using swar::load8;

// RFC 3629, section 4: the lead byte fixes the range of the byte after it (which rules out
// overlong forms, surrogates and values past U+10FFFF); the others are 80..BF.
bool valid_utf8(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    // A run of ASCII without NUL: eight bytes at a time.
    while (end - p >= 8) {
      const std::uint64_t v = load8(p);
      if ((v & kHighs) != 0 || has_zero_byte(v) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      if (c == 0) return false;
      ++p;
      continue;
    }
    int more;                             // continuation bytes after the lead byte
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the first of them
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      if (c == 0xE0) lo = 0xA0;        // overlong
      else if (c == 0xED) hi = 0x9F;   // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      if (c == 0xF0) lo = 0x90;        // overlong
      else if (c == 0xF4) hi = 0x8F;   // past U+10FFFF
    } else {
      return false;  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (end - p <= more) return false;
    const auto c1 = static_cast<unsigned char>(p[1]);
    if (c1 < lo || c1 > hi) return false;
    for (int k = 2; k <= more; ++k) {
      if ((static_cast<unsigned char>(p[k]) & 0xC0) != 0x80) return false;
    }
    p += more + 1;
  }
  return true;
}

std::size_t char_count(std::string_view s) {
  // Every byte but a continuation byte (10xxxxxx) starts a code point.
  std::size_t continuations = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    const std::uint64_t v = load8(s.data() + i);
    continuations += static_cast<std::size_t>(std::popcount(v & ~(v << 1) & kHighs));
  }
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++continuations;
  }
  return s.size() - continuations;
}

std::string_view trim(std::string_view s) {
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
      s.remove_prefix(1);
    } else if (s.substr(0, 3) == kIdeographicSpace) {
      s.remove_prefix(3);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && s.substr(s.size() - 3) == kIdeographicSpace) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return s;
}

std::string cut(std::string_view s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return std::string(s.substr(0, i)) + "…";
      ++chars;
    }
  }
  return std::string(s);
}

std::string printable(std::string_view s, std::size_t max_chars) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min<std::size_t>(s.size(), max_chars * 3) + 3);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (chars == max_chars) return out + "…";
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c < 0x20 || c == 0x7F || i + len > s.size() || !valid_utf8(s.substr(i, len))) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
    ++chars;
  }
  return out;
}

}  // namespace tonari::text
