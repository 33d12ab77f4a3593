// 安否確認 (safety confirmation) as the store keeps it (issue 23): a check, its targets (the
// users it asks, fixed when it starts), their latest answers with the choice picks the
// tallies count, and every answer's history. The store stores what it is given: the
// questions and answers are JSON text that services/safety validates; the picks are what
// the services read from an answer's choice questions. Plain data, no threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace tonari::store {

using SafetyId = std::int64_t;

// One choice made in an answer: question `question` (its index in the check's questions)
// answered with option `option` (its index in that question's options).
struct SafetyPick {
  int question = 0;
  int option = 0;
  bool operator==(const SafetyPick&) const = default;
};

struct SafetyCheck {
  SafetyId id = 0;
  TenantId tenant = 0;
  std::string title;
  std::string template_key;  // "earthquake", ...; empty: made from scratch
  bool training = false;     // 訓練: kept out of the real statistics
  std::string questions;     // JSON text (docs/api.md)
  std::vector<DeptId> scope; // departments, each with its subtree; empty: the whole tenant
  // Internet-zone users whose 利用制限 forbids the Internet may still answer this.
  bool internet_answer = false;
  UserId started_by = 0;     // 0: the webhook
  TimeMs started_at = 0;
  TimeMs closed_at = 0;      // 0: open
  UserId closed_by = 0;
  std::string origin;        // "manual" | "webhook"
  std::string webhook_event; // the webhook's event id; empty for a manual start
  // Filled by safety_check and safety_checks (0 elsewhere): targets, and those answered.
  std::int64_t targets = 0;
  std::int64_t answered = 0;
};

struct SafetyStart {
  TenantId tenant = 0;
  std::string title;
  std::string template_key;
  bool training = false;
  std::string questions;
  std::vector<DeptId> scope;  // empty: the whole tenant
  bool internet_answer = false;
  UserId by = 0;
  std::string origin = "manual";
  std::string webhook_event;  // not empty: at most one check per (tenant, event)
  TimeMs now = 0;
};

// What start_safety did: the check, whether it is new (false: a replayed webhook_event,
// the existing check, nothing written) and its targets' ids (the new check's only).
struct SafetyStarted {
  SafetyCheck check;
  bool created = true;
  std::vector<UserId> targets;
};

// A target of a check with their latest answer.
struct SafetyTarget {
  User user;               // the user as now (name, reading, dept ...)
  DeptId dept = 0;         // the user's department when the check started (tallies use it)
  TimeMs answered_at = 0;  // 0: not answered
  UserId answered_by = 0;  // the user, or who answered for them (proxy)
  bool proxy = false;
  std::string answer;      // JSON text; empty: not answered
};

// One answer as given (the history: safety_answer_history).
struct SafetyAnswer {
  SafetyId check = 0;
  UserId user = 0;
  UserId by = 0;
  std::string by_name;
  bool proxy = false;
  TimeMs at = 0;
  std::string answer;
  std::string client_id;
};

struct SafetyAnswerWrite {
  SafetyId check = 0;
  TenantId tenant = 0;  // the answerer's municipality: another one's check is not_found
  UserId user = 0;      // the target answered for
  UserId by = 0;        // who answers: user, or a proxy (then recorded as proxy)
  std::string client_id;  // the client's id of this answer (idempotent retry); not empty
  std::string answer;     // JSON text
  std::vector<SafetyPick> picks;  // the answer's choices, one per choice question answered
  TimeMs now = 0;
};

struct SafetyAnswered {
  SafetyAnswer answer;
  bool created = true;  // false: a retry of (check, user, client_id); the stored answer
};

// Counts of a check, per department (the targets' department at start).
struct SafetyCount {
  int question = 0;
  int option = 0;
  std::int64_t count = 0;
  bool operator==(const SafetyCount&) const = default;
};
struct SafetyTallyRow {
  DeptId dept = 0;  // 0: the totals row, or targets with no department
  std::int64_t targets = 0;
  std::int64_t answered = 0;
  std::vector<SafetyCount> counts;  // by question, then option; zero counts left out
};
struct SafetyTally {
  std::vector<SafetyTallyRow> depts;  // by dept id; only departments with targets
  SafetyTallyRow total;               // dept 0
};

// Which targets a page holds. Every field narrows.
struct SafetyTargetFilter {
  enum class State { all, answered, unanswered };
  State state = State::all;
  DeptId dept = 0;     // the department at start in this department's subtree; 0: any
  int question = -1;   // >= 0: only those whose latest answer picked (question, option)
  int option = -1;
};

// A page of checks, newest first.
struct SafetyCheckPage {
  std::vector<SafetyCheck> checks;
  SafetyId next = 0;  // hand back as `before` for the next page; 0: no more
};

}  // namespace tonari::store
