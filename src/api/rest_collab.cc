// REST: reactions, action stamps (answers, lists, close, remind, export), 確認必須
// acknowledgements (ack, lists, remind) and pins.
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

// The message of a /api/rooms/{id}/messages/{seq}/... path, or the not_found of a bad id.
struct MessageRef {
  RoomId room = 0;
  Seq seq = 0;
};
Result<MessageRef> message_param(Request& req) {
  const RoomId id = room_param(req);
  if (!id) return unknown_room(req);
  const Seq seq = parse_id(req.params["seq"]);
  if (!seq) return not_found("message " + param_text(req, "seq") + " not found");
  return MessageRef{id, seq};
}

// An action stamp's refusal; a conflict carries its reason ("closed", "deadline",
// "answered"; for a close or a reminder only "closed") for the client to translate.
Response action_error(const Status& st, bool answering = true) {
  if (const char* reason = services::action_conflict_reason(st, answering)) {
    return error_with(st, json::object{{"reason", reason}});
  }
  return error_response(st);
}

// A 確認必須 refusal: an ordinary message is invalid_argument with reason
// "not_ack_required" (services::Acks says so first in its message; the store, in the
// write, "not ack required"), for clients to test like the action stamps' reasons; the
// rest as everywhere.
Response ack_error(const Status& st) {
  const std::string& m = st.message();
  if (st.code() == Code::invalid_argument &&
      (m.rfind("not_ack_required", 0) == 0 || m.find("not ack required") != std::string::npos)) {
    return error_with(st, json::object{{"reason", "not_ack_required"}});
  }
  return error_response(st);
}

// The ?dept= of a list: a department id, 0 or absent for every department.
Result<DeptId> dept_param(const Request& req) {
  const std::string v = req.query_param("dept");
  if (v.empty() || v == "0") return DeptId{0};
  const DeptId d = parse_id(v);
  if (!d) return invalid_argument("dept: a department id");
  return d;
}

json::array picks_json(const std::vector<ActionPick>& picks) {
  json::array out;
  for (const ActionPick& p : picks) out.push_back(json::object{{"option", p.option}, {"value", p.value}});
  return out;
}

// {"users": [User + "at" (+ "picks")], "next"}
json::object users_json(const store::UserPage& page, UserJson& user_json) {
  json::array users;
  users.reserve(page.users.size());
  for (std::size_t i = 0; i < page.users.size(); ++i) {
    json::object u = user_json(page.users[i]);
    if (i < page.at.size()) u["at"] = page.at[i];
    if (i < page.picks.size()) u["picks"] = picks_json(page.picks[i]);
    users.push_back(std::move(u));
  }
  return json::object{{"users", std::move(users)}, {"next", next_json(page.next)}};
}

// {"picks": [{"option": 0, "value": 0}, ...]}: at least one.
Result<std::vector<ActionPick>> parse_picks(const json::object& body) {
  const Status bad = invalid_argument(R"(picks: [{"option": 0, "value": 0}, ...])");
  auto it = body.find("picks");
  if (it == body.end() || !it->value().is_array()) return bad;
  std::vector<ActionPick> out;
  for (const json::value& v : it->value().as_array()) {
    if (!v.is_object()) return bad;
    Fields f(v.as_object());
    const std::int64_t option = f.int64("option");
    const std::int64_t value = f.int64("value", false, 0);
    if (!f.status().is_ok() || option < 0 || option > INT32_MAX || value < 0 || value > INT32_MAX) {
      return bad;
    }
    out.push_back(ActionPick{static_cast<std::int32_t>(option), static_cast<std::int32_t>(value)});
  }
  if (out.empty()) return invalid_argument("picks: at least one (DELETE withdraws an answer)");
  return out;
}

// A small non-negative query parameter; `fallback` when absent, -2 when not a number.
int int_param(const Request& req, const char* name, int fallback) {
  const std::string v = req.query_param(name);
  if (v.empty()) return fallback;
  if (v == "0") return 0;
  const std::int64_t n = parse_id(v);
  return n > 0 && n <= INT32_MAX ? static_cast<int>(n) : -2;
}

}  // namespace

