// REST: 安否確認 (safety confirmations): templates, start, my open checks and the managed
// list, a check with its tally, answers (own and 代理回答), the target lists, reminders,
// close, the CSV export, the print page, and the signed webhook that starts one.
#include <boost/json.hpp>

#include "api/api.h"
#include "api/await.h"
#include "api/fields.h"
#include "api/file_response.h"
#include "api/pages.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The check of a /api/safety/{id}/... path, or the not_found of a bad id.
Result<store::SafetyId> safety_param(Request& req) {
  const store::SafetyId id = parse_id(req.params["id"]);
  if (!id) return not_found("safety confirmation " + param_text(req, "id") + " not found");
  return id;
}

// A refusal of an answer or a close: a conflict carries its reason ("closed") for the
// client to translate.
Response safety_error(const Status& st) {
  if (st.code() == Code::conflict && st.message().find("closed") != std::string::npos) {
    return error_with(st, json::object{{"reason", "closed"}});
  }
  return error_response(st);
}

// scope: "all" or {"depts": [ids]} (absent: all).
Result<std::vector<DeptId>> parse_scope(const json::object& body) {
  const Status bad = invalid_argument(R"(scope: "all" or {"depts": [department ids]})");
  const json::value* v = body.if_contains("scope");
  if (!v || v->is_null() || (v->is_string() && v->as_string() == "all")) return std::vector<DeptId>{};
  if (!v->is_object()) return bad;
  const json::value* d = v->as_object().if_contains("depts");
  if (!d || !d->is_array() || d->as_array().empty()) return bad;
  std::vector<DeptId> out;
  for (const json::value& x : d->as_array()) {
    if (!x.is_int64() || x.as_int64() <= 0) return bad;
    out.push_back(x.as_int64());
  }
  return out;
}

}  // namespace

