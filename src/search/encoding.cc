#include "search/encoding.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "core/text_limits.h"

namespace tonari::search {

std::optional<std::string> to_utf8(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (text::valid_utf8(bytes)) return std::string(bytes);
  UErrorCode err = U_ZERO_ERROR;
  UConverter* conv = ucnv_open("windows-31j", &err);
  if (U_FAILURE(err)) return std::nullopt;
  // Stop at the first byte sequence that is not Windows-31J instead of inventing U+FFFD.
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  std::u16string utf16(bytes.size() + 1, u'\0');
  int32_t n = ucnv_toUChars(conv, reinterpret_cast<UChar*>(utf16.data()),
                            static_cast<int32_t>(utf16.size()), bytes.data(),
                            static_cast<int32_t>(bytes.size()), &err);
  ucnv_close(conv);
  if (U_FAILURE(err)) return std::nullopt;
  utf16.resize(n);
  std::string out;
  out.reserve(utf16.size() * 3);
  for (std::size_t i = 0; i < utf16.size(); ++i) {
    std::uint32_t c = utf16[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < utf16.size()) {
      c = 0x10000 + ((c - 0xD800) << 10) + (utf16[++i] - 0xDC00);
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::optional<std::string> to_windows31j(std::string_view text) {
  UErrorCode err = U_ZERO_ERROR;
  std::u16string utf16(text.size(), u'\0');  // never more UTF-16 units than UTF-8 bytes
  int32_t n = 0;
  u_strFromUTF8WithSub(reinterpret_cast<UChar*>(utf16.data()),
                       static_cast<int32_t>(utf16.size()), &n, text.data(),
                       static_cast<int32_t>(text.size()), u'?', nullptr, &err);
  if (U_FAILURE(err)) return std::nullopt;
  UConverter* conv = ucnv_open("windows-31j", &err);
  if (U_FAILURE(err)) return std::nullopt;
  ucnv_setSubstChars(conv, "?", 1, &err);
  // Fallbacks: the characters Macs and phones type where Windows has its own (〜 for ～).
  ucnv_setFallback(conv, true);
  // Windows-31J takes at most 2 bytes per UTF-16 unit (a surrogate pair becomes one "?").
  std::string out(static_cast<std::size_t>(n) * 2, '\0');
  int32_t len = ucnv_fromUChars(conv, out.data(), static_cast<int32_t>(out.size()),
                                reinterpret_cast<const UChar*>(utf16.data()), n, &err);
  ucnv_close(conv);
  if (U_FAILURE(err)) return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace tonari::search
