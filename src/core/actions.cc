#include <array>
#include <string_view>

#include "core/types.h"

namespace tonari {
namespace {
constexpr std::array<std::string_view, 5> kKindNames = {"yesno", "attendance", "choice",
                                                        "schedule", "task"};
}  // namespace

const char* action_kind_name(ActionKind k) {
  return kKindNames[static_cast<std::size_t>(k)].data();
}

std::optional<ActionKind> action_kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ActionKind>(i);
  }
  return std::nullopt;
}

std::size_t action_option_count(ActionKind k, std::size_t custom_options) {
  switch (k) {
    case ActionKind::yesno: return 2;
    case ActionKind::attendance: return 3;
    case ActionKind::task: return 1;
    case ActionKind::choice:
    case ActionKind::schedule: return custom_options;
  }
  return 0;
}

int action_values_per_option(ActionKind k) { return k == ActionKind::schedule ? 3 : 1; }

const char* pin_kind_name(Pin::Kind k) { return k == Pin::Kind::note ? "note" : "message"; }

}  // namespace tonari
