#include "services/safety.h"

#include <algorithm>
#include <boost/json.hpp>

#include "log/log.h"
#include "services/export_text.h"
#include "services/accounts.h"
#include "services/org.h"
#include "services/policies.h"
#include "services/text_checks.h"

namespace tonari::services {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxTitleChars = 200;
constexpr std::size_t kMaxEventIdChars = 200;
constexpr std::size_t kMaxScopeDepts = 200;
// The export and the print page read the targets in pages of this many; close reads the
// targets to tell them in pages of kClosePage.
constexpr int kExportPage = 1000;
constexpr int kClosePage = 5000;
// Who manages a municipality's checks is read again after this long (the frames' addressees).
constexpr TimeMs kManagersTtlMs = 30 * 1000;

// JSON text the store keeps, back to a value (null if it is not JSON: never expected).
json::value parse_or_null(std::string_view text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

std::vector<SafetyQuestion> questions_of(const store::SafetyCheck& c) {
  auto qs = parse_safety_questions(parse_or_null(c.questions));
  return qs.ok() ? std::move(*qs) : std::vector<SafetyQuestion>{};
}

std::shared_ptr<const std::string> frame(json::object o) {
  return std::make_shared<const std::string>(json::serialize(o));
}

void publish_to(Context& ctx, TenantId tenant, std::vector<UserId> users, json::object o) {
  if (users.empty()) return;
  bus::Event e;
  e.tenant = tenant;
  e.frame = frame(std::move(o));
  e.to_users = std::move(users);
  ctx.bus.publish(e);
}

// Whether a 所属長 of `dept` reaches someone of `check`: the whole municipality, a scope
// department inside their subtree, or their department inside a scope department's.
bool reaches(const std::vector<Department>& depts, const store::SafetyCheck& check, DeptId dept) {
  if (dept == 0) return false;
  if (check.scope.empty()) return true;
  for (DeptId s : check.scope) {
    if (org::in_subtree(depts, s, dept) || org::in_subtree(depts, dept, s)) return true;
  }
  return false;
}

std::unordered_map<DeptId, std::string> paths_of(std::vector<Department> depts) {
  org::fill_paths(depts);
  std::unordered_map<DeptId, std::string> paths;
  for (Department& d : depts) paths.emplace(d.id, std::move(d.path));
  return paths;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// One question's answer as text for a file: the option's label, the place, the comment.
std::string answer_text(const SafetyQuestion& q, const json::object& a) {
  const json::value* v = a.if_contains(q.key);
  if (!v) return "";
  switch (q.kind) {
    case SafetyQuestionKind::choice:
      if (v->is_int64() && v->as_int64() >= 0 && v->as_int64() < static_cast<std::int64_t>(q.options.size())) {
        return q.options[static_cast<std::size_t>(v->as_int64())];
      }
      return "";
    case SafetyQuestionKind::text: return v->is_string() ? std::string(v->as_string()) : "";
    case SafetyQuestionKind::location: {
      if (!v->is_object()) return "";
      const json::object& o = v->as_object();
      std::string out;
      if (const json::value* t = o.if_contains("text"); t && t->is_string()) out = t->as_string();
      const json::value* lat = o.if_contains("lat");
      const json::value* lon = o.if_contains("lon");
      if (lat && lon && lat->is_number() && lon->is_number()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.5f,%.5f", lat->to_number<double>(), lon->to_number<double>());
        out += out.empty() ? buf : std::string(" (") + buf + ")";
      }
      return out;
    }
  }
  return "";
}

json::object row_json(const store::SafetyTallyRow& r) {
  json::array counts;
  for (const auto& c : r.counts) {
    counts.push_back(json::object{{"question", c.question}, {"option", c.option}, {"count", c.count}});
  }
  return json::object{{"dept", r.dept},
                      {"targets", r.targets},
                      {"answered", r.answered},
                      {"counts", std::move(counts)}};
}

// The rows of `t` in `root`'s subtree, with their totals (a 所属長's view of a full tally).
store::SafetyTally narrowed(const store::SafetyTally& t, const std::vector<Department>& depts, DeptId root) {
  store::SafetyTally out;
  std::map<std::pair<int, int>, std::int64_t> sums;
  for (const auto& r : t.depts) {
    if (!org::in_subtree(depts, r.dept, root)) continue;
    out.depts.push_back(r);
    out.total.targets += r.targets;
    out.total.answered += r.answered;
    for (const auto& c : r.counts) sums[{c.question, c.option}] += c.count;
  }
  for (const auto& [k, n] : sums) out.total.counts.push_back(store::SafetyCount{k.first, k.second, n});
  return out;
}

}  // namespace

// ---- JSON --------------------------------------------------------------------------------

json::object safety_check_json(const store::SafetyCheck& c) {
  json::array scope;
  for (DeptId d : c.scope) scope.push_back(d);
  json::object o{{"id", c.id},
                 {"title", c.title},
                 {"template", c.template_key},
                 {"training", c.training},
                 {"questions", parse_or_null(c.questions)},
                 {"scope", c.scope.empty() ? json::value("all") : json::value(json::object{{"depts", std::move(scope)}})},
                 {"internet_answer", c.internet_answer},
                 {"started_by", c.started_by},
                 {"started_at", c.started_at},
                 {"closed_at", c.closed_at},
                 {"closed_by", c.closed_by},
                 {"origin", c.origin},
                 {"open", c.closed_at == 0}};
  if (c.targets > 0) {
    o["targets"] = c.targets;
    o["answered"] = c.answered;
  }
  return o;
}

json::object safety_mine_json(const store::SafetyCheck& c, const store::SafetyTarget& t) {
  json::object o = safety_check_json(c);
  o["answered_at"] = t.answered_at;
  o["answered_by"] = t.answered_by;
  o["proxy"] = t.proxy;
  o["answer"] = parse_or_null(t.answer);
  return o;
}

json::object safety_answer_json(const store::SafetyAnswer& a) {
  return json::object{{"check", a.check},
                      {"user", a.user},
                      {"by", a.by},
                      {"by_name", a.by_name},
                      {"proxy", a.proxy},
                      {"at", a.at},
                      {"answer", parse_or_null(a.answer)},
                      {"client_id", a.client_id}};
}

json::object safety_target_json(const store::SafetyTarget& t,
                                const std::unordered_map<DeptId, std::string>& paths) {
  auto path = paths.find(t.dept);
  json::object user{{"id", t.user.id},
                    {"name", t.user.name},
                    {"reading", t.user.reading},
                    {"dept", t.dept},
                    {"dept_path", path == paths.end() ? std::string() : path->second},
                    {"extension", t.user.extension}};
  return json::object{{"user", std::move(user)},
                      {"answered_at", t.answered_at},
                      {"answered_by", t.answered_by},
                      {"proxy", t.proxy},
                      {"answer", parse_or_null(t.answer)}};
}

json::object safety_tally_json(const store::SafetyTally& t, const std::vector<Department>& depts, DeptId root) {
  std::vector<Department> named = depts;
  org::fill_paths(named);
  std::unordered_map<DeptId, const Department*> by_id;
  for (const Department& d : named) by_id.emplace(d.id, &d);
  // The store counts by the targets' own department; the dashboard shows 部 → 課 → 係, each
  // with its subtree's sums: every row is added to its ancestors up to `root` (a 所属長's
  // department: above it the sums would be of their subtree only, and misleading).
  std::map<DeptId, store::SafetyTallyRow> rolled;
  std::map<DeptId, std::map<std::pair<int, int>, std::int64_t>> counts;
  for (const auto& r : t.depts) {
    DeptId d = r.dept;
    for (std::size_t steps = 0; steps <= named.size(); ++steps) {
      store::SafetyTallyRow& x = rolled[d];
      x.dept = d;
      x.targets += r.targets;
      x.answered += r.answered;
      for (const auto& c : r.counts) counts[d][{c.question, c.option}] += c.count;
      auto it = by_id.find(d);
      if (d == 0 || d == root || it == by_id.end() || it->second->parent == 0) break;
      d = it->second->parent;
    }
  }
  json::array rows;
  for (auto& [id, r] : rolled) {
    for (const auto& [k, n] : counts[id]) r.counts.push_back(store::SafetyCount{k.first, k.second, n});
    json::object o = row_json(r);
    if (auto it = by_id.find(id); it != by_id.end()) {
      o["name"] = it->second->name;
      o["path"] = it->second->path;
      o["parent"] = id == root ? 0 : it->second->parent;
    } else {
      o["name"] = "所属なし";
      o["path"] = "所属なし";
      o["parent"] = 0;
    }
    rows.push_back(std::move(o));
  }
  return json::object{{"total", row_json(t.total)}, {"depts", std::move(rows)}};
}

// ---- SafetyTallies -----------------------------------------------------------------------

void SafetyTallies::note(store::SafetyId id) {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  last_noted_ = now;
  pending_.insert(id);
}

bool SafetyTallies::active() {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  const TimeMs since = now - last_noted_;
  return !pending_.empty() || (since >= 0 && since < ctx_.limits.tally_flush_period_ms);
}

std::size_t SafetyTallies::flush_due() {
  const TimeMs now = ctx_.clock.now_ms();
  const TimeMs period = ctx_.limits.tally_flush_period_ms;
  std::vector<store::SafetyId> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto lf = last_flush_.find(*it);
      if (lf == last_flush_.end() || now - lf->second >= period || now < lf->second) {
        due.push_back(*it);
        last_flush_[*it] = now;
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (last_flush_.size() > 4 * (pending_.size() + 1024)) {
      std::erase_if(last_flush_, [&](const auto& kv) { return now - kv.second >= period; });
    }
  }
  // The tally is read after the answers noted were committed: a later answer is noted
  // after its commit, so a later flush counts it.
  for (store::SafetyId id : due) publish(id);
  return due.size();
}

void SafetyTallies::publish(store::SafetyId id) {
  auto check = ctx_.store.safety_check(id);
  if (!check.ok()) return;
  auto tally = ctx_.store.safety_tally(id, 0);
  auto depts = ctx_.store.departments(check->tenant);
  if (!tally.ok() || !depts.ok()) {
    log::warn("safety.tally_failed", {{"check", id}, {"error", (!tally.ok() ? tally.status() : depts.status()).message()}});
    return;
  }
  // Few managers, one tally each: the frames cost O(managers), never O(targets).
  std::vector<UserId> all;
  for (const User& u : managers(check->tenant)) {
    switch (policy::safety_reach(u, check->tenant)) {
      case policy::SafetyReach::all: all.push_back(u.id); break;
      case policy::SafetyReach::dept:
        if (reaches(*depts, *check, u.dept)) {
          publish_to(ctx_, check->tenant, {u.id},
                     json::object{{"type", "safety.updated"},
                                  {"safety", safety_check_json(*check)},
                                  {"scope", u.dept},
                                  {"tally", safety_tally_json(narrowed(*tally, *depts, u.dept), *depts, u.dept)}});
        }
        break;
      case policy::SafetyReach::none: break;
    }
  }
  publish_to(ctx_, check->tenant, std::move(all),
             json::object{{"type", "safety.updated"},
                          {"safety", safety_check_json(*check)},
                          {"scope", 0},
                          {"tally", safety_tally_json(*tally, *depts, 0)}});
}

std::vector<User> SafetyTallies::managers(TenantId tenant) {
  const TimeMs now = ctx_.clock.now_ms();
  {
    std::lock_guard lock(managers_mu_);
    auto it = managers_.find(tenant);
    if (it != managers_.end() && now >= it->second.first && now - it->second.first < kManagersTtlMs) {
      return it->second.second;
    }
  }
  auto users = ctx_.store.find_users(tenant, "", {}, 1'000'000);
  if (!users.ok()) return {};
  std::vector<User> out;
  for (User& u : *users) {
    if (policy::safety_reach(u, tenant) != policy::SafetyReach::none) out.push_back(std::move(u));
  }
  std::lock_guard lock(managers_mu_);
  managers_[tenant] = {now, out};
  return out;
}

// ---- Safety ------------------------------------------------------------------------------

Result<Safety::Loaded> Safety::load(const Actor& actor, store::SafetyId id) {
  auto check = ctx_.store.safety_check(id);
  if (!check.ok()) {
    if (check.status().code() == Code::not_found) return not_found("safety confirmation not found");
    return check.status();
  }
  Loaded l;
  l.check = std::move(*check);
  if (l.check.tenant != actor.user.tenant) return not_found("safety confirmation not found");
  auto mine = ctx_.store.safety_target(id, actor.user.id);
  if (mine.ok()) {
    l.mine = std::move(*mine);
  } else if (mine.status().code() != Code::not_found) {
    return mine.status();
  }
  if (policy::safety_reach(actor.user, l.check.tenant) == policy::SafetyReach::dept) {
    auto depts = ctx_.store.departments(actor.user.tenant);
    if (!depts.ok()) return depts.status();
    l.depts = std::move(*depts);
    l.in_reach = reaches(l.depts, l.check, actor.user.dept);
  }
  TONARI_RETURN_IF_ERROR(policy::can_see_safety(actor.user, l.check.tenant, l.mine.has_value(), l.in_reach));
  return l;
}

Result<DeptId> Safety::scope_of(const Actor& actor, const Loaded& l) {
  return policy::safety_dashboard_scope(actor.user, l.check.tenant, l.mine.has_value(), l.in_reach);
}

void Safety::start(const Actor& actor, SafetyRequest req, store::Callback<store::SafetyCheck> done) {
  if (Status st = policy::can_start_safety(actor.user); !st.is_ok()) return done(st);
  const SafetyTemplate* tmpl = nullptr;
  if (!req.template_key.empty()) {
    tmpl = find_safety_template(req.template_key);
    if (!tmpl) return done(invalid_argument("template: earthquake, flood or drill (not \"" + req.template_key + "\")"));
  }
  store::SafetyStart s;
  s.tenant = actor.user.tenant;
  s.template_key = req.template_key;
  s.title = req.title.value_or(tmpl ? tmpl->title : "安否確認");
  if (Status st = check_line(s.title, "title", kMaxTitleChars); !st.is_ok()) return done(st);
  s.training = req.training.value_or(tmpl && tmpl->training);
  // A training check says so in its title everywhere it is shown, even in a client that
  // ignores the flag.
  if (s.training && s.title.find("訓練") == std::string::npos) s.title = "【訓練】" + s.title;
  std::vector<SafetyQuestion> qs;
  if (req.questions) {
    auto parsed = parse_safety_questions(*req.questions);
    if (!parsed.ok()) return done(parsed.status());
    qs = std::move(*parsed);
  } else {
    qs = tmpl ? tmpl->questions : default_safety_questions();
  }
  s.questions = safety_questions_json(qs);
  if (req.scope.size() > kMaxScopeDepts) return done(invalid_argument("scope.depts: at most 200 departments"));
  std::sort(req.scope.begin(), req.scope.end());
  req.scope.erase(std::unique(req.scope.begin(), req.scope.end()), req.scope.end());
  s.scope = std::move(req.scope);
  s.internet_answer = req.internet_answer;
  s.by = actor.user.id;
  s.origin = "manual";
  s.now = ctx_.clock.now_ms();
  if (Status st = ctx_.take_write(actor.user.id, "safety_start"); !st.is_ok()) return done(st);
  ctx_.store.start_safety(std::move(s), [this, by = actor.user.id, done = std::move(done)](
                                            Result<store::SafetyStarted> r) {
    if (!r.ok()) return done(r.status());
    if (r->targets.empty()) {
      log::warn("safety.no_targets", {{"check", r->check.id}});
    }
    log::info("safety.started", {{"check", r->check.id}, {"by", by}, {"targets", static_cast<std::int64_t>(r->targets.size())},
                                 {"training", r->check.training}});
    r->check.targets = static_cast<std::int64_t>(r->targets.size());
    publish_to(ctx_, r->check.tenant, std::move(r->targets),
               json::object{{"type", "safety.started"}, {"safety", safety_check_json(r->check)}});
    done(std::move(r->check));
  });
}

void Safety::start_from_webhook(std::string_view tenant_code, std::string_view template_key,
                                std::string_view signature, std::string body,
                                store::Callback<Hooked> done) {
  // Every refusal before the signature is checked is the same 401, so that the endpoint
  // tells a caller without the secret nothing about which municipalities exist.
  const Status refused(Code::unauthenticated, "X-Tonari-Signature: the signature does not match");
  auto tenant = ctx_.store.tenant_by_code(tenant_code);
  if (!tenant.ok()) {
    if (tenant.status().code() != Code::not_found) return done(tenant.status());
    return done(signature.empty() ? Status(Code::unauthenticated, "missing X-Tonari-Signature header") : refused);
  }
  auto secret = ctx_.store.tenant_setting(tenant->id, kSafetyWebhookKey);
  if (!secret.ok()) return done(secret.status());
  const std::int64_t now_s = ctx_.clock.now_ms() / 1000;
  if (Status st = check_webhook_signature(signature, body, secret->value_or(""), now_s); !st.is_ok()) {
    log::warn("safety.webhook_refused", {{"tenant", tenant->id}, {"why", st.message()}});
    return done(st);
  }
  const SafetyTemplate* tmpl = find_safety_template(template_key);
  if (!tmpl) return done(not_found("template " + std::string(template_key) + " not found (earthquake, flood, drill)"));
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return done(invalid_argument("body: a JSON object {\"event_id\": \"...\"}"));
  const json::object& o = v.as_object();
  const json::value* ev = o.if_contains("event_id");
  if (!ev || !ev->is_string() || ev->as_string().empty() || ev->as_string().size() > kMaxEventIdChars) {
    return done(invalid_argument("event_id: 1 to 200 characters, the sender's id of the event"));
  }
  store::SafetyStart s;
  s.tenant = tenant->id;
  s.template_key = tmpl->key;
  s.title = tmpl->title;
  if (const json::value* t = o.if_contains("title"); t && t->is_string()) s.title = t->as_string();
  if (Status st = check_line(s.title, "title", kMaxTitleChars); !st.is_ok()) return done(st);
  s.training = tmpl->training;
  if (s.training && s.title.find("訓練") == std::string::npos) s.title = "【訓練】" + s.title;
  s.questions = safety_questions_json(tmpl->questions);
  if (const json::value* sc = o.if_contains("scope"); sc && !(sc->is_string() && sc->as_string() == "all")) {
    const json::value* d = sc->is_object() ? sc->as_object().if_contains("depts") : nullptr;
    if (!d || !d->is_array()) return done(invalid_argument(R"(scope: "all" or {"depts": [ids]})"));
    for (const json::value& x : d->as_array()) {
      if (!x.is_int64() || x.as_int64() <= 0) return done(invalid_argument("scope.depts: department ids"));
      s.scope.push_back(x.as_int64());
    }
  }
  s.internet_answer = o.contains("internet_answer") && o.at("internet_answer").is_bool() && o.at("internet_answer").as_bool();
  s.by = 0;
  s.origin = "webhook";
  s.webhook_event = std::string(ev->as_string());
  s.now = ctx_.clock.now_ms();
  ctx_.store.start_safety(std::move(s), [this, done = std::move(done)](Result<store::SafetyStarted> r) {
    if (!r.ok()) return done(r.status());
    log::info("safety.webhook", {{"check", r->check.id}, {"created", r->created},
                                 {"targets", static_cast<std::int64_t>(r->targets.size())}});
    if (r->created) {
      r->check.targets = static_cast<std::int64_t>(r->targets.size());
      publish_to(ctx_, r->check.tenant, std::move(r->targets),
                 json::object{{"type", "safety.started"}, {"safety", safety_check_json(r->check)}});
    }
    done(Hooked{std::move(r->check), r->created});
  });
}

Result<std::vector<std::pair<store::SafetyCheck, store::SafetyTarget>>> Safety::open_for(const User& user,
                                                                                         bool restricted) {
  auto open = ctx_.store.open_safety_checks_for(user.id);
  if (!open.ok()) return open.status();
  if (restricted) std::erase_if(*open, [](const auto& p) { return !p.first.internet_answer; });
  return open;
}

Result<SafetyList> Safety::list(const Actor& actor, store::SafetyId before, int limit, bool restricted) {
  SafetyList out;
  auto mine = open_for(actor.user, restricted);
  if (!mine.ok()) return mine.status();
  out.mine = std::move(*mine);
  const auto reach = policy::safety_reach(actor.user, actor.user.tenant);
  if (reach == policy::SafetyReach::none || restricted) return out;
  auto page = ctx_.store.safety_checks(actor.user.tenant, before, limit);
  if (!page.ok()) return page.status();
  if (reach == policy::SafetyReach::dept) {
    auto depts = ctx_.store.departments(actor.user.tenant);
    if (!depts.ok()) return depts.status();
    std::erase_if(page->checks, [&](const store::SafetyCheck& c) { return !reaches(*depts, c, actor.user.dept); });
  }
  out.managed = std::move(*page);
  return out;
}

Result<SafetyView> Safety::get(const Actor& actor, store::SafetyId id, bool restricted) {
  auto l = load(actor, id);
  if (!l.ok()) return l.status();
  SafetyView v;
  v.check = l->check;
  v.mine = l->mine;
  if (restricted) {
    // Through the Internet zone without Internet use: one's own answer, nothing more.
    if (!l->check.internet_answer || !l->mine) return internet_restricted();
    return v;
  }
  auto scope = scope_of(actor, *l);
  if (!scope.ok()) return v;  // a target who manages nothing: their own answer only
  v.scope = *scope;
  auto tally = ctx_.store.safety_tally(id, v.scope);
  if (!tally.ok()) return tally.status();
  v.tally = std::move(*tally);
  v.may_close = policy::can_close_safety(actor.user, l->check.tenant, l->mine.has_value(), l->in_reach).is_ok();
  v.may_answer_for = true;
  return v;
}

void Safety::answer(const Actor& actor, store::SafetyId id, std::string client_id,
                    const json::value& answer, UserId for_user, bool restricted,
                    store::Callback<store::SafetyAnswered> done) {
  auto l = load(actor, id);
  if (!l.ok()) return done(l.status());
  if (client_id.empty() || client_id.size() > 100) {
    return done(invalid_argument("client_id: 1 to 100 characters, the client's id of this answer (a retry sends the same)"));
  }
  if (for_user == actor.user.id) for_user = 0;
  if (restricted && (for_user != 0 || !l->check.internet_answer)) return done(internet_restricted());
  UserId user = actor.user.id;
  if (for_user != 0) {
    auto target = ctx_.store.safety_target(id, for_user);
    if (!target.ok() && target.status().code() != Code::not_found) return done(target.status());
    bool in_subtree = false;
    if (target.ok() && policy::safety_reach(actor.user, l->check.tenant) == policy::SafetyReach::dept) {
      in_subtree = org::in_subtree(l->depts, target->dept, actor.user.dept);
    }
    if (Status st = policy::can_answer_safety_for(actor.user, l->check.tenant, l->mine.has_value(), l->in_reach,
                                                  in_subtree);
        !st.is_ok()) {
      return done(st);
    }
    if (!target.ok()) return done(not_found("user " + std::to_string(for_user) + " is not a target of this safety confirmation"));
    user = for_user;
  } else if (!l->mine) {
    return done(not_found("you are not a target of this safety confirmation (for_user: answer for someone)"));
  }
  const auto qs = questions_of(l->check);
  auto checked = check_safety_answer(qs, answer);
  if (!checked.ok()) return done(checked.status());
  store::SafetyAnswerWrite w;
  w.check = id;
  w.tenant = actor.user.tenant;
  w.user = user;
  w.by = actor.user.id;
  w.client_id = std::move(client_id);
  w.answer = std::move(checked->json);
  for (std::size_t i = 0; i < checked->picks.size(); ++i) {
    if (checked->picks[i] >= 0) w.picks.push_back(store::SafetyPick{static_cast<int>(i), checked->picks[i]});
  }
  w.now = ctx_.clock.now_ms();
  if (Status st = ctx_.take_write(actor.user.id, "safety_answer"); !st.is_ok()) return done(st);
  const TenantId tenant = l->check.tenant;
  ctx_.store.answer_safety(std::move(w), [this, tenant, done = std::move(done)](Result<store::SafetyAnswered> r) {
    if (!r.ok()) return done(r.status());
    if (r->created) {
      tallies_.note(r->answer.check);
      // The target's own devices (another tab, the phone) drop their banner.
      publish_to(ctx_, tenant, {r->answer.user},
                 json::object{{"type", "safety.answered"}, {"answer", safety_answer_json(r->answer)}});
    }
    done(std::move(*r));
  });
}

Result<SafetyTargets> Safety::targets(const Actor& actor, store::SafetyId id, store::SafetyTargetFilter filter,
                                      std::string_view q, const store::MemberKey& after, int limit) {
  auto l = load(actor, id);
  if (!l.ok()) return l.status();
  auto scope = scope_of(actor, *l);
  if (!scope.ok()) return scope.status();
  if (*scope != 0) {
    if (filter.dept == 0) {
      filter.dept = *scope;
    } else if (!org::in_subtree(l->depts, filter.dept, *scope)) {
      return permission_denied("a 所属長 sees the staff of their own department only");
    }
  }
  if (!q.empty()) {
    const Status bad = invalid_argument("q: <choice question key>:<option index> of this check's questions (e.g. status:2)");
    const std::size_t colon = q.find(':');
    if (colon == std::string_view::npos) return bad;
    const std::string_view key = q.substr(0, colon);
    const std::string_view opt = q.substr(colon + 1);
    const auto qs = questions_of(l->check);
    filter.question = -1;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      if (qs[i].key == key && qs[i].kind == SafetyQuestionKind::choice) filter.question = static_cast<int>(i);
    }
    if (filter.question < 0 || opt.empty() || opt.size() > 2) return bad;
    filter.option = 0;
    for (char c : opt) {
      if (c < '0' || c > '9') return bad;
      filter.option = filter.option * 10 + (c - '0');
    }
    if (filter.option >= static_cast<int>(qs[filter.question].options.size())) return bad;
  }
  auto page = ctx_.store.safety_targets_page(id, filter, after, limit);
  if (!page.ok()) return page.status();
  return SafetyTargets{std::move(*page), *scope};
}

Result<std::vector<store::SafetyAnswer>> Safety::history(const Actor& actor, store::SafetyId id, UserId user) {
  auto l = load(actor, id);
  if (!l.ok()) return l.status();
  if (user != actor.user.id) {
    auto scope = scope_of(actor, *l);
    if (!scope.ok()) return scope.status();
    auto target = ctx_.store.safety_target(id, user);
    if (!target.ok()) return target.status();
    if (*scope != 0 && !org::in_subtree(l->depts, target->dept, *scope)) {
      return permission_denied("a 所属長 sees the staff of their own department only");
    }
  } else if (!l->mine) {
    return not_found("you are not a target of this safety confirmation");
  }
  return ctx_.store.safety_answer_history(id, user);
}

void Safety::remind(const Actor& actor, store::SafetyId id, DeptId dept, store::Callback<std::int64_t> done) {
  auto l = load(actor, id);
  if (!l.ok()) return done(l.status());
  auto scope = scope_of(actor, *l);
  if (!scope.ok()) return done(scope.status());
  if (*scope != 0) {
    if (dept == 0) {
      dept = *scope;
    } else if (!org::in_subtree(l->depts, dept, *scope)) {
      return done(permission_denied("a 所属長 reminds the staff of their own department only"));
    }
  }
  if (l->check.closed_at != 0) return done(Status(Code::conflict, "closed: the safety confirmation is closed"));
  const TimeMs now = ctx_.clock.now_ms();
  const std::pair<store::SafetyId, DeptId> key{id, dept};
  if (Status st = remind_slots_.take(key, now); !st.is_ok()) return done(st);
  auto ids = ctx_.store.safety_unanswered_ids(id, dept);
  Status st = !ids.ok()        ? ids.status()
              : ids->empty() ? Status(Code::conflict, "everyone has answered")
                             : ctx_.take_write(actor.user.id, "remind");
  if (!st.is_ok()) {
    remind_slots_.give_back(key, now);
    return done(st);
  }
  const auto n = static_cast<std::int64_t>(ids->size());
  log::info("safety.reminded", {{"check", id}, {"by", actor.user.id}, {"dept", dept}, {"count", n}});
  publish_to(ctx_, l->check.tenant, std::move(*ids),
             json::object{{"type", "safety.reminded"},
                          {"safety", safety_check_json(l->check)},
                          {"by", actor.user.id},
                          {"by_name", actor.user.name}});
  done(n);
}

void Safety::close(const Actor& actor, store::SafetyId id, store::Callback<store::SafetyCheck> done) {
  auto l = load(actor, id);
  if (!l.ok()) return done(l.status());
  if (Status st = policy::can_close_safety(actor.user, l->check.tenant, l->mine.has_value(), l->in_reach);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "safety_close"); !st.is_ok()) return done(st);
  ctx_.store.close_safety(id, actor.user.tenant, actor.user.id, ctx_.clock.now_ms(),
                          [this, done = std::move(done)](Result<store::SafetyCheck> r) {
    if (!r.ok()) return done(r.status());
    log::info("safety.closed", {{"check", r->id}, {"by", r->closed_by}});
    // Everyone it asked (their banners go) and the managers (their dashboards): the
    // targets read in pages, one event — off the store's callback thread, which 20,000
    // targets' reads would hold up for the commits after this one.
    ctx_.run_blocking([this, check = *r] {
      std::vector<UserId> to;
      store::MemberKey after;
      for (;;) {
        auto page = ctx_.store.safety_targets_page(check.id, {}, after, kClosePage);
        if (!page.ok()) {
          log::warn("safety.close_notice_failed", {{"check", check.id}, {"error", page.status().message()}});
          break;
        }
        for (const auto& t : page->targets) to.push_back(t.user.id);
        if (!page->next) break;
        after = *page->next;
      }
      for (const User& u : tallies_.managers(check.tenant)) to.push_back(u.id);
      std::sort(to.begin(), to.end());
      to.erase(std::unique(to.begin(), to.end()), to.end());
      publish_to(ctx_, check.tenant, std::move(to),
                 json::object{{"type", "safety.closed"}, {"safety", safety_check_json(check)}});
    });
    done(std::move(*r));
  });
}

