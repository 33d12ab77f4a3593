// Checks of the text people type into tonari's objects (titles, labels, note bodies): valid
// UTF-8, a length in characters, no control characters, each refusal saying precisely what
// and where.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace tonari::services {

// One line of 1..max_chars characters, not blank (white space alone), without control
// characters. invalid_argument "<what>: ..." otherwise.
Status check_line(std::string_view s, std::string_view what, std::size_t max_chars);
// Text of at most max_chars characters (empty allowed) whose only control characters are
// line feeds and tabs; a refusal names the character and its line and column (1-based).
Status check_text(std::string_view s, std::string_view what, std::size_t max_chars);

}  // namespace tonari::services
