// Text normalization for Japanese-aware matching: NFKC case folding (full/half width,
// upper/lower case) plus katakana -> hiragana, so that ﾀﾅｶ, タナカ and たなか are one key.
// Thread safety: all functions are safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace tonari::search {

// The match key of `s`: NFKC_Casefold, katakana folded to hiragana, white space removed.
// Invalid UTF-8 is replaced (never fails).
std::string fold(std::string_view s);

}  // namespace tonari::search
