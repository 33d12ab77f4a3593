// What both stores decide the same way about action stamps (store.h, answer_action):
// whether an answer fits its question, where a pick is counted, the refusals' texts, and
// how an answer's picks are kept as text ("0:0,2:1").
// Internal to the stores.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

// Whether the picks fit the question (ActionPick's rules: each option once, ascending;
// known options and values; exactly one pick for a single-choice question, every option
// for a schedule): invalid_argument saying how not. Empty picks (a withdrawal) fit.
inline Status check_picks(const ActionSpec& spec, const std::vector<ActionPick>& picks) {
  if (picks.empty()) return Status::ok();
  const auto options = static_cast<std::int64_t>(action_option_count(spec.kind, spec.options.size()));
  const int values = action_values_per_option(spec.kind);
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const ActionPick& p = picks[i];
    if (p.option < 0 || p.option >= options) {
      return invalid_argument("unknown option " + std::to_string(p.option));
    }
    if (p.value < 0 || p.value >= values) {
      return invalid_argument("option " + std::to_string(p.option) + ": no value " +
                              std::to_string(p.value));
    }
    if (i > 0 && p.option <= picks[i - 1].option) {
      return invalid_argument("picks name each option once, in ascending order");
    }
  }
  if (spec.kind == ActionKind::schedule) {
    if (static_cast<std::int64_t>(picks.size()) != options) {
      return invalid_argument("a schedule is answered for every option");
    }
  } else if (!(spec.kind == ActionKind::choice && spec.multiple) && picks.size() != 1) {
    return invalid_argument("pick exactly one option");
  }
  return Status::ok();
}

// An answer's picks as the stores keep them, "option:value" by option, comma-separated;
// and back (what does not parse ends the list).
std::string picks_text(const std::vector<ActionPick>& picks);
std::vector<ActionPick> picks_of(std::string_view text);

}  // namespace tonari::store
