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

json::array members_json(const store::MemberPage& page) {
  json::array out;
  out.reserve(page.members.size());
  for (const auto& [u, m] : page.members) {
    out.push_back(json::object{{"user", wire::user(u)},
                               {"role", m.role == MemberRole::owner ? "owner" : "member"},
                               {"read_seq", m.read_seq}});
  }
  return out;
}

}  // namespace

void Api::install_rooms(http::Router& router) {
  // The caller's view of a room after a change, as `{"room": RoomSummary}`.
  auto summary_response = [this](const Caller& c, RoomId room, int status) {
    auto s = d_.rooms.summary(c.actor, room);
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
    std::string name = f.str("name");
    auto members = f.ids("members");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>([&](auto cb) {
      d_.rooms.create_group(c.actor, std::move(name), std::move(members), std::move(cb));
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
    co_return json_response(200, json::object{{"room", wire::room_summary(d->summary)},
                                              {"members", members_json(d->members)},
                                              {"members_next", next_json(d->members)}});
  }));

  router.add("GET", "/api/rooms/{id}/members", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    auto p = d_.rooms.members(c.actor, id, page->after, page->limit);
    if (!p.ok()) co_return error_response(p.status());
    co_return json_response(200, json::object{{"members", members_json(*p)},
                                              {"next", next_json(*p)}});
  }));

  router.add("PATCH", "/api/rooms/{id}", authed([this, summary_response](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    std::string name = f.str("name");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.rooms.rename(c.actor, id, std::move(name), std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return summary_response(c, id, 200);
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
