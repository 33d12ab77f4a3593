#include "services/accounts.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "core/text_limits.h"
#include "log/log.h"
#include "search/collation.h"
#include "search/normalize.h"
#include "services/crypto.h"
#include "services/org.h"
#include "services/policies.h"

namespace tonari::services {
namespace {

const char* const kBadCredentials = "municipality code, login id or password is wrong";
// The bus notices of the login throttle's outcomes (LoginThrottle::notice).
const char* const kThrottleTopic = "throttle";
// A logout's notice to the other nodes (the session's token hash): their caches forget it.
const char* const kLogoutTopic = "logout";

Status check_text(std::string_view value, const char* field, std::size_t max_chars,
                  bool required) {
  if (!text::valid_utf8(value)) return invalid_argument(std::string(field) + ": not valid UTF-8");
  if (required && text::trim(value).empty()) return invalid_argument(std::string(field) + " is required");
  if (text::char_count(value) > max_chars) {
    return invalid_argument(std::string(field) + ": at most " + std::to_string(max_chars) +
                            " characters");
  }
  return Status::ok();
}

}  // namespace

Accounts::Accounts(Context& ctx)
    : ctx_(ctx),
      devices_(ctx.limits.login.device_key.empty() ? random_token() : ctx.limits.login.device_key),
      throttle_(ctx.limits.login.throttle, ctx.limits.login.throttle_key) {
  // The other nodes' outcomes (a cluster; in one process the bus has none).
  ctx.bus.on_notice(kThrottleTopic, [this](std::string_view notice) {
    throttle_.apply_notice(notice, ctx_.clock.now_ms());
  });
  ctx.bus.on_notice(kLogoutTopic, [this](std::string_view token_hash) {
    std::lock_guard lock(cache_mu_);
    sessions_.erase(std::string(token_hash));
  });
  // Hashing costs what a check costs: the queue's first estimate, before any login.
  const auto started = std::chrono::steady_clock::now();
  dummy_hash_ = hash_password(random_token(), ctx.limits.pwhash_opslimit, ctx.limits.pwhash_memlimit);
  mean_check_us_ = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - started).count();
}

LoginStats Accounts::login_stats() {
  LoginStats s;
  s.throttled = throttled_.load();
  s.busy = busy_.load();
  {
    std::lock_guard lock(queue_mu_);
    s.queued = queue_.size();
  }
  s.throttle_entries = throttle_.size();
  s.throttle_evictions = throttle_.evictions();
  return s;
}

TimeMs Accounts::expected_wait_ms() const {
  const auto verifiers = static_cast<TimeMs>(std::max(ctx_.limits.login.verifiers, 1));
  return static_cast<TimeMs>(queue_.size() + 1) * mean_check_us_ / verifiers / 1000;
}

void Accounts::login(LoginRequest req, LoginCallback done) {
  for (auto* f : {&req.tenant_code, &req.login, &req.password}) {
    if (f->empty() || f->size() > 256 || !text::valid_utf8(*f)) {
      log::info("login.failed", {{"tenant", std::string_view(req.tenant_code).substr(0, 64)},
                                 {"login", std::string_view(req.login).substr(0, 64)},
                                 {"address", req.client_address},
                                 {"reason", "malformed"}});
      return done(unauthenticated(kBadCredentials), 0);
    }
  }
  const TimeMs now = ctx_.clock.now_ms();
  // The token is not kept: a queued login holds only its bounded fields.
  const std::string token = std::move(req.device_token);
  req.device_token = std::string();
  std::string device;
  if (!token.empty()) device = devices_.check(token, req.tenant_code, req.login, now);
  // A first look, counting nothing: a delayed attempt is refused before it takes a place in
  // the queue. It is admitted (and counted) when its check starts: see verify().
  PendingLogin p{std::move(req), {}, std::move(device), std::move(done)};
  if (Admission adm = throttle_.check(attempt(p), now); !adm.admitted) {
    return refuse_throttled(std::move(p), adm);
  }
  std::unique_lock lock(queue_mu_);
  if (running_ < std::max(ctx_.limits.login.verifiers, 1)) {
    ++running_;
    lock.unlock();
    // run_blocking takes a copyable function: the PendingLogin waits in a shared_ptr.
    auto held = std::make_shared<PendingLogin>(std::move(p));
    ctx_.run_blocking([this, held] { verify_loop(std::move(*held)); });
    return;
  }
  const TimeMs wait = expected_wait_ms();
  if (queue_.size() >= ctx_.limits.login.queue || wait > ctx_.limits.login.queue_wait_ms) {
    lock.unlock();
    // Back when half the queue is done: refused logins then refill it before it runs dry,
    // where a retry timed to the queue's end would leave the verifiers idle meanwhile.
    return refuse_busy(std::move(p), std::max<TimeMs>(wait / 2, 1000), "queue_full");
  }
  queue_.push_back(std::move(p));
}

