// REST: login/logout, the caller's own profile and the directory.
#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "api/api.h"
#include "api/auth.h"
#include "api/await.h"
#include "api/fields.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

struct LoginOutcome {
  Result<services::LoginResult> result;
  TimeMs retry_after_ms = 0;
};

// 429 rate_limited or 503 unavailable, with the wait in Retry-After (whole seconds, at
// least 1) and in the body's error as retry_after_ms (error_response's shape and log code).
Response retry_response(const Status& st, TimeMs retry_ms) {
  return error_response(Status(st.code(), st.message(), std::max<TimeMs>(retry_ms, 1)));
}

json::object me_body(const services::Actor& a, http::Zone zone, UserJson& users) {
  return json::object{{"user", users(a.user)},
                      {"csrf_token", a.csrf},
                      {"tenant", json::object{{"code", a.tenant.code}, {"name", a.tenant.name}}},
                      {"zone", http::zone_name(zone)}};
}

}  // namespace

json::object UserJson::operator()(const User& u) {
  json::object o = wire::user(u);
  if (!u.dept) return o;
  if (!paths_) {
    auto got = accounts_.department_paths(tenant_);
    paths_.emplace(got.ok() ? std::move(*got) : std::unordered_map<DeptId, std::string>{});
  }
  auto it = paths_->find(u.dept);
  o["department"].as_object()["path"] = it != paths_->end() ? it->second : u.dept_name;
  return o;
}

