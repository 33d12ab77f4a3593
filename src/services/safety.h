// 安否確認 (safety confirmation, issue 23): a 危機管理 user or an administrator starts a
// check for the whole municipality or chosen departments; every target gets a banner at
// once (one safety.started event addressed to all of them), answers in two taps (an
// idempotent write keyed by the client's id, so a flaky phone may retry), and the managers
// (危機管理, administrators, 所属長 for their subtree: policy::safety_reach) watch the tally,
// remind the non-answerers, answer for someone who phoned in (代理回答) and close it.
//
// The tally without O(targets²) traffic: an answer writes no event. SafetyTallies notes the
// check and, at most once a second per check, reads the tally once and sends one
// safety.updated to the managers (one event to every all-reaching manager, one per 所属長
// with their subtree's rows). In a cluster each node publishes the checks answered through
// it. The webhook (start_from_webhook) starts a check from a template when an HMAC-signed
// request names a new event.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "services/actions.h"
#include "services/context.h"
#include "services/remind_slots.h"
#include "services/safety_rules.h"

namespace tonari::services {

// The tenant setting that holds the webhook's secret (`tonari admin set-safety-webhook`).
inline constexpr const char* kSafetyWebhookKey = "safety_webhook_secret";

// What POST /api/safety asks for.
struct SafetyRequest {
  std::optional<std::string> title;
  std::string template_key;                     // empty: from scratch (defaults)
  std::optional<bool> training;                 // default: the template's
  std::optional<boost::json::value> questions;  // default: the template's (or the defaults)
  std::vector<DeptId> scope;                    // empty: the whole municipality
  bool internet_answer = false;
};

// A check as a caller sees it (GET /api/safety/{id}).
struct SafetyView {
  store::SafetyCheck check;
  std::optional<store::SafetyTarget> mine;  // the caller is a target
  // Managers: the tally of their reach (scope: 0 the whole check, else a 所属長's
  // department subtree), with the departments' paths for its rows.
  std::optional<store::SafetyTally> tally;
  DeptId scope = 0;
  bool may_close = false;
  bool may_answer_for = false;
};

// GET /api/safety: the open checks I am a target of, and for managers the municipality's
// checks (those reaching their subtree, for a 所属長).
struct SafetyList {
  std::vector<std::pair<store::SafetyCheck, store::SafetyTarget>> mine;
  std::optional<store::SafetyCheckPage> managed;
};

struct SafetyTargets {
  store::SafetyTargetPage page;
  DeptId scope = 0;
};

// The JSON of docs/api.md, shared by REST, the frames and the hello reply.
boost::json::object safety_check_json(const store::SafetyCheck& c);
// A check with the viewer's own answer (answered_at, proxy, answer): the banner's state.
boost::json::object safety_mine_json(const store::SafetyCheck& c, const store::SafetyTarget& t);
boost::json::object safety_answer_json(const store::SafetyAnswer& a);
// A target row: the user (id, name, reading, department path), answered_at, by, proxy,
// answer (parsed).
boost::json::object safety_target_json(const store::SafetyTarget& t,
                                       const std::unordered_map<DeptId, std::string>& paths);
// The tally with a row for every department that has targets in its subtree (a 部 row
// sums its 課 and 係), up to `root` (0: the top), each with name, path and parent.
boost::json::object safety_tally_json(const store::SafetyTally& t,
                                      const std::vector<Department>& depts, DeptId root);

// The coalesced tally publisher (the timer: the app's ticker, like ActionTallies').
class SafetyTallies {
 public:
  explicit SafetyTallies(Context& ctx) : ctx_(ctx) {}
  // Check `id` got, or changed, an answer.
  void note(store::SafetyId id);
  // Publishes each noted check whose last flush is at least Limits::tally_flush_period_ms
  // ago. Returns the number of checks flushed.
  std::size_t flush_due();
  bool active();
  // The municipality's managers (policy::safety_reach not none), read again every 30 s:
  // a directory read of 20,000 users is not for every flush.
  std::vector<User> managers(TenantId tenant);

 private:
  void publish(store::SafetyId id);

