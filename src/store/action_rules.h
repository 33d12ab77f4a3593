// What both stores decide the same way about action stamps (store.h, answer_action):
// whether an answer fits its question, where a pick is counted, and the refusals' texts.
// Internal to the stores.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace tonari::store {

// How many counts a question's tally has (ActionTally::counts).
inline std::size_t action_slots(const ActionSpec& spec) {
  return action_option_count(spec.kind, spec.options.size()) *
         static_cast<std::size_t>(action_values_per_option(spec.kind));
}

// Where pick `p` is counted in ActionTally::counts.
inline std::size_t action_slot(const ActionSpec& spec, const ActionPick& p) {
  return static_cast<std::size_t>(p.option) *
             static_cast<std::size_t>(action_values_per_option(spec.kind)) +
         static_cast<std::size_t>(p.value);
}

// Puts `picks` in order (by option) and checks that they answer the question: known
// options and values, each option at most once, exactly one pick for a single-choice
// question (yesno, attendance, choice without `multiple`, task), every option for a
// schedule. Empty picks (a withdrawal) fit every question. invalid_argument otherwise.
inline Status check_picks(const ActionSpec& spec, std::vector<ActionPick>& picks) {
  if (picks.empty()) return Status::ok();
  std::sort(picks.begin(), picks.end(),
            [](const ActionPick& a, const ActionPick& b) { return a.option < b.option; });
  const auto options = static_cast<std::int64_t>(action_option_count(spec.kind, spec.options.size()));
  const int values = action_values_per_option(spec.kind);
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const ActionPick& p = picks[i];
    if (p.option < 0 || p.option >= options) {
      return invalid_argument("unknown option " + std::to_string(p.option));
    }
    if (p.value < 0 || p.value >= values) {
      return invalid_argument("bad value " + std::to_string(p.value) + " for option " +
                              std::to_string(p.option));
    }
    if (i > 0 && picks[i - 1].option == p.option) {
      return invalid_argument("option " + std::to_string(p.option) + " picked twice");
    }
  }
  const bool several = spec.kind == ActionKind::schedule ||
                       (spec.kind == ActionKind::choice && spec.multiple);
  if (!several && picks.size() != 1) return invalid_argument("pick exactly one option");
  if (spec.kind == ActionKind::schedule && static_cast<std::int64_t>(picks.size()) != options) {
    return invalid_argument("a schedule's answer gives every date ○, △ or ×");
  }
  return Status::ok();
}

}  // namespace tonari::store