void Api::install_collab(http::Router& router) {
  // ---- Reactions ------------------------------------------------------------------------
  for (const char* method : {"PUT", "DELETE"}) {
    const bool on = std::string_view(method) == "PUT";
    router.add(method, "/api/rooms/{id}/messages/{seq}/reactions/{key}",
               authed([this, on](Request& req, const Caller& c) -> awaitable<Response> {
      auto at = message_param(req);
      if (!at.ok()) co_return error_response(at.status());
      const auto [id, seq] = *at;
      std::string key = req.params["key"];
      auto r = co_await await_result<store::RoomChange>([&](auto cb) {
        d_.reactions->react(c.actor, id, seq, key, on, std::move(cb));
      });
      if (!r.ok()) co_return error_response(r.status());
      co_return json_response(200, json::object{{"reaction", json::object{{"key", key},
                                                                          {"count", r->count},
                                                                          {"me", on}}}});
    }));
  }

  router.add("GET", "/api/rooms/{id}/messages/{seq}/reactions/{key}/users",
             authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    auto r = d_.reactions->users(c.actor, id, seq, req.params["key"], page->after, page->limit);
    if (!r.ok()) co_return error_response(r.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, users_json(*r, users));
  }));

  // ---- Action stamps --------------------------------------------------------------------
  // The question's state as the caller sees it, after a change.
  auto state_response = [this](const Caller& c, RoomId room, Seq seq) {
    auto s = d_.actions->state(c.actor, room, seq);
    if (!s.ok()) return action_error(s.status());
    return json_response(200, json::object{{"action", wire::action_state(*s)}});
  };

  router.add("GET", "/api/rooms/{id}/messages/{seq}/action",
             authed([state_response](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    co_return state_response(c, id, seq);
  }));

  for (const char* method : {"PUT", "DELETE"}) {
    const bool put = std::string_view(method) == "PUT";
    router.add(method, "/api/rooms/{id}/messages/{seq}/action/answer",
               authed([this, put](Request& req, const Caller& c) -> awaitable<Response> {
      auto at = message_param(req);
      if (!at.ok()) co_return error_response(at.status());
      const auto [id, seq] = *at;
      std::vector<ActionPick> picks;  // none: withdraw
      if (put) {
        auto body = parse_object(req.body);
        if (!body.ok()) co_return error_response(body.status());
        auto p = parse_picks(*body);
        if (!p.ok()) co_return error_response(p.status());
        picks = std::move(*p);
      }
      auto r = co_await await_result<ActionState>([&](auto cb) {
        d_.actions->answer(c.actor, id, seq, std::move(picks), std::move(cb));
      });
      if (!r.ok()) co_return action_error(r.status());
      co_return json_response(200, json::object{{"action", wire::action_state(*r)}});
    }));
  }

  router.add("GET", "/api/rooms/{id}/messages/{seq}/action/answers",
             authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    const int option = int_param(req, "option", -1);
    const int value = int_param(req, "value", 0);
    if (option < -1 || value < 0) {
      co_return error_response(invalid_argument("option, value: numbers (without option: every answer)"));
    }
    auto r = d_.actions->answers(c.actor, id, seq, option, value, page->after, page->limit);
    if (!r.ok()) co_return error_response(r.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, users_json(*r, users));
  }));

  router.add("GET", "/api/rooms/{id}/messages/{seq}/action/pending",
             authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    auto r = d_.actions->pending(c.actor, id, seq, page->after, page->limit);
    if (!r.ok()) co_return error_response(r.status());
    UserJson user_json(d_.accounts, c.actor.user.tenant);
    json::array users;
    for (const auto& [u, m] : r->page.members) users.push_back(user_json(u));
    co_return json_response(200, json::object{{"users", std::move(users)},
                                              {"next", next_json(r->page)},
                                              {"count", r->count}});
  }));

  router.add("POST", "/api/rooms/{id}/messages/{seq}/action/close",
             authed([this, state_response](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    auto r = co_await await_result<bool>(
        [&](auto cb) { d_.actions->close(c.actor, id, seq, std::move(cb)); });
    if (!r.ok()) co_return action_error(r.status(), false);
    co_return state_response(c, id, seq);
  }));

  router.add("POST", "/api/rooms/{id}/messages/{seq}/action/remind",
             authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    auto r = co_await await_result<std::int64_t>(
        [&](auto cb) { d_.actions->remind(c.actor, id, seq, std::move(cb)); });
    if (!r.ok()) co_return action_error(r.status(), false);
    co_return json_response(200, json::object{{"count", *r}});
  }));

  router.add("GET", "/api/rooms/{id}/messages/{seq}/action/export",
             authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto at = message_param(req);
    if (!at.ok()) co_return error_response(at.status());
    const auto [id, seq] = *at;
    std::string name = req.query_param("format");
    auto format = services::export_format_from_name(name.empty() ? "csv" : name);
    if (!format) co_return error_response(invalid_argument("format: csv, csv_sjis or xlsx"));
    auto file = d_.actions->export_file(c.actor, id, seq, *format);
    if (!file.ok()) co_return error_response(file.status());
    Response res{200, std::move(file->bytes), file->content_type, {}};
    res.headers.emplace_back("Content-Disposition", content_disposition(false, file->name));
    co_return res;
  }));

  // ---- 確認必須 (acknowledgements) --------------------------------------------------------
  if (d_.acks) {
    router.add("PUT", "/api/rooms/{id}/messages/{seq}/ack",
               authed([this](Request& req, const Caller& c) -> awaitable<Response> {
      auto at = message_param(req);
      if (!at.ok()) co_return error_response(at.status());
      const auto [id, seq] = *at;
      auto r = co_await await_result<services::AckResult>(
          [&](auto cb) { d_.acks->ack(c.actor, id, seq, std::move(cb)); });
      if (!r.ok()) co_return ack_error(r.status());
      co_return json_response(200, json::object{{"ack_count", r->ack_count}, {"acked", true}});
    }));

    router.add("GET", "/api/rooms/{id}/messages/{seq}/acks",
               authed([this](Request& req, const Caller& c) -> awaitable<Response> {
      auto at = message_param(req);
      if (!at.ok()) co_return error_response(at.status());
      const auto [id, seq] = *at;
      auto page = page_params(req);
      if (!page.ok()) co_return error_response(page.status());
      const std::string state = req.query_param("state");
      if (!state.empty() && state != "acked" && state != "unacked") {
        co_return error_response(invalid_argument("state: acked or unacked"));
      }
      auto dept = dept_param(req);
      if (!dept.ok()) co_return error_response(dept.status());
      auto r = d_.acks->list(c.actor, id, seq,
                             state == "acked" ? services::AckState::acked : services::AckState::unacked,
                             *dept, page->after, page->limit);
      if (!r.ok()) co_return ack_error(r.status());
      UserJson user_json(d_.accounts, c.actor.user.tenant);
      json::array users;
      users.reserve(r->page.members.size());
      for (const auto& [u, m] : r->page.members) users.push_back(user_json(u));
      co_return json_response(200, json::object{
          {"state", state.empty() ? "unacked" : state},
          {"users", std::move(users)},
          {"next", next_json(r->page)},
          {"counts", json::object{{"acked", r->acked}, {"unacked", r->unacked}}}});
    }));

    router.add("POST", "/api/rooms/{id}/messages/{seq}/ack-remind",
               authed([this](Request& req, const Caller& c) -> awaitable<Response> {
      auto at = message_param(req);
      if (!at.ok()) co_return error_response(at.status());
      const auto [id, seq] = *at;
      DeptId dept = 0;
      if (!req.body.empty()) {
        auto body = parse_object(req.body);
        if (!body.ok()) co_return error_response(body.status());
        Fields f(*body);
        dept = f.int64("dept", false, 0);
        if (!f.status().is_ok()) co_return error_response(f.status());
        if (dept < 0) co_return error_response(invalid_argument("dept: a department id"));
      }
      auto r = co_await await_result<std::int64_t>(
          [&](auto cb) { d_.acks->remind(c.actor, id, seq, dept, std::move(cb)); });
      if (!r.ok()) co_return ack_error(r.status());
      co_return json_response(200, json::object{{"count", *r}});
    }));
  }

  // ---- Pins -----------------------------------------------------------------------------
  auto pins_response = [this](const Caller& c, RoomId room) {
    auto pins = d_.pins->list(c.actor, room);
    if (!pins.ok()) return error_response(pins.status());
    json::array out;
    for (const Pin& p : *pins) out.push_back(wire::pin(p));
    return json_response(200, json::object{{"pins", std::move(out)}});
  };

  router.add("GET", "/api/rooms/{id}/pins",
             authed([pins_response](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    co_return pins_response(c, id);
  }));

  for (const char* method : {"PUT", "DELETE"}) {
    const bool on = std::string_view(method) == "PUT";
    router.add(method, "/api/rooms/{id}/pins/{kind}/{target}",
               authed([this, on, pins_response](Request& req, const Caller& c) -> awaitable<Response> {
      RoomId id = room_param(req);
      if (!id) co_return error_response(unknown_room(req));
      const std::string& kind_name = req.params["kind"];
      if (kind_name != "message" && kind_name != "note") {
        co_return error_response(not_found("pins are of a message or a note, not " + param_text(req, "kind")));
      }
      const Pin::Kind kind = kind_name == "note" ? Pin::Kind::note : Pin::Kind::message;
      const std::int64_t target = parse_id(req.params["target"]);
      if (!target) co_return error_response(not_found(kind_name + " " + param_text(req, "target") + " not found"));
      auto r = co_await await_result<bool>(
          [&](auto cb) { d_.pins->pin(c.actor, id, kind, target, on, std::move(cb)); });
      if (!r.ok()) co_return error_response(r.status());
      co_return pins_response(c, id);
    }));
  }
}

}  // namespace tonari::api