void Api::install_session(http::Router& router) {
  router.add("POST", "/api/login", [this](Request& req) -> awaitable<Response> {
    // Login CSRF: a foreign page must not log the browser into another account.
    if (Status st = check_origin(req, d_.config, false); !st.is_ok()) co_return error_response(st);
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    services::LoginRequest lr{f.str("tenant"), f.str("login"), f.str("password"),
                              req.remote_address, f.str("device", false)};
    const bool want_token = f.boolean("token");
    if (!f.status().is_ok()) co_return error_response(f.status());
    if (lr.device_token.empty()) lr.device_token = req.cookie(cookie_name(req, kDeviceCookie));
    lr.internet = req.zone == http::Zone::internet;

    auto outcome = co_await await_result<LoginOutcome>([&](auto cb) {
      d_.accounts.login(lr, [cb = std::move(cb)](Result<services::LoginResult> r, TimeMs retry) mutable {
        cb(LoginOutcome{std::move(r), retry});
      });
    });
    auto& result = outcome->result;
    if (!result.ok()) {
      d_.metrics.logins_failed.fetch_add(1);
      const Code code = result.status().code();
      if (code == Code::rate_limited || code == Code::unavailable) {
        co_return retry_response(result.status(), outcome->retry_after_ms);
      }
      co_return error_response(result.status());
    }
    d_.metrics.logins_ok.fetch_add(1);
    UserJson users(d_.accounts, result->user.tenant);
    json::object out{{"user", users(result->user)},
                     {"csrf_token", result->csrf},
                     {"tenant", json::object{{"code", result->tenant.code},
                                             {"name", result->tenant.name}}},
                     {"zone", http::zone_name(req.zone)}};
    Response res;
    if (want_token) {
      out["token"] = result->token;
      out["device_token"] = result->device_token;
      res = json_response(200, out);
    } else {
      res = json_response(200, out);
      res.headers.emplace_back("Set-Cookie", set_cookie(req, kSessionCookie, result->token, 2592000));
      // The known-device cookie outlives the session (logout keeps it): it is what lets this
      // browser past a throttle that others' failures put on its address or login id.
      res.headers.emplace_back("Set-Cookie", set_cookie(req, kDeviceCookie, result->device_token,
                                                        d_.accounts.device_ttl_ms() / 1000));
    }
    co_return res;
  });

  // A restricted session (the Internet zone under 利用制限, let in only to answer a 安否確認)
  // may still log out, and read itself while such a check is open: a reloaded page gets
  // its CSRF token only there.
  router.add("POST", "/api/logout", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto r = co_await await_result<bool>(
        [&](auto cb) { d_.accounts.logout(c.actor, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    // Open WebSockets of this session end too (see WsClient).
    d_.bus.publish(bus::Event{0, 0, c.actor.user.tenant,
                              std::make_shared<const std::string>(
                                  R"({"type":"session.ended","session":")" + c.actor.token_hash + "\"}"),
                              {}, {}, {c.actor.user.id}});
    Response res = json_response(200, json::object{});
    res.headers.emplace_back("Set-Cookie", set_cookie(req, kSessionCookie, "", 0));
    co_return res;
  }, true));

  router.add("GET", "/api/me", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    if (c.restricted && !d_.accounts.answers_from_internet(c.actor.user.id)) {
      co_return error_response(services::internet_restricted());
    }
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, me_body(c.actor, req.zone, users));
  }, true));

  router.add("PATCH", "/api/me", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    auto status = f.opt_str("status");
    auto extension = f.opt_str("extension");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto u = co_await await_result<User>([&](auto cb) {
      d_.accounts.update_me(c.actor, std::move(status), std::move(extension), std::move(cb));
    });
    if (!u.ok()) co_return error_response(u.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"user", users(*u)}});
  }));

  // An administrator's edit of a profile; a department change (異動) moves the user in the
  // official rooms that follow the org tree.
  router.add("PATCH", "/api/admin/users/{id}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    UserId id = parse_id(req.params["id"]);
    if (!id) co_return error_response(not_found("user " + param_text(req, "id") + " not found"));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    store::UserPatch patch;
    patch.name = f.opt_str("name");
    patch.reading = f.opt_str("reading");
    patch.title = f.opt_str("title");
    patch.extension = f.opt_str("extension");
    if (f.has("dept")) patch.dept = f.int64("dept", false);
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto changed = co_await await_result<std::pair<User, User>>([&](auto cb) {
      d_.accounts.update_user(&c.actor, id, std::move(patch), std::move(cb));
    });
    if (!changed.ok()) co_return error_response(changed.status());
    const auto& [before, after] = *changed;
    if (before.dept != after.dept) {
      auto synced = co_await await_result<bool>([&](auto cb) {
        d_.rooms.sync_user(after, before.dept, [cb = std::move(cb)](Status st) mutable {
          if (!st.is_ok()) return cb(st);
          cb(true);
        });
      });
      if (!synced.ok()) co_return error_response(synced.status());
    }
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"user", users(after)}});
  }));

  router.add("GET", "/api/departments", authed([this](Request&, const Caller& c) -> awaitable<Response> {
    auto ds = d_.accounts.departments(c.actor);
    if (!ds.ok()) co_return error_response(ds.status());
    json::array arr;
    for (const auto& d : *ds) arr.push_back(wire::department(d));
    co_return json_response(200, json::object{{"departments", std::move(arr)}});
  }));

  router.add("GET", "/api/users", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    std::string dept_s = req.query_param("department");
    std::string limit_s = req.query_param("limit");
    DeptId dept = dept_s.empty() ? 0 : parse_id(dept_s);
    if (!dept_s.empty() && !dept) co_return error_response(invalid_argument("department: must be an id"));
    std::int64_t limit = limit_s.empty() ? 50 : parse_id(limit_s);
    if (limit < 1 || limit > 200) co_return error_response(invalid_argument("limit: 1 to 200"));
    auto users = d_.accounts.find_users(c.actor, req.query_param("q"), dept, static_cast<int>(limit));
    if (!users.ok()) co_return error_response(users.status());
    json::array arr;
    UserJson user_json(d_.accounts, c.actor.user.tenant);
    for (const auto& u : *users) arr.push_back(user_json(u));
    co_return json_response(200, json::object{{"users", std::move(arr)}});
  }));

  router.add("GET", "/api/users/{id}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    UserId id = parse_id(req.params["id"]);
    if (!id) co_return error_response(not_found("user " + param_text(req, "id") + " not found"));
    auto u = d_.accounts.user(c.actor, id);
    if (!u.ok()) co_return error_response(u.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"user", users(*u)}});
  }));
}

}  // namespace tonari::api