  Context& ctx_;
  std::mutex managers_mu_;
  std::map<TenantId, std::pair<TimeMs, std::vector<User>>> managers_;  // guarded by managers_mu_
  std::mutex mu_;
  std::set<store::SafetyId> pending_;                // guarded by mu_
  std::map<store::SafetyId, TimeMs> last_flush_;     // guarded by mu_
  TimeMs last_noted_ = 0;                            // guarded by mu_
};

class Safety {
 public:
  // A check (and a department of it) may be reminded once per this period (per node).
  static constexpr TimeMs kRemindPeriodMs = 5 * 60 * 1000;

  Safety(Context& ctx, SafetyTallies& tallies) : ctx_(ctx), tallies_(tallies) {}

  // Starts a check (policy::can_start_safety) and sends safety.started to every target.
  // invalid_argument naming the field (unknown template, bad questions, a department not of
  // the municipality, nobody to ask).
  void start(const Actor& actor, SafetyRequest req, store::Callback<store::SafetyCheck> done);
  // The webhook: `signature` (X-Tonari-Signature) checked against the municipality's secret
  // before anything is read from `body`. unauthenticated for a bad or missing signature (or
  // no secret set), not_found for an unknown municipality or template, invalid_argument
  // for a body without event_id. A replayed event_id: the existing check, created=false.
  struct Hooked {
    store::SafetyCheck check;
    bool created = true;
  };
  void start_from_webhook(std::string_view tenant_code, std::string_view template_key,
                          std::string_view signature, std::string body,
                          store::Callback<Hooked> done);

  // The open checks `user` is a target of, with their answer (the hello reply, the banner).
  // `restricted`: the user reaches us through the Internet zone without Internet use: only
  // the checks that allow it.
  Result<std::vector<std::pair<store::SafetyCheck, store::SafetyTarget>>> open_for(
      const User& user, bool restricted = false);
  Result<SafetyList> list(const Actor& actor, store::SafetyId before, int limit, bool restricted = false);
  Result<SafetyView> get(const Actor& actor, store::SafetyId id, bool restricted = false);
  // Records an answer (for `for_user` when not 0 and not the actor: 代理回答,
  // policy::can_answer_safety_for). A retried client_id returns what was stored.
  void answer(const Actor& actor, store::SafetyId id, std::string client_id,
              const boost::json::value& answer, UserId for_user, bool restricted,
              store::Callback<store::SafetyAnswered> done);
  // A page of targets in 五十音 (a 所属長: of their subtree). `q`: "<choice question key>:
  // <option index>" (those whose latest answer picked it), or empty.
  Result<SafetyTargets> targets(const Actor& actor, store::SafetyId id, store::SafetyTargetFilter filter,
                                std::string_view q, const store::MemberKey& after, int limit);
  Result<std::vector<store::SafetyAnswer>> history(const Actor& actor, store::SafetyId id, UserId user);
  // safety.reminded to every non-answerer (of `dept`'s subtree if not 0; a 所属長's is
  // within theirs); `done` gets how many. conflict "closed" or when everyone answered;
  // rate_limited within kRemindPeriodMs of the last reminder of the same check and dept.
  void remind(const Actor& actor, store::SafetyId id, DeptId dept, store::Callback<std::int64_t> done);
  void close(const Actor& actor, store::SafetyId id, store::Callback<store::SafetyCheck> done);
  // CSV (UTF-8 with BOM, or Windows-31J): 所属, 氏名, よみ, each question, 回答日時, 代理.
  Result<ExportFile> export_csv(const Actor& actor, store::SafetyId id, bool sjis);
  // A printable HTML page: the tally per department and the non-answerers.
  Result<std::string> print_page(const Actor& actor, store::SafetyId id);
  // Gives or takes the 危機管理 and 所属長 roles (policy::can_set_safety_roles).
  void set_roles(const Actor& actor, UserId user, bool crisis, bool dept_head, store::Callback<User> done);

 private:
  // The check and the facts the policies need about the actor.
  struct Loaded {
    store::SafetyCheck check;
    std::optional<store::SafetyTarget> mine;
    bool in_reach = false;  // a 所属長's subtree meets the check's scope
    std::vector<Department> depts;
  };
  Result<Loaded> load(const Actor& actor, store::SafetyId id);
  Result<DeptId> scope_of(const Actor& actor, const Loaded& l);

  Context& ctx_;
  SafetyTallies& tallies_;
  RemindSlots<std::pair<store::SafetyId, DeptId>> remind_slots_{kRemindPeriodMs, "a safety confirmation"};
};

}  // namespace tonari::services