void Api::install_safety(http::Router& router) {
  services::Safety& safety = *d_.safety;

  router.add("GET", "/api/safety/templates", authed([](Request&, const Caller&) -> awaitable<Response> {
    json::array out;
    for (const auto& t : services::safety_templates()) {
      out.push_back(json::object{{"key", t.key},
                                 {"title", t.title},
                                 {"training", t.training},
                                 {"questions", services::safety_questions_value(t.questions)}});
    }
    co_return json_response(200, json::object{{"templates", std::move(out)}});
  }));

  router.add("POST", "/api/safety", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    services::SafetyRequest r;
    r.title = f.opt_str("title");
    r.template_key = f.opt_str("template").value_or("");
    r.training = f.opt_bool("training");
    r.internet_answer = f.boolean("internet_answer");
    if (!f.status().is_ok()) co_return error_response(f.status());
    if (const json::value* q = body->if_contains("questions"); q && !q->is_null()) r.questions = *q;
    auto scope = parse_scope(*body);
    if (!scope.ok()) co_return error_response(scope.status());
    r.scope = std::move(*scope);
    auto check = co_await await_result<store::SafetyCheck>(
        [&](auto cb) { safety.start(c.actor, std::move(r), std::move(cb)); });
    if (!check.ok()) co_return error_response(check.status());
    co_return json_response(201, json::object{{"safety", services::safety_check_json(*check)}});
  }));

  router.add("GET", "/api/safety", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    const std::string before_text = req.query_param("before");
    const store::SafetyId before = before_text.empty() ? 0 : parse_id(before_text);
    if (!before_text.empty() && !before) co_return error_response(invalid_argument("before: a check id (a page's next)"));
    const std::string limit_text = req.query_param("limit");
    const std::int64_t limit = limit_text.empty() ? 50 : parse_id(limit_text);
    if (limit < 1 || limit > 200) co_return error_response(invalid_argument("limit: 1 to 200"));
    auto list = safety.list(c.actor, before, static_cast<int>(limit), c.restricted);
    if (!list.ok()) co_return error_response(list.status());
    json::array mine;
    for (const auto& [check, target] : list->mine) mine.push_back(services::safety_mine_json(check, target));
    json::object out{{"safety", std::move(mine)}};
    if (list->managed) {
      json::array managed;
      for (const auto& check : list->managed->checks) managed.push_back(services::safety_check_json(check));
      out["managed"] = std::move(managed);
      out["next"] = list->managed->next ? json::value(list->managed->next) : json::value(nullptr);
    }
    co_return json_response(200, out);
  }, true));

  router.add("GET", "/api/safety/{id}", authed([this, &safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    auto v = safety.get(c.actor, *id, c.restricted);
    if (!v.ok()) co_return error_response(v.status());
    json::object out{{"safety", v->mine ? services::safety_mine_json(v->check, *v->mine) : services::safety_check_json(v->check)},
                     {"target", v->mine.has_value()}};
    if (v->tally) {
      auto depts = d_.accounts.departments(c.actor);
      if (!depts.ok()) co_return error_response(depts.status());
      out["tally"] = services::safety_tally_json(*v->tally, *depts, v->scope);
      out["scope"] = v->scope;
      out["can"] = json::object{{"close", v->may_close && v->check.closed_at == 0},
                                {"remind", v->check.closed_at == 0},
                                {"answer_for", v->may_answer_for && v->check.closed_at == 0},
                                {"export", true}};
    }
    co_return json_response(200, out);
  }, true));

  router.add("PUT", "/api/safety/{id}/answer", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    std::string client_id = f.str("client_id");
    const UserId for_user = f.int64("for_user", false, 0);
    if (!f.status().is_ok()) co_return error_response(f.status());
    const json::value* answer = body->if_contains("answer");
    if (!answer) co_return error_response(invalid_argument("answer: is required"));
    auto r = co_await await_result<store::SafetyAnswered>([&](auto cb) {
      safety.answer(c.actor, *id, std::move(client_id), *answer, for_user, c.restricted, std::move(cb));
    });
    if (!r.ok()) co_return safety_error(r.status());
    co_return json_response(200, json::object{{"answer", services::safety_answer_json(r->answer)},
                                              {"created", r->created}});
  }, true));

  router.add("GET", "/api/safety/{id}/history", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    const std::string user_text = req.query_param("user");
    const UserId user = user_text.empty() ? c.actor.user.id : parse_id(user_text);
    if (!user) co_return error_response(invalid_argument("user: a user id"));
    auto h = safety.history(c.actor, *id, user);
    if (!h.ok()) co_return error_response(h.status());
    json::array out;
    for (const auto& a : *h) out.push_back(services::safety_answer_json(a));
    co_return json_response(200, json::object{{"answers", std::move(out)}});
  }));

  router.add("GET", "/api/safety/{id}/targets", authed([this, &safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    store::SafetyTargetFilter filter;
    const std::string state = req.query_param("state");
    if (state == "answered") {
      filter.state = store::SafetyTargetFilter::State::answered;
    } else if (state == "unanswered") {
      filter.state = store::SafetyTargetFilter::State::unanswered;
    } else if (!state.empty() && state != "all") {
      co_return error_response(invalid_argument("state: answered, unanswered or all"));
    }
    const std::string dept = req.query_param("dept");
    if (!dept.empty()) {
      filter.dept = parse_id(dept);
      if (!filter.dept) co_return error_response(invalid_argument("dept: a department id"));
    }
    auto r = safety.targets(c.actor, *id, filter, req.query_param("q"), page->after, page->limit);
    if (!r.ok()) co_return error_response(r.status());
    auto paths = d_.accounts.department_paths(c.actor.user.tenant);
    if (!paths.ok()) co_return error_response(paths.status());
    json::array out;
    for (const auto& t : r->page.targets) out.push_back(services::safety_target_json(t, *paths));
    co_return json_response(200, json::object{{"targets", std::move(out)}, {"next", next_json(r->page.next)}});
  }));

  router.add("POST", "/api/safety/{id}/remind", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    DeptId dept = 0;
    if (!req.body.empty()) {
      auto body = parse_object(req.body);
      if (!body.ok()) co_return error_response(body.status());
      Fields f(*body);
      dept = f.int64("dept", false, 0);
      if (!f.status().is_ok()) co_return error_response(f.status());
    }
    auto r = co_await await_result<std::int64_t>(
        [&](auto cb) { safety.remind(c.actor, *id, dept, std::move(cb)); });
    if (!r.ok()) co_return safety_error(r.status());
    co_return json_response(200, json::object{{"count", *r}});
  }));

  router.add("POST", "/api/safety/{id}/close", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    auto r = co_await await_result<store::SafetyCheck>(
        [&](auto cb) { safety.close(c.actor, *id, std::move(cb)); });
    if (!r.ok()) co_return safety_error(r.status());
    co_return json_response(200, json::object{{"safety", services::safety_check_json(*r)}});
  }));

  router.add("GET", "/api/safety/{id}/export.csv", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    const std::string enc = req.query_param("encoding");
    if (!enc.empty() && enc != "utf-8" && enc != "shift_jis") {
      co_return error_response(invalid_argument("encoding: utf-8 or shift_jis"));
    }
    auto file = safety.export_csv(c.actor, *id, enc == "shift_jis");
    if (!file.ok()) co_return error_response(file.status());
    Response res{200, std::move(file->bytes), file->content_type, {}};
    res.headers.emplace_back("Content-Disposition", content_disposition(false, file->name));
    co_return res;
  }));

  router.add("GET", "/api/safety/{id}/print", authed([&safety](Request& req, const Caller& c) -> awaitable<Response> {
    auto id = safety_param(req);
    if (!id.ok()) co_return error_response(id.status());
    auto page = safety.print_page(c.actor, *id);
    if (!page.ok()) co_return error_response(page.status());
    Response res{200, std::move(*page), "text/html; charset=utf-8", {}};
    // Every value is escaped; the policy keeps even a slip from running script.
    res.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    co_return res;
  }));

  router.add("PUT", "/api/admin/users/{id}/safety-roles",
             authed([this, &safety](Request& req, const Caller& c) -> awaitable<Response> {
    const UserId id = parse_id(req.params["id"]);
    if (!id) co_return error_response(not_found("user " + param_text(req, "id") + " not found"));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    if (!f.has("crisis") || !f.has("dept_head")) {
      co_return error_response(invalid_argument("crisis, dept_head: both are required (true or false)"));
    }
    const bool crisis = f.boolean("crisis");
    const bool dept_head = f.boolean("dept_head");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto u = co_await await_result<User>(
        [&](auto cb) { safety.set_roles(c.actor, id, crisis, dept_head, std::move(cb)); });
    if (!u.ok()) co_return error_response(u.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"user", users(*u)}, {"crisis", u->crisis}, {"dept_head", u->dept_head}});
  }));

  // The webhook: no session; the signature is the authentication (services/safety.h).
  router.add("POST", "/api/hooks/safety/{tenant}/{template}", [&safety](Request& req) -> awaitable<Response> {
    const std::string tenant = req.params["tenant"];
    const std::string tmpl = req.params["template"];
    const std::string signature(req.header("x-tonari-signature"));
    auto r = co_await await_result<services::Safety::Hooked>([&](auto cb) {
      safety.start_from_webhook(tenant, tmpl, signature, req.body, std::move(cb));
    });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(r->created ? 201 : 200, json::object{{"safety", services::safety_check_json(r->check)},
                                                                 {"created", r->created}});
  });
}

}  // namespace tonari::api
