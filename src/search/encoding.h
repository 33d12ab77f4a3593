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

}  // namespace tonari::search