Result<ExportFile> Safety::export_csv(const Actor& actor, store::SafetyId id, bool sjis) {
  auto l = load(actor, id);
  if (!l.ok()) return l.status();
  auto scope = scope_of(actor, *l);
  if (!scope.ok()) return scope.status();
  auto depts = ctx_.store.departments(actor.user.tenant);
  if (!depts.ok()) return depts.status();
  const auto paths = paths_of(*depts);
  const auto qs = questions_of(l->check);
  std::string out;
  {
    std::string head = "所属,氏名,よみ";
    for (const auto& q : qs) head += "," + csv_cell(q.label);
    head += ",回答日時,代理回答\r\n";
    out += head;
  }
  store::SafetyTargetFilter filter;
  filter.dept = *scope;
  store::MemberKey after;
  for (;;) {
    auto page = ctx_.store.safety_targets_page(id, filter, after, kExportPage);
    if (!page.ok()) return page.status();
    for (const auto& t : page->targets) {
      auto path = paths.find(t.dept);
      out += csv_cell(path == paths.end() ? "" : path->second) + "," + csv_cell(t.user.name) + "," +
             csv_cell(t.user.reading);
      const json::value a = parse_or_null(t.answer);
      const json::object none;
      const json::object& ao = a.is_object() ? a.as_object() : none;
      for (const auto& q : qs) out += "," + csv_cell(answer_text(q, ao));
      out += "," + (t.answered_at ? jst_minutes(t.answered_at) : std::string("未回答"));
      out += std::string(",") + (t.proxy ? "代理" : "") + "\r\n";
    }
    if (!page->next) break;
    after = *page->next;
  }
  ExportFile f;
  const std::string stem = file_stem(l->check.title);
  f.name = (stem.empty() ? "" : stem + "_") + "安否確認.csv";
  auto bytes = encode_csv(std::move(out), sjis);
  if (!bytes.ok()) return bytes.status();
  f.bytes = std::move(*bytes);
  f.content_type = sjis ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8";
  return f;
}

