#include "store/action_rules.h"

#include <charconv>

namespace tonari::store {

std::string picks_text(const std::vector<ActionPick>& picks) {
  std::string out;
  for (const ActionPick& p : picks) {
    if (!out.empty()) out += ',';
    out += std::to_string(p.option) + ':' + std::to_string(p.value);
  }
  return out;
}

std::vector<ActionPick> picks_of(std::string_view text) {
  std::vector<ActionPick> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    ActionPick pick;
    auto [colon, ec1] = std::from_chars(p, end, pick.option);
    if (ec1 != std::errc() || colon == end || *colon != ':') break;
    auto [next, ec2] = std::from_chars(colon + 1, end, pick.value);
    if (ec2 != std::errc()) break;
    out.push_back(pick);
    p = next;
    if (p < end && *p == ',') ++p;
  }
  return out;
}

}  // namespace tonari::store
