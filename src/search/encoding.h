// Character encodings met in municipal files: Shift_JIS (Windows-31J / CP932) CSV exports.
// Thread safety: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tonari::search {

// `bytes` as UTF-8: unchanged if it already is valid UTF-8 (a UTF-8 BOM is dropped),
// otherwise decoded as Windows-31J. nullopt if it is neither.
std::optional<std::string> to_utf8(std::string_view bytes);

// UTF-8 `text` as Windows-31J, for files that Excel opens as Shift_JIS. A character with
// no Windows-31J code becomes "?" (an emoji, 𠮷); the usual look-alikes map to their
// Windows-31J form (〜 U+301C to ～, − U+2212 to －, ¥ to 0x5C) instead of "?". Invalid
// UTF-8 sequences become "?" too. nullopt only if ICU has no Windows-31J converter.
std::optional<std::string> to_windows31j(std::string_view text);

}  // namespace tonari::search
