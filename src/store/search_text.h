// What both stores index for a source (store.h, "Search"): the text a document's search
// form is made from. Internal to the stores.
#pragma once

#include <string>
#include <string_view>

#include "core/types.h"

namespace tonari::store {

// A message's document text: its body, then an action stamp's title and option labels,
// one per line. The second form takes them as the stores keep them (`options_json`:
// actions.options, a JSON array of strings).
std::string message_text(std::string_view body, const ActionSpec* action);
std::string message_text(std::string_view body, std::string_view action_title,
                         std::string_view action_options_json);

// A note's or a file's document text: the title (a file's name), a new line, the text.
std::string titled(std::string_view title, std::string_view text);

// FileOutcome::text as it is kept: at most kMaxFileTextBytes, cut at a character boundary
// (the worker cuts it already; a longer one is not refused).
std::string_view file_text(std::string_view text);

}  // namespace tonari::store
