// UTF-8 helpers for input validation: validity, length in characters, trimming, cutting.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tonari::text {

// True if `s` is well-formed UTF-8 without NUL bytes.
bool valid_utf8(std::string_view s);

// Number of code points in well-formed UTF-8 `s`.
std::size_t char_count(std::string_view s);

// `s` without leading and trailing ASCII white space and U+3000 (ideographic space).
std::string_view trim(std::string_view s);

// The first `max_chars` code points of `s` ("…" appended if it was cut).
std::string cut(std::string_view s, std::size_t max_chars);

// Untrusted bytes (a path, a header) made fit to quote in a message: well-formed UTF-8
// kept, each byte that is not part of one and each control character replaced by U+FFFD,
// then cut to `max_chars` code points like cut(). The result is always valid UTF-8.
std::string printable(std::string_view s, std::size_t max_chars = 64);

}  // namespace tonari::text
