// 安否確認 (safety confirmation) rules that need no store: the questions a check asks and
// their limits, the built-in templates (地震, 風水害, 訓練), checking an answer against the
// questions, and the webhook's signature. The store keeps questions and answers as the JSON
// text made here; it never interprets them beyond the choice indexes it tallies.
// Thread safety: pure functions (the templates are constants).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

enum class SafetyQuestionKind { choice, location, text };
const char* safety_question_kind_name(SafetyQuestionKind k);

struct SafetyQuestion {
  std::string key;    // [a-z0-9_]{1,32}, unique in the check: the answer's field
  std::string label;  // 本人の状況
  SafetyQuestionKind kind = SafetyQuestionKind::choice;
  std::vector<std::string> options;  // choice: 2..10 labels; others: none
  bool required = false;
};

// At most this many questions; a check needs at least one choice question (the tally).
inline constexpr std::size_t kMaxSafetyQuestions = 10;
// A comment's and a place's length, in characters.
inline constexpr std::size_t kMaxSafetyTextChars = 500;

// Questions from their JSON (an array as docs/api.md shows it). invalid_argument naming the
// question and field otherwise: a bad key, a duplicate key, a label of 1..100 characters,
// an unknown kind, options on a non-choice or 2..10 options of 1..50 characters on a
// choice, none or more than kMaxSafetyQuestions questions, no choice question.
Result<std::vector<SafetyQuestion>> parse_safety_questions(const boost::json::value& v);
// The questions as the store keeps them (and the wire carries them): a JSON array.
std::string safety_questions_json(const std::vector<SafetyQuestion>& qs);
boost::json::value safety_questions_value(const std::vector<SafetyQuestion>& qs);
// The defaults of the issue: 本人の状況, 出勤, 現在地, コメント.
std::vector<SafetyQuestion> default_safety_questions();

struct SafetyTemplate {
  std::string key;    // earthquake, flood, drill
  std::string title;  // the check's default title
  bool training = false;
  std::vector<SafetyQuestion> questions;
};
// The built-in templates, in the order a client shows them.
const std::vector<SafetyTemplate>& safety_templates();
// nullptr for an unknown key.
const SafetyTemplate* find_safety_template(std::string_view key);

// An answer checked against the questions: its normalized JSON text (only the questions'
// keys, location as {"text"} or {"lat","lon"[,"text"]}, empty text fields left out) and,
// for each question in order, the chosen option (-1: none, or not a choice question).
struct SafetyAnswerChecked {
  std::string json;
  std::vector<int> picks;
};
// invalid_argument naming the field: an unknown key, a choice that is not an option index
// ("answer.status: 0..2"), a required question unanswered ("answer.work: is required"),
// a location without text or a valid position, text over kMaxSafetyTextChars characters or
// with control characters.
Result<SafetyAnswerChecked> check_safety_answer(const std::vector<SafetyQuestion>& qs,
                                                const boost::json::value& answer);

// The webhook's signature header "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." +
// body)>" (several v1= are allowed: one must match, for a secret being rotated). ok, or
// unauthenticated saying what is wrong (missing, malformed, outside `tolerance_s` of
// `now_s`, no match). Compared in constant time.
Status check_webhook_signature(std::string_view header, std::string_view body,
                               std::string_view secret, std::int64_t now_s,
                               std::int64_t tolerance_s = 300);
// The hex signature of `t.body` (tests, the CLI's example).
std::string webhook_signature(std::string_view secret, std::int64_t t, std::string_view body);

}  // namespace tonari::services
