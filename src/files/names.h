// File names as the uploader gave them, made fit to store, show and offer for download.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace tonari::files {

inline constexpr std::size_t kMaxNameBytes = 255;

// `raw` (UTF-8) without any path (what follows the last '/' or '\'), in NFC, without
// control characters (C0, DEL, C1) nor bidirectional controls (which can make
// "gpj.exe" show as "exe.jpg"), white space trimmed, at most kMaxNameBytes bytes (cut on a
// character boundary, the extension kept). invalid_argument if `raw` is not UTF-8 or
// nothing is left ("", ".", "..").
Result<std::string> clean_file_name(std::string_view raw);

// The extension of `name` with its dot (".jpg"), or empty: the part after the last dot
// unless that dot starts the name, at most 16 bytes.
std::string_view extension(std::string_view name);

}  // namespace tonari::files
