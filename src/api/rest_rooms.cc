// REST: rooms, 1:1 rooms and membership.
#include <boost/json.hpp>

#include "api/api.h"
#include "api/await.h"
#include "api/fields.h"
#include "api/pages.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

json::array members_json(const store::MemberPage& page, UserJson& user_json) {
  json::array out;
  out.reserve(page.members.size());
  for (const auto& [u, m] : page.members) {
    out.push_back(json::object{{"user", user_json(u)},
                               {"role", member_role_name(m.role)},
                               {"read_seq", m.read_seq}});
  }
  return out;
}

// rules.sync: null (none), {"kind":"tenant"} or {"kind":"department","dept":ID,"subtree":B}.
Result<OrgSync> parse_sync(const json::value& v) {
  OrgSync sync;
  if (v.is_null()) return sync;
  const auto bad = invalid_argument(
      R"(rules.sync: null, {"kind":"tenant"} or {"kind":"department","dept":ID,"subtree":true})");
  if (!v.is_object()) return bad;
  Fields f(v.as_object());
  const std::string kind = f.str("kind");
  if (kind == "tenant") {
    sync.kind = OrgSync::Kind::tenant;
  } else if (kind == "department") {
    sync.kind = OrgSync::Kind::department;
    sync.dept = f.int64("dept");
    sync.subtree = f.boolean("subtree", true);
    if (f.status().is_ok() && sync.dept <= 0) return bad;
  } else {
    return bad;
  }
  if (!f.status().is_ok()) return bad;
  return sync;
}

// The rules object of a request, field by field (those absent stay nullopt).
Status parse_rules(Fields& body, services::RoomUpdate& u) {
  const json::object* rules = body.object("rules");
  if (!body.status().is_ok() || !rules) return body.status();
  Fields f(*rules);
  u.announcement = f.opt_bool("announcement");
  u.official = f.opt_bool("official");
  u.members_invite = f.opt_bool("members_invite");
  u.members_edit = f.opt_bool("members_edit");
  if (!f.status().is_ok()) return invalid_argument("rules." + f.status().message());
  if (auto it = rules->find("sync"); it != rules->end()) {
    auto sync = parse_sync(it->value());
    if (!sync.ok()) return sync.status();
    u.sync = *sync;
  }
  return Status::ok();
}

}  // namespace

void Api::install_rooms(http::Router& router) {
  // The caller's view of a room after a change, as `{"room": RoomSummary}`.
  // A tenant admin may have changed a room they are not in: they see it as its manager.
  auto summary_response = [this](const Caller& c, RoomId room, int status) {
    auto s = d_.rooms.summary(c.actor, room, true);
    if (!s.ok()) return error_response(s.status());
    return json_response(status, json::object{{"room", wire::room_summary(*s)}});
  };

  router.add("GET", "/api/rooms", authed([this](Request&, const Caller& c) -> awaitable<Response> {
    auto rooms = d_.rooms.list(c.actor);
    if (!rooms.ok()) co_return error_response(rooms.status());
    json::array arr;
    for (const auto& s : *rooms) arr.push_back(wire::room_summary(s));
    co_return json_response(200, json::object{{"rooms", std::move(arr)}});
  }));

  router.add("POST", "/api/rooms", authed([this, summary_response](Request& req, const Caller& c) -> awaitable<Response> {
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    services::NewGroup g;
    g.name = f.str("name");
    g.members = f.ids("members");
    g.description = f.opt_str("description").value_or("");
    services::RoomUpdate rules;
    if (Status st = parse_rules(f, rules); !st.is_ok()) co_return error_response(st);
    if (!f.status().is_ok()) co_return error_response(f.status());
    g.rules.announcement = rules.announcement.value_or(g.rules.announcement);
    g.rules.official = rules.official.value_or(g.rules.official);
    g.rules.members_invite = rules.members_invite.value_or(g.rules.members_invite);
    g.rules.members_edit = rules.members_edit.value_or(g.rules.members_edit);
    g.rules.sync = rules.sync.value_or(g.rules.sync);
    auto r = co_await await_result<store::RoomChange>([&](auto cb) {
      d_.rooms.create_group(c.actor, std::move(g), std::move(cb));
    });
    if (!r.ok()) co_return error_response(r.status());
    co_return summary_response(c, r->room.id, 201);
  }));

  router.add("POST", "/api/direct", authed([this, summary_response](Request& req, const Caller& c) -> awaitable<Response> {
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    UserId peer = f.int64("user");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.open_direct(c.actor, peer, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return summary_response(c, r->room.id, 200);
  }));

  router.add("GET", "/api/rooms/{id}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    auto d = d_.rooms.detail(c.actor, id, page->limit);
    if (!d.ok()) co_return error_response(d.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"room", wire::room_summary(d->summary)},
                                              {"members", members_json(d->members, users)},
                                              {"members_next", next_json(d->members)}});
  }));

  router.add("GET", "/api/rooms/{id}/members", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    auto p = d_.rooms.members(c.actor, id, page->after, page->limit);
    if (!p.ok()) co_return error_response(p.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"members", members_json(*p, users)},
                                              {"next", next_json(*p)}});
  }));

  router.add("PATCH", "/api/rooms/{id}", authed([this, summary_response](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    services::RoomUpdate u;
    u.name = f.opt_str("name");
    u.description = f.opt_str("description");
    if (Status st = parse_rules(f, u); !st.is_ok()) co_return error_response(st);
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.update(c.actor, id, std::move(u), std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return summary_response(c, id, 200);
  }));

  router.add("PUT", "/api/rooms/{id}/members/{user}/role", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    UserId user = parse_id(req.params["user"]);
    if (!user) co_return error_response(not_found("user " + param_text(req, "user") + " not found"));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    const std::string name = f.str("role");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto role = member_role_from_name(name);
    if (!role) co_return error_response(invalid_argument("role: owner, admin or member"));
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.set_role(c.actor, id, user, *role, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    auto m = d_.accounts.user(c.actor, user);
    if (!m.ok()) co_return error_response(m.status());
    UserJson users(d_.accounts, c.actor.user.tenant);
    co_return json_response(200, json::object{{"member", json::object{{"user", users(*m)},
                                                                      {"role", member_role_name(*role)}}}});
  }));

  router.add("POST", "/api/rooms/{id}/members", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    auto users = f.ids("users", true);
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.add_members(c.actor, id, std::move(users), std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    json::array added;
    for (UserId u : r->joined) added.push_back(u);
    co_return json_response(200, json::object{{"added", std::move(added)}});
  }));

  router.add("POST", "/api/rooms/{id}/takeover", authed([this, summary_response](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.take_over(c.actor, id, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return summary_response(c, id, 200);
  }));

  router.add("DELETE", "/api/rooms/{id}/members/{user}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    UserId user = parse_id(req.params["user"]);
    if (!user) co_return error_response(not_found("user " + param_text(req, "user") + " not found"));
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.remove_member(c.actor, id, user, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{});
  }));
}

}  // namespace tonari::api