LoginAttempt Accounts::attempt(const PendingLogin& p) {
  return LoginAttempt{p.req.tenant_code, p.req.login, p.req.client_address, p.device};
}

void Accounts::refuse_throttled(PendingLogin p, const Admission& adm) {
  throttled_.fetch_add(1);
  log::warn("login.throttled", {{"tenant", p.req.tenant_code},
                                {"login", p.req.login},
                                {"address", p.req.client_address},
                                {"scope", scope_name(adm.scope)},
                                {"retry_ms", adm.retry_ms}});
  // The same answer whether the login id exists or not: the throttle never looks.
  p.done(Status(Code::rate_limited, "too many failed logins; try again in " +
                                        std::to_string((adm.retry_ms + 999) / 1000) + " s"),
         adm.retry_ms);
}

void Accounts::refuse_busy(PendingLogin p, TimeMs retry_ms, const char* why) {
  busy_.fetch_add(1);
  log::warn("login.busy", {{"tenant", p.req.tenant_code},
                           {"login", p.req.login},
                           {"address", p.req.client_address},
                           {"reason", why},
                           {"retry_ms", retry_ms}});
  p.done(Status(Code::unavailable, "the server is busy with logins; try again in " +
                                       std::to_string((retry_ms + 999) / 1000) + " s"),
         retry_ms);
}

void Accounts::verify_loop(PendingLogin p) {
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const bool checked = verify(std::move(p));
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started).count();
    std::unique_lock lock(queue_mu_);
    if (checked) mean_check_us_ = mean_check_us_ == 0 ? took : mean_check_us_ + (took - mean_check_us_) / 8;
    if (queue_.empty()) {
      --running_;
      return;
    }
    // Once queued, a login is checked however long its turn took (hash costs differ per
    // account, and the CPU may be shared): refusing it now would waste its wait.
    p = std::move(queue_.front());
    queue_.pop_front();
  }
}

bool Accounts::verify(PendingLogin p) {
  LoginRequest& req = p.req;
  // Admitted as its check starts: at most `verifiers` attempts of one pair are in flight,
  // each counted before the next is looked at, and a pair that other attempts got delayed
  // while this one waited is refused without a check.
  const Admission adm = throttle_.admit(attempt(p), ctx_.clock.now_ms());
  if (!adm.admitted) {
    refuse_throttled(std::move(p), adm);
    return false;
  }
  p.admission = adm;
  // The account is read here, just before its check, so a queued login sees it as it is.
  std::optional<store::Credentials> creds;
  std::optional<Tenant> tenant;
  const char* reason = "unknown_tenant";
  if (auto t = ctx_.store.tenant_by_code(req.tenant_code); t.ok()) {
    tenant = *t;
    reason = "unknown_login";
    if (auto c = ctx_.store.credentials(t->id, req.login); c.ok()) {
      reason = "disabled";
      if (!c->user.disabled) creds = std::move(*c);
    }
  }
  const std::string& hash = creds ? creds->password_hash : dummy_hash_;
  const bool good = verify_password(hash, req.password) && creds.has_value();
  const TimeMs now = ctx_.clock.now_ms();
  if (!good) {
    throttle_.failed(p.admission, now);
    ctx_.bus.publish_notice(kThrottleTopic, LoginThrottle::notice(p.admission, true));
    log::info("login.failed", {{"tenant", req.tenant_code},
                               {"login", req.login},
                               {"address", req.client_address},
                               {"reason", creds ? "bad_password" : reason},
                               {"known_device", p.admission.trusted}});
    p.done(unauthenticated(kBadCredentials), 0);
    return true;
  }
  throttle_.succeeded(p.admission);
  ctx_.bus.publish_notice(kThrottleTopic, LoginThrottle::notice(p.admission, false));
  // The one exception to the 利用制限: an open 安否確認 that allows answering from the
  // Internet zone, of which the user is a target. The session gets no further than that:
  // every other route and the WebSocket still refuse it (api/ authed, restricted_ok).
  if (req.internet && !creds->user.internet_allowed && !answers_from_internet(creds->user.id)) {
    log::info("login.refused", {{"tenant", req.tenant_code},
                                {"login", req.login},
                                {"address", req.client_address},
                                {"reason", "internet_restricted"}});
    p.done(internet_restricted(), 0);
    return true;
  }
  const std::string device = p.device.empty() ? KnownDevices::new_device_id() : p.device;
  LoginResult result{creds->user, *tenant, random_token(), random_token(),
                     devices_.issue(req.tenant_code, req.login, device,
                                    now + ctx_.limits.login.device_ttl_ms)};
  store::Session s{token_hash(result.token), result.user.id, result.csrf, now,
                   now + ctx_.limits.session_ttl_ms};
  ctx_.store.create_session(
      std::move(s), [result = std::move(result), address = std::move(req.client_address),
                     trusted = p.admission.trusted, done = std::move(p.done)](Result<bool> r) mutable {
        if (!r.ok()) {
          // Disabled while the password was being checked: the same answer as any mismatch.
          if (r.status().code() == Code::unauthenticated) {
            log::info("login.failed", {{"tenant", result.tenant.code},
                                       {"login", result.user.login},
                                       {"address", address},
                                       {"reason", "disabled"},
                                       {"known_device", trusted}});
            return done(unauthenticated(kBadCredentials), 0);
          }
          log::error("login.session_failed", {{"tenant", result.tenant.code},
                                              {"login", result.user.login},
                                              {"error", r.status().message()}});
          return done(r.status(), 0);
        }
        log::info("login.ok", {{"tenant", result.tenant.code},
                               {"login", result.user.login},
                               {"user", result.user.id},
                               {"address", address},
                               {"known_device", trusted}});
        done(std::move(result), 0);
      });
  return true;
}

