#include "services/safety_rules.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "services/crypto.h"
#include "services/text_checks.h"

namespace tonari::services {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxKeyChars = 32;
constexpr std::size_t kMaxLabelChars = 100;
constexpr std::size_t kMaxOptionChars = 50;
constexpr std::size_t kMinOptions = 2;
constexpr std::size_t kMaxOptions = 10;

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > kMaxKeyChars) return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

SafetyQuestion choice(std::string key, std::string label, std::vector<std::string> options) {
  return SafetyQuestion{std::move(key), std::move(label), SafetyQuestionKind::choice,
                        std::move(options), true};
}
SafetyQuestion other(std::string key, std::string label, SafetyQuestionKind kind) {
  return SafetyQuestion{std::move(key), std::move(label), kind, {}, false};
}

std::vector<SafetyTemplate> make_templates() {
  std::vector<SafetyTemplate> t;
  t.push_back({"earthquake", "地震（震度5弱以上）安否確認", false, default_safety_questions()});
  // After a flood the question is also whether home is flooded or cut off: staff who
  // cannot leave it cannot come to work, whatever their health.
  auto flood = default_safety_questions();
  flood.insert(flood.begin() + 1, choice("home", "自宅の状況", {"被害なし", "浸水・損壊あり", "孤立・避難中"}));
  t.push_back({"flood", "風水害 安否確認", false, std::move(flood)});
  t.push_back({"drill", "【訓練】安否確認", true, default_safety_questions()});
  return t;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

}  // namespace

const char* safety_question_kind_name(SafetyQuestionKind k) {
  switch (k) {
    case SafetyQuestionKind::choice: return "choice";
    case SafetyQuestionKind::location: return "location";
    case SafetyQuestionKind::text: return "text";
  }
  return "text";
}

Result<std::vector<SafetyQuestion>> parse_safety_questions(const json::value& v) {
  if (!v.is_array() || v.as_array().empty() || v.as_array().size() > kMaxSafetyQuestions) {
    return invalid_argument("questions: an array of 1 to " + std::to_string(kMaxSafetyQuestions) +
                            " questions");
  }
  std::vector<SafetyQuestion> out;
  std::set<std::string> keys;
  bool has_choice = false;
  const auto& arr = v.as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = "questions[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return invalid_argument(at + ": an object");
    const json::object& o = arr[i].as_object();
    SafetyQuestion q;
    const json::value* key = o.if_contains("key");
    if (!key || !key->is_string() || !valid_key(key->as_string())) {
      return invalid_argument(at + ".key: 1 to 32 of a-z 0-9 _");
    }
    q.key = std::string(key->as_string());
    if (!keys.insert(q.key).second) return invalid_argument(at + ".key: \"" + q.key + "\" is used twice");
    const json::value* label = o.if_contains("label");
    if (!label || !label->is_string()) return invalid_argument(at + ".label: is required");
    q.label = std::string(label->as_string());
    TONARI_RETURN_IF_ERROR(check_line(q.label, at + ".label", kMaxLabelChars));
    const json::value* kind = o.if_contains("kind");
    const std::string_view k = kind && kind->is_string() ? std::string_view(kind->as_string()) : "";
    if (k == "choice") {
      q.kind = SafetyQuestionKind::choice;
    } else if (k == "location") {
      q.kind = SafetyQuestionKind::location;
    } else if (k == "text") {
      q.kind = SafetyQuestionKind::text;
    } else {
      return invalid_argument(at + ".kind: choice, location or text");
    }
    const json::value* options = o.if_contains("options");
    if (q.kind == SafetyQuestionKind::choice) {
      if (!options || !options->is_array() || options->as_array().size() < kMinOptions ||
          options->as_array().size() > kMaxOptions) {
        return invalid_argument(at + ".options: a choice has 2 to 10 options");
      }
      const auto& opts = options->as_array();
      for (std::size_t j = 0; j < opts.size(); ++j) {
        const std::string oat = at + ".options[" + std::to_string(j) + "]";
        if (!opts[j].is_string()) return invalid_argument(oat + ": text");
        std::string label_j(opts[j].as_string());
        TONARI_RETURN_IF_ERROR(check_line(label_j, oat, kMaxOptionChars));
        q.options.push_back(std::move(label_j));
      }
      has_choice = true;
    } else if (options && !(options->is_array() && options->as_array().empty())) {
      return invalid_argument(at + ".options: only for a choice");
    }
    if (const json::value* r = o.if_contains("required")) {
      if (!r->is_bool()) return invalid_argument(at + ".required: true or false");
      q.required = r->as_bool();
    }
    out.push_back(std::move(q));
  }
  if (!has_choice) return invalid_argument("questions: at least one choice question (the tally counts them)");
  return out;
}

json::value safety_questions_value(const std::vector<SafetyQuestion>& qs) {
  json::array arr;
  for (const SafetyQuestion& q : qs) {
    json::object o{{"key", q.key},
                   {"label", q.label},
                   {"kind", safety_question_kind_name(q.kind)},
                   {"required", q.required}};
    if (q.kind == SafetyQuestionKind::choice) {
      json::array opts;
      for (const auto& s : q.options) opts.push_back(json::string(s));
      o["options"] = std::move(opts);
    }
    arr.push_back(std::move(o));
  }
  return arr;
}

std::string safety_questions_json(const std::vector<SafetyQuestion>& qs) {
  return json::serialize(safety_questions_value(qs));
}

std::vector<SafetyQuestion> default_safety_questions() {
  return {choice("status", "本人の状況", {"無事", "軽傷", "重傷"}),
          choice("work", "出勤", {"可能", "不可", "遅れて可能"}),
          other("location", "現在地", SafetyQuestionKind::location),
          other("comment", "コメント", SafetyQuestionKind::text)};
}

