// A small RFC 4180 CSV reader for account imports: quoted fields, "" escapes, CRLF or LF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tonari::app {

// The rows of `text`; a trailing empty line is ignored.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

}  // namespace tonari::app