Result<Actor> Accounts::authenticate(std::string_view token) {
  if (token.empty() || token.size() > 128) return unauthenticated("not logged in");
  const std::string hash = token_hash(token);
  const TimeMs now = ctx_.clock.now_ms();
  // A store that cannot answer (unavailable: its database is restarting) is not a logout:
  // that status goes back as it is, and the client retries instead of logging in again.
  auto s = cached_session(hash, now);
  if (!s.ok()) {
    return s.status().code() == Code::unauthenticated ? unauthenticated("not logged in") : s.status();
  }
  if (s->expires_at <= now) return unauthenticated("session expired; please log in again");
  // The user is read every time: a disabled account or a changed profile shows at once.
  auto u = ctx_.store.user(s->user);
  if (!u.ok() && u.status().code() != Code::not_found) return u.status();
  if (!u.ok() || u->disabled) return unauthenticated("account disabled");
  auto t = cached_tenant(u->tenant, now);
  if (!t.ok()) {
    return t.status().code() == Code::not_found ? unauthenticated("not logged in") : t.status();
  }
  // Sliding expiry, written at most about once a day per session.
  const TimeMs ttl = ctx_.limits.session_ttl_ms;
  if (s->expires_at - now < ttl - 24LL * 3600 * 1000) {
    ctx_.store.extend_session(hash, now + ttl, [](Result<bool>) {});
    std::lock_guard lock(cache_mu_);
    if (auto it = sessions_.find(hash); it != sessions_.end()) it->second.first.expires_at = now + ttl;
  }
  return Actor{std::move(*u), std::move(*t), hash, s->csrf};
}

Result<store::Session> Accounts::cached_session(const std::string& hash, TimeMs now) {
  {
    std::lock_guard lock(cache_mu_);
    auto it = sessions_.find(hash);
    if (it != sessions_.end() && now - it->second.second < kCacheMs) return it->second.first;
  }
  auto s = ctx_.store.session(hash);
  if (!s.ok()) return s.status();
  std::lock_guard lock(cache_mu_);
  if (sessions_.size() > 50000) {
    std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.second >= kCacheMs; });
  }
  sessions_[hash] = {*s, now};
  return s;
}

void Accounts::expire_cache(TimeMs now) {
  throttle_.sweep(now);
  std::lock_guard lock(cache_mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.second >= kCacheMs; });
  if (sessions_.empty()) sessions_.rehash(0);  // a burst of logins leaves no bucket array
}

Result<Tenant> Accounts::cached_tenant(TenantId id, TimeMs now) {
  {
    std::lock_guard lock(cache_mu_);
    auto it = tenants_.find(id);
    if (it != tenants_.end() && now - it->second.second < 60000) return it->second.first;
  }
  auto t = ctx_.store.tenant(id);
  if (!t.ok()) return t.status();
  std::lock_guard lock(cache_mu_);
  tenants_[id] = {*t, now};
  return t;
}

