// REST: notes (ノート), their versions and restoring one.
#include <boost/json.hpp>

#include "api/api.h"
#include "api/await.h"
#include "api/fields.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

void Api::install_notes(http::Router& router) {
  // A save's answer: the note with its body; a conflict (someone saved first) carries the
  // current note, so that the client shows both.
  auto saved = [this](const Caller& c, RoomId room, NoteId note, const Result<Note>& r) {
    if (r.ok()) return json_response(200, json::object{{"note", wire::note(*r, true)}});
    if (r.status().code() != Code::conflict) return error_response(r.status());
    json::object beside;
    if (auto now = d_.notes->get(c.actor, room, note); now.ok()) beside["note"] = wire::note(*now, true);
    return error_with(r.status(), json::object{{"reason", "version"}}, std::move(beside));
  };
  auto note_param = [](Request& req, NoteId& note) {
    note = parse_id(req.params["note"]);
    return note ? Status::ok() : not_found("note " + param_text(req, "note") + " not found");
  };

  router.add("GET", "/api/rooms/{id}/notes", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto notes = d_.notes->list(c.actor, id);
    if (!notes.ok()) co_return error_response(notes.status());
    json::array out;
    for (const Note& n : *notes) out.push_back(wire::note(n, false));
    co_return json_response(200, json::object{{"notes", std::move(out)}});
  }));

  router.add("POST", "/api/rooms/{id}/notes", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    std::string title = f.str("title");
    std::string text = f.str("body", false);
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<Note>([&](auto cb) {
      d_.notes->create(c.actor, id, std::move(title), std::move(text), std::move(cb));
    });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(201, json::object{{"note", wire::note(*r, true)}});
  }));

  router.add("GET", "/api/rooms/{id}/notes/{note}", authed([this, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    auto n = d_.notes->get(c.actor, id, note);
    if (!n.ok()) co_return error_response(n.status());
    co_return json_response(200, json::object{{"note", wire::note(*n, true)}});
  }));

  router.add("PUT", "/api/rooms/{id}/notes/{note}", authed([this, saved, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    std::string title = f.str("title");
    std::string text = f.str("body");
    const std::int64_t base = f.int64("base_version");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<Note>([&](auto cb) {
      d_.notes->update(c.actor, id, note, std::move(title), std::move(text), base, std::move(cb));
    });
    co_return saved(c, id, note, r);
  }));

  router.add("DELETE", "/api/rooms/{id}/notes/{note}", authed([this, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    auto r = co_await await_result<bool>([&](auto cb) { d_.notes->remove(c.actor, id, note, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{});
  }));

  router.add("GET", "/api/rooms/{id}/notes/{note}/versions", authed([this, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    auto vs = d_.notes->versions(c.actor, id, note);
    if (!vs.ok()) co_return error_response(vs.status());
    json::array out;
    for (const NoteVersion& v : *vs) out.push_back(wire::note_version(v, false));
    co_return json_response(200, json::object{{"versions", std::move(out)}});
  }));

  router.add("GET", "/api/rooms/{id}/notes/{note}/versions/{v}", authed([this, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    const std::int64_t v = parse_id(req.params["v"]);
    if (!v) co_return error_response(not_found("version " + param_text(req, "v") + " not found"));
    auto r = d_.notes->version(c.actor, id, note, v);
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{{"version", wire::note_version(*r, true)}});
  }));

  router.add("POST", "/api/rooms/{id}/notes/{note}/restore", authed([this, saved, note_param](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    NoteId note = 0;
    if (Status st = note_param(req, note); !st.is_ok()) co_return error_response(st);
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    const std::int64_t v = f.int64("version");
    const std::int64_t base = f.int64("base_version");
    if (!f.status().is_ok()) co_return error_response(f.status());
    if (v < 1) co_return error_response(invalid_argument("version: a version of the note"));
    auto r = co_await await_result<Note>(
        [&](auto cb) { d_.notes->restore(c.actor, id, note, v, base, std::move(cb)); });
    co_return saved(c, id, note, r);
  }));
}

}  // namespace tonari::api
