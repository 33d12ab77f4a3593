#include "search/normalize.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace tonari::search {

std::string fold(std::string_view s) {
  UErrorCode err = U_ZERO_ERROR;
  // The instance is owned by ICU, immutable and thread-safe.
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), s.size()));
  icu::UnicodeString out;
  if (U_SUCCESS(err)) {
    out = nfkc_cf->normalize(in, err);
  }
  if (U_FAILURE(err)) out = in;

  icu::UnicodeString folded;
  for (int32_t i = 0; i < out.length();) {
    UChar32 c = out.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) continue;
    // Katakana ァ..ヶ map one to one onto hiragana ぁ..ゖ (0x60 apart).
    if (c >= 0x30A1 && c <= 0x30F6) c -= 0x60;
    folded.append(c);
  }
  std::string result;
  folded.toUTF8String(result);
  return result;
}

}  // namespace tonari::search