Status internet_restricted() {
  return Status(Code::zone_forbidden,
                "use from the Internet is restricted for this account by the administrator");
}

bool Accounts::answers_from_internet(UserId user) {
  auto open = ctx_.store.open_safety_checks_for(user);
  if (!open.ok()) return false;
  return std::any_of(open->begin(), open->end(), [](const auto& ct) { return ct.first.internet_answer; });
}

Status Accounts::still_valid(const Actor& actor, bool internet) {
  auto s = ctx_.store.session(actor.token_hash);
  if (!s.ok()) {
    return s.status().code() == Code::unauthenticated ? unauthenticated("session ended") : s.status();
  }
  if (s->expires_at <= ctx_.clock.now_ms()) return unauthenticated("session ended");
  auto u = ctx_.store.user(actor.user.id);
  if (!u.ok()) {
    return u.status().code() == Code::not_found ? unauthenticated("account disabled") : u.status();
  }
  if (u->disabled) return unauthenticated("account disabled");
  if (internet && !u->internet_allowed) return internet_restricted();
  return Status::ok();
}

void Accounts::forget_user(UserId user) {
  std::lock_guard lock(cache_mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.first.user == user; });
}

Result<User> Accounts::set_disabled(const std::string& tenant_code, const std::string& login,
                                    bool disabled) {
  auto t = ctx_.store.tenant_by_code(tenant_code);
  if (!t.ok()) return t.status();
  auto c = ctx_.store.credentials(t->id, login);
  if (!c.ok()) return not_found("no user " + login + " in " + tenant_code);
  return wait_for<User>([&](auto cb) {
    ctx_.store.set_user_disabled(c->user.id, disabled, ctx_.clock.now_ms(), std::move(cb));
  });
}

void Accounts::logout(const Actor& actor, store::Callback<bool> done) {
  {
    std::lock_guard lock(cache_mu_);
    sessions_.erase(actor.token_hash);
  }
  // The other nodes forget it once it is gone from the store (before: a request there
  // could cache it again from the store meanwhile).
  ctx_.store.delete_session(actor.token_hash, [this, hash = actor.token_hash,
                                               done = std::move(done)](Result<bool> r) {
    if (r.ok()) ctx_.bus.publish_notice(kLogoutTopic, hash);
    done(std::move(r));
  });
}

Result<std::vector<Department>> Accounts::departments(const Actor& actor) {
  auto all = ctx_.store.departments(actor.user.tenant);
  if (all.ok()) org::fill_paths(*all);
  return all;
}

Result<Department> Accounts::find_department(TenantId tenant, std::string_view ref) {
  auto all = ctx_.store.departments(tenant);
  if (!all.ok()) return all.status();
  return org::resolve(*all, ref);
}

Result<std::vector<User>> Accounts::find_users(const Actor& actor, std::string_view query,
                                               DeptId dept, int limit) {
  if (!text::valid_utf8(query)) return invalid_argument("q: not valid UTF-8");
  if (text::char_count(query) > 100) return invalid_argument("q: at most 100 characters");
  const std::string folded = search::fold(query);
  std::vector<Department> all;
  if (dept || !folded.empty()) {
    auto got = ctx_.store.departments(actor.user.tenant);
    if (!got.ok()) return got.status();
    all = std::move(*got);
  }
  // Departments are created parents first, so one pass in id order collects a subtree.
  auto subtree = [&all](std::set<DeptId> wanted) {
    for (const auto& d : all) {
      if (d.parent && wanted.count(d.parent)) wanted.insert(d.id);
    }
    return wanted;
  };
  std::set<DeptId> within;  // empty: everyone
  if (dept) {
    bool found = false;
    for (const auto& d : all) found |= d.id == dept;
    if (!found) return not_found("department " + std::to_string(dept) + " not found");
    within = subtree({dept});
  }
  std::vector<DeptId> depts(within.begin(), within.end());
  auto found = ctx_.store.find_users(actor.user.tenant, folded, depts, limit);
  if (!found.ok() || folded.empty()) return found;

  // Everyone of the departments whose name has the query in it, merged in.
  std::set<DeptId> named;
  for (const auto& d : all) {
    if (search::fold(d.name).find(folded) != std::string::npos) named.insert(d.id);
  }
  if (named.empty()) return found;
  std::vector<DeptId> by_dept;
  for (DeptId id : subtree(std::move(named))) {
    if (within.empty() || within.count(id)) by_dept.push_back(id);
  }
  if (by_dept.empty()) return found;
  auto members = ctx_.store.find_users(actor.user.tenant, "", by_dept, limit);
  if (!members.ok()) return members.status();
  std::set<UserId> seen;
  std::vector<std::pair<std::string, User>> merged;  // 五十音 key, as the store orders
  for (auto* list : {&*found, &*members}) {
    for (User& u : *list) {
      if (!seen.insert(u.id).second) continue;
      std::string key = search::sort_key_ja(u.reading);
      key.push_back('\0');
      key += search::sort_key_ja(u.name);
      merged.emplace_back(std::move(key), std::move(u));
    }
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
  });
  std::vector<User> out;
  for (auto& [key, u] : merged) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(u));
  }
  return out;
}