const std::vector<SafetyTemplate>& safety_templates() {
  static const std::vector<SafetyTemplate> templates = make_templates();
  return templates;
}

const SafetyTemplate* find_safety_template(std::string_view key) {
  for (const SafetyTemplate& t : safety_templates()) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

Result<SafetyAnswerChecked> check_safety_answer(const std::vector<SafetyQuestion>& qs,
                                                const json::value& answer) {
  if (!answer.is_object()) return invalid_argument("answer: an object {\"<question key>\": ...}");
  const json::object& in = answer.as_object();
  for (const auto& kv : in) {
    bool known = false;
    for (const SafetyQuestion& q : qs) known |= q.key == std::string_view(kv.key());
    if (!known) return invalid_argument("answer." + std::string(kv.key()) + ": no such question");
  }
  SafetyAnswerChecked out;
  json::object norm;
  for (const SafetyQuestion& q : qs) {
    const std::string at = "answer." + q.key;
    const json::value* v = in.if_contains(q.key);
    if (v && v->is_null()) v = nullptr;
    int pick = -1;
    switch (q.kind) {
      case SafetyQuestionKind::choice:
        if (v) {
          const auto n = static_cast<std::int64_t>(q.options.size());
          if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() >= n) {
            return invalid_argument(at + ": an option index 0.." + std::to_string(n - 1));
          }
          pick = static_cast<int>(v->as_int64());
          norm[q.key] = pick;
        }
        break;
      case SafetyQuestionKind::text:
        if (v) {
          if (!v->is_string()) return invalid_argument(at + ": text");
          std::string s(v->as_string());
          TONARI_RETURN_IF_ERROR(check_text(s, at, kMaxSafetyTextChars));
          if (s.find_first_not_of(" \t\n\r") == std::string::npos) {
            v = nullptr;  // blank: unanswered
          } else {
            norm[q.key] = std::move(s);
          }
        }
        break;
      case SafetyQuestionKind::location:
        if (v) {
          // A place typed ("本庁舎") or a position the phone shared on purpose, or both.
          const Status bad = invalid_argument(at + R"(: {"text": "..."} or {"lat": .., "lon": .., "text"?: "..."})");
          if (!v->is_object()) return bad;
          const json::object& lo = v->as_object();
          json::object loc;
          for (const auto& kv : lo) {
            if (kv.key() != "text" && kv.key() != "lat" && kv.key() != "lon") return bad;
          }
          if (const json::value* t = lo.if_contains("text")) {
            if (!t->is_string()) return bad;
            std::string s(t->as_string());
            if (!s.empty()) {
              TONARI_RETURN_IF_ERROR(check_line(s, at + ".text", kMaxSafetyTextChars));
              loc["text"] = std::move(s);
            }
          }
          const json::value* lat = lo.if_contains("lat");
          const json::value* lon = lo.if_contains("lon");
          if (lat || lon) {
            if (!lat || !lon || !lat->is_number() || !lon->is_number()) return bad;
            const double la = lat->to_number<double>();
            const double ln = lon->to_number<double>();
            if (!std::isfinite(la) || !std::isfinite(ln) || la < -90 || la > 90 || ln < -180 || ln > 180) {
              return invalid_argument(at + ": lat -90..90, lon -180..180");
            }
            loc["lat"] = la;
            loc["lon"] = ln;
          }
          if (loc.empty()) {
            v = nullptr;
          } else {
            norm[q.key] = std::move(loc);
          }
        }
        break;
    }
    if (!v && q.required) return invalid_argument(at + ": is required");
    out.picks.push_back(pick);
  }
  out.json = json::serialize(norm);
  return out;
}

std::string webhook_signature(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string data = std::to_string(t) + "." + std::string(body);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return hex(mac, sizeof mac);
}

Status check_webhook_signature(std::string_view header, std::string_view body,
                               std::string_view secret, std::int64_t now_s,
                               std::int64_t tolerance_s) {
  if (header.empty()) return Status(Code::unauthenticated, "missing X-Tonari-Signature header");
  if (secret.empty()) return Status(Code::unauthenticated, "no webhook secret is set for this municipality");
  std::optional<std::int64_t> t;
  std::vector<std::string_view> sigs;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with("t=")) {
      std::int64_t n = 0;
      std::string_view d = part.substr(2);
      if (d.empty() || d.size() > 12) return Status(Code::unauthenticated, "X-Tonari-Signature: t= is not a time");
      for (char c : d) {
        if (c < '0' || c > '9') return Status(Code::unauthenticated, "X-Tonari-Signature: t= is not a time");
        n = n * 10 + (c - '0');
      }
      t = n;
    } else if (part.starts_with("v1=")) {
      sigs.push_back(part.substr(3));
    }
    pos = end + 1;
  }
  if (!t || sigs.empty()) {
    return Status(Code::unauthenticated, "X-Tonari-Signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256>");
  }
  if (*t < now_s - tolerance_s || *t > now_s + tolerance_s) {
    return Status(Code::unauthenticated, "X-Tonari-Signature: t= is more than " +
                                             std::to_string(tolerance_s / 60) + " minutes from the server's time");
  }
  const std::string want = webhook_signature(secret, *t, body);
  bool match = false;
  for (std::string_view s : sigs) match |= equal_secret(s, want);  // every one compared
  if (!match) return Status(Code::unauthenticated, "X-Tonari-Signature: the signature does not match");
  return Status::ok();
}

}  // namespace tonari::services
