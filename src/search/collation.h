// 五十音 ordering: ICU's Japanese collation, applied to readings (よみ).
// Thread safety: safe from any thread (each thread uses its own collator).
#pragma once

#include <string>
#include <string_view>

namespace tonari::search {

// Negative, zero or positive as `a` sorts before, equal to or after `b` in Japanese
// collation order (hiragana and katakana readings sort together in 五十音 order).
int compare_ja(std::string_view a, std::string_view b);

}  // namespace tonari::search

namespace tonari::search {

// A binary key whose byte order (memcmp) is the Japanese collation order of `s`; stored
// so that the database can ORDER BY it.
std::string sort_key_ja(std::string_view s);

}  // namespace tonari::search