Result<User> Accounts::user(const Actor& actor, UserId id) {
  auto u = ctx_.store.user(id);
  if (!u.ok()) return not_found("user " + std::to_string(id) + " not found");
  TONARI_RETURN_IF_ERROR(policy::can_see_user(actor.user, *u));
  return u;
}

void Accounts::set_status(const Actor& actor, std::string status, store::Callback<User> done) {
  if (Status st = check_text(status, "status", ctx_.limits.max_status_chars, false); !st.is_ok()) {
    return done(st);
  }
  // A write like the others a user makes (user_limits.h): no unlimited path to the writer.
  if (Status st = ctx_.take_write(actor.user.id, "set_status"); !st.is_ok()) return done(st);
  ctx_.store.set_status(actor.user.id, std::string(text::trim(status)), std::move(done));
}

void Accounts::update_me(const Actor& actor, std::optional<std::string> status,
                         std::optional<std::string> extension, store::Callback<User> done) {
  if (!extension) {
    if (!status) return done(invalid_argument("nothing to change: give status or extension"));
    return set_status(actor, std::move(*status), std::move(done));
  }
  store::UserPatch patch;
  patch.status = std::move(status);
  patch.extension = std::move(extension);
  if (Status st = check_profile(patch); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "update_me"); !st.is_ok()) return done(st);
  ctx_.store.update_user(actor.user.id, std::move(patch), std::move(done));
}

Status Accounts::check_profile(store::UserPatch& p) const {
  const std::size_t names = ctx_.limits.max_name_chars;
  struct Field {
    std::optional<std::string>* value;
    const char* name;
    std::size_t max;
    bool required;
  };
  for (const Field& f : {Field{&p.name, "name", names, true}, Field{&p.reading, "reading", names, true},
                         Field{&p.title, "title", names, false},
                         Field{&p.extension, "extension", kMaxExtensionChars, false},
                         Field{&p.status, "status", ctx_.limits.max_status_chars, false}}) {
    if (!*f.value) continue;
    TONARI_RETURN_IF_ERROR(check_text(**f.value, f.name, f.max, f.required));
    **f.value = std::string(text::trim(**f.value));
  }
  return Status::ok();
}

void Accounts::update_user(const Actor* admin, UserId id, store::UserPatch patch,
                           store::Callback<std::pair<User, User>> done) {
  auto before = ctx_.store.user(id);
  if (!before.ok()) return done(not_found("user " + std::to_string(id) + " not found"));
  if (admin) {
    if (admin->user.role != Role::admin) {
      return done(permission_denied("only an administrator of the municipality can edit a profile"));
    }
    if (admin->user.tenant != before->tenant) {
      return done(not_found("user " + std::to_string(id) + " not found"));
    }
  }
  if (Status st = check_profile(patch); !st.is_ok()) return done(st);
  if (patch.dept && *patch.dept) {
    auto all = ctx_.store.departments(before->tenant);
    if (!all.ok()) return done(all.status());
    if (std::none_of(all->begin(), all->end(), [&](const Department& d) { return d.id == *patch.dept; })) {
      return done(invalid_argument("dept: department " + std::to_string(*patch.dept) +
                                   " is not a department of this municipality"));
    }
  }
  if (admin) {
    if (Status st = ctx_.take_write(admin->user.id, "update_user"); !st.is_ok()) return done(st);
  }
  ctx_.store.update_user(id, std::move(patch),
                         [before = std::move(*before), done = std::move(done)](Result<User> r) mutable {
                           if (!r.ok()) return done(r.status());
                           done(std::make_pair(std::move(before), std::move(*r)));
                         });
}

