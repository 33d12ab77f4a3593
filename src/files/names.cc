#include "files/names.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "core/text_limits.h"

namespace tonari::files {
namespace {

bool dropped(UChar32 c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e || c == 0x200f ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

bool space(UChar32 c) { return c == ' ' || c == 0x3000 || c == 0xa0; }

// The length of the longest prefix of `s` of at most `max` bytes that ends on a character
// boundary (s is valid UTF-8).
std::size_t utf8_cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return n;
}

}  // namespace

std::string_view extension(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name.size() - dot > 16) return {};
  return name.substr(dot);
}

Result<std::string> clean_file_name(std::string_view raw) {
  if (!text::valid_utf8(raw)) return invalid_argument("name: not valid UTF-8");
  if (std::size_t slash = raw.find_last_of("/\\"); slash != std::string_view::npos) {
    raw.remove_prefix(slash + 1);
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return internal_error("ICU NFC normalizer unavailable");
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  icu::UnicodeString normal = nfc->normalize(in, err);
  if (U_FAILURE(err)) return invalid_argument("name: cannot be normalized");
  icu::UnicodeString kept;
  for (int32_t i = 0; i < normal.length();) {
    const UChar32 c = normal.char32At(i);
    if (!dropped(c)) kept.append(c);
    i += U16_LENGTH(c);
  }
  // Trim white space at both ends.
  int32_t start = 0, end = kept.length();
  while (start < end && space(kept.char32At(start))) start += U16_LENGTH(kept.char32At(start));
  while (end > start) {
    const int32_t last = kept.moveIndex32(end, -1);
    if (!space(kept.char32At(last))) break;
    end = last;
  }
  std::string out;
  kept.tempSubStringBetween(start, end).toUTF8String(out);
  if (out.empty() || out == "." || out == "..") return invalid_argument("name: empty");
  if (out.size() > kMaxNameBytes) {
    const std::string ext(extension(out));
    const std::size_t stem = utf8_cut(out, kMaxNameBytes - ext.size());
    out = out.substr(0, stem) + ext;
  }
  return out;
}

}  // namespace tonari::files
