// The pieces every export for Excel shares (an action stamp's results, a safety
// confirmation's answers): a CSV cell safe from formula injection, the JST time text, a file
// name made from a title, and the CSV's encoding — UTF-8 with a BOM (so Excel reads it as
// UTF-8) or Windows-31J (Shift_JIS, for older Excel and tools).
// Thread safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

// "2026/12/06 10:15" in JST (Japan has no summer time). Sorts as text the way it would as
// a date: the fields run from the year down, zero-padded.
std::string jst_minutes(TimeMs at);

// One CSV cell: quoted if it holds , " CR or LF. Excel runs a cell that starts with
// = + - @ (or a tab or CR, which it strips first) as a formula, and names and labels come
// from users: such a cell gets a leading ', which Excel shows as text.
std::string csv_cell(std::string_view text);

// A file name's stem from a title: at most 50 characters (cut on a character boundary),
// the characters Windows refuses in a name and control characters as "_", no leading dots
// or spaces nor trailing ones. May be empty.
std::string file_stem(std::string_view title);

// A CSV text (UTF-8, CRLF lines) as sent: with a BOM, or converted to Windows-31J.
Result<std::string> encode_csv(std::string csv, bool windows31j);

}  // namespace tonari::services