Result<std::unordered_map<DeptId, std::string>> Accounts::department_paths(TenantId tenant) {
  auto all = ctx_.store.departments(tenant);
  if (!all.ok()) return all.status();
  org::fill_paths(*all);
  std::unordered_map<DeptId, std::string> out;
  for (auto& d : *all) out.emplace(d.id, std::move(d.path));
  return out;
}

Result<Tenant> Accounts::create_tenant(const std::string& code, const std::string& name) {
  if (code.empty() || code.size() > 16 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid_argument("municipality code: 1-16 digits");
  }
  TONARI_RETURN_IF_ERROR(check_text(name, "name", ctx_.limits.max_name_chars, true));
  return wait_for<Tenant>([&](auto cb) {
    ctx_.store.create_tenant(code, name, ctx_.clock.now_ms(), std::move(cb));
  });
}

Result<Department> Accounts::create_department(TenantId tenant, DeptId parent,
                                               const std::string& name,
                                               const std::string& reading,
                                               const std::string& code) {
  TONARI_RETURN_IF_ERROR(check_text(name, "name", ctx_.limits.max_name_chars, true));
  TONARI_RETURN_IF_ERROR(check_text(reading, "reading", ctx_.limits.max_name_chars, false));
  if (name.find(org::kPathSeparator) != std::string::npos) {
    return invalid_argument("name: no '/' (it separates the names of a path)");
  }
  if (!code.empty()) TONARI_RETURN_IF_ERROR(org::check_code(code));
  auto d = wait_for<Department>([&](auto cb) {
    ctx_.store.create_department(Department{0, tenant, parent, std::string(text::trim(name)),
                                            reading, code, {}},
                                 std::move(cb));
  });
  if (!d.ok()) return d;
  return find_department(tenant, d->code);
}

Result<User> Accounts::create_user(const NewUserRequest& req) {
  auto u = prepare_user(req);
  if (!u.ok()) return u.status();
  return wait_for<User>([&](auto cb) {
    ctx_.store.create_user(std::move(*u), ctx_.clock.now_ms(), std::move(cb));
  });
}

std::vector<Result<User>> Accounts::create_users(const std::vector<NewUserRequest>& reqs) {
  std::vector<std::optional<Result<store::NewUser>>> prepared(reqs.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < n; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < reqs.size();) prepared[i] = prepare_user(reqs[i]);
    });
  }
  for (auto& w : workers) w.join();

  std::vector<std::promise<Result<User>>> done(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    if (!prepared[i]->ok()) {
      done[i].set_value(prepared[i]->status());
      continue;
    }
    ctx_.store.create_user(std::move(prepared[i]->value()), ctx_.clock.now_ms(),
                           [&p = done[i]](Result<User> r) { p.set_value(std::move(r)); });
  }
  std::vector<Result<User>> out;
  out.reserve(reqs.size());
  for (auto& p : done) out.push_back(p.get_future().get());
  return out;
}

Result<store::NewUser> Accounts::prepare_user(const NewUserRequest& req) {
  auto tenant = ctx_.store.tenant_by_code(req.tenant_code);
  if (!tenant.ok()) return tenant.status();
  const bool login_ok =
      !req.login.empty() && req.login.size() <= 64 &&
      std::all_of(req.login.begin(), req.login.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (!login_ok) return invalid_argument("login: 1-64 of a-z 0-9 . _ -");
  TONARI_RETURN_IF_ERROR(check_text(req.name, "name", ctx_.limits.max_name_chars, true));
  TONARI_RETURN_IF_ERROR(check_text(req.reading, "reading", ctx_.limits.max_name_chars, true));
  TONARI_RETURN_IF_ERROR(check_text(req.title, "title", ctx_.limits.max_name_chars, false));
  TONARI_RETURN_IF_ERROR(check_text(req.status, "status", ctx_.limits.max_status_chars, false));
  if (req.password_hash.empty() && req.password.size() < 8) {
    return invalid_argument("password: at least 8 characters");
  }
  DeptId dept = 0;
  if (!req.department.empty()) {
    auto d = find_department(tenant->id, req.department);
    if (!d.ok()) return d.status();
    dept = d->id;
  }
  store::NewUser u{tenant->id, req.login, req.name, req.reading, dept, req.title, req.status,
                   req.admin ? Role::admin : Role::staff,
                   !req.password_hash.empty()
                       ? req.password_hash
                       : hash_password(req.password, ctx_.limits.pwhash_opslimit,
                                       ctx_.limits.pwhash_memlimit)};
  if (u.password_hash.empty()) return internal_error("password hashing failed (out of memory?)");
  return u;
}

}  // namespace tonari::services