Result<std::string> Safety::print_page(const Actor& actor, store::SafetyId id) {
  auto l = load(actor, id);
  if (!l.ok()) return l.status();
  auto scope = scope_of(actor, *l);
  if (!scope.ok()) return scope.status();
  auto tally = ctx_.store.safety_tally(id, *scope);
  if (!tally.ok()) return tally.status();
  auto depts = ctx_.store.departments(actor.user.tenant);
  if (!depts.ok()) return depts.status();
  const auto paths = paths_of(*depts);
  const auto qs = questions_of(l->check);
  const store::SafetyCheck& c = l->check;
  std::string h;
  h += "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>" + html_escape(c.title) +
       "</title>\n<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin:1em 0}"
       "th,td{border:1px solid #444;padding:2px 6px;text-align:right}th:first-child,td:first-child{text-align:left}"
       ".training{color:#b00;font-weight:bold}@media print{@page{size:A4 landscape;margin:10mm}body{margin:0}"
       "h2{break-before:page}}</style></head><body>\n";
  if (c.training) h += "<p class=\"training\">【訓練】この安否確認は訓練です。</p>\n";
  h += "<h1>" + html_escape(c.title) + "</h1>\n<p>開始 " + jst_minutes(c.started_at);
  if (c.closed_at) h += " ／ 終了 " + jst_minutes(c.closed_at);
  h += " ／ 印刷 " + jst_minutes(ctx_.clock.now_ms()) + "</p>\n";
  // The tally: a row per department, a column per option of each choice question.
  h += "<table><tr><th>所属</th><th>対象</th><th>回答</th><th>未回答</th>";
  for (const auto& q : qs) {
    if (q.kind != SafetyQuestionKind::choice) continue;
    for (const auto& o : q.options) h += "<th>" + html_escape(q.label) + "<br>" + html_escape(o) + "</th>";
  }
  h += "</tr>\n";
  // The rows as the dashboard shows them (部 rows sum their 課 and 係), in path order.
  auto row = [&](const std::string& name, const json::object& r) {
    const std::int64_t targets = r.at("targets").as_int64();
    const std::int64_t answered = r.at("answered").as_int64();
    h += "<tr><td>" + html_escape(name) + "</td><td>" + std::to_string(targets) + "</td><td>" +
         std::to_string(answered) + "</td><td>" + std::to_string(targets - answered) + "</td>";
    for (std::size_t qi = 0; qi < qs.size(); ++qi) {
      if (qs[qi].kind != SafetyQuestionKind::choice) continue;
      for (std::size_t oi = 0; oi < qs[qi].options.size(); ++oi) {
        std::int64_t n = 0;
        for (const json::value& c : r.at("counts").as_array()) {
          if (c.at("question").as_int64() == static_cast<std::int64_t>(qi) &&
              c.at("option").as_int64() == static_cast<std::int64_t>(oi)) {
            n = c.at("count").as_int64();
          }
        }
        h += "<td>" + std::to_string(n) + "</td>";
      }
    }
    h += "</tr>\n";
  };
  const json::object rolled = safety_tally_json(*tally, *depts, *scope);
  std::vector<std::pair<std::string, const json::object*>> rows;
  for (const json::value& r : rolled.at("depts").as_array()) {
    rows.emplace_back(std::string(r.at("path").as_string()), &r.as_object());
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, r] : rows) row(name, *r);
  row("合計", rolled.at("total").as_object());
  h += "</table>\n<h2>未回答者</h2>\n<table><tr><th>所属</th><th>氏名</th><th>よみ</th><th>内線</th></tr>\n";
  store::SafetyTargetFilter filter;
  filter.dept = *scope;
  filter.state = store::SafetyTargetFilter::State::unanswered;
  store::MemberKey after;
  for (;;) {
    auto page = ctx_.store.safety_targets_page(id, filter, after, kExportPage);
    if (!page.ok()) return page.status();
    for (const auto& t : page->targets) {
      auto p = paths.find(t.dept);
      h += "<tr><td>" + html_escape(p == paths.end() ? "" : p->second) + "</td><td>" + html_escape(t.user.name) +
           "</td><td>" + html_escape(t.user.reading) + "</td><td>" + html_escape(t.user.extension) + "</td></tr>\n";
    }
    if (!page->next) break;
    after = *page->next;
  }
  h += "</table>\n</body></html>\n";
  return h;
}

void Safety::set_roles(const Actor& actor, UserId user, bool crisis, bool dept_head, store::Callback<User> done) {
  if (Status st = policy::can_set_safety_roles(actor.user); !st.is_ok()) return done(st);
  auto target = ctx_.store.user(user);
  if (!target.ok() || target->tenant != actor.user.tenant) {
    if (!target.ok() && target.status().code() != Code::not_found) return done(target.status());
    return done(not_found("user " + std::to_string(user) + " not found"));
  }
  if (Status st = ctx_.take_write(actor.user.id, "safety_roles"); !st.is_ok()) return done(st);
  log::info("safety.roles_set", {{"user", user}, {"crisis", crisis}, {"dept_head", dept_head}, {"by", actor.user.id}});
  ctx_.store.set_user_flags(user, crisis, dept_head, std::move(done));
}

}  // namespace tonari::services
