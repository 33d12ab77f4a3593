// tonari's own stamp set (drawn for tonari: web/src/stamps/), by id. The server accepts a
// stamp message or a stamp reaction only with an id of this list; the client draws and
// labels them. Ids are stable: stored messages name them.
#pragma once

#include <span>
#include <string_view>

namespace tonari {

struct StampInfo {
  std::string_view id;  // [a-z0-9_]+
  std::string_view ja;  // the stamp's words, as drawn
  std::string_view en;  // its English label
};

std::span<const StampInfo> stamps();
// The stamp with that id, or nullptr.
const StampInfo* find_stamp(std::string_view id);

}  // namespace tonari
