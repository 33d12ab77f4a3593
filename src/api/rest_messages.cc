// REST: history, posting, editing, deleting, read positions and reader lists.
#include <boost/json.hpp>

#include "api/api.h"
#include "api/await.h"
#include "api/fields.h"
#include "api/messages_json.h"
#include "api/pages.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

// The "action" of a post: an ActionSpec (docs/api.md), its defaults for what is left out.
Result<ActionSpec> action_spec(const json::object& o) {
  Fields f(o);
  ActionSpec a;
  const std::string kind = f.str("kind");
  a.title = f.str("title");
  a.options = f.strings("options");
  a.multiple = f.boolean("multiple");
  a.deadline = f.int64("deadline", false, 0);
  a.results_public = f.boolean("public", true);
  a.changeable = f.boolean("changeable", true);
  a.anonymous = f.boolean("anonymous");
  a.assignees = f.ids("assignees");
  if (!f.status().is_ok()) return invalid_argument("action." + f.status().message());
  auto k = action_kind_from_name(kind);
  if (!k) return invalid_argument("action.kind: yesno, attendance, choice, schedule or task");
  a.kind = *k;
  return a;
}

}  // namespace

Result<services::PostRequest> post_request(const json::object& o, RoomId room) {
  Fields f(o);
  services::PostRequest p;
  p.room = room;
  p.client_id = f.str("client_id");
  p.files = f.ids("files");
  p.stamp = f.str("stamp", false);
  const json::object* action = f.object("action");
  // With files, a stamp or an action stamp, the text may be left out.
  p.body = f.str("body", p.files.empty() && p.stamp.empty() && !action);
  p.reply_to = f.int64("reply_to", false, 0);
  p.mentions = f.ids("mentions");
  p.mention_all = f.boolean("mention_all");
  p.ack_required = f.boolean("ack_required");
  if (!f.status().is_ok()) return f.status();
  if (p.reply_to < 0) return invalid_argument("reply_to: must be a message seq");
  if (action) {
    auto spec = action_spec(*action);
    if (!spec.ok()) return spec.status();
    p.action = std::move(*spec);
  }
  return p;
}

void Api::install_messages(http::Router& router) {
  router.add("GET", "/api/rooms/{id}/messages", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto num = [&](const char* key, std::int64_t fallback, std::int64_t& out) {
      std::string v = req.query_param(key);
      if (v.empty()) { out = fallback; return true; }
      out = parse_id(v);
      return out > 0 || v == "0";
    };
    std::int64_t before = 0, after = -1, around = -1, limit = 50;
    if (!num("before", 0, before) || !num("after", -1, after) || !num("around", -1, around) ||
        !num("limit", 50, limit) || limit < 1 || limit > 200) {
      co_return error_response(
          invalid_argument("before, after, around: message seqs; limit: 1 to 200"));
    }
    if (around >= 0 && (before > 0 || after >= 0)) {
      co_return error_response(invalid_argument("around: not with before or after"));
    }
    auto h = around >= 0 ? d_.messages.around(c.actor, id, around, static_cast<int>(limit))
                         : d_.messages.history(c.actor, id, after, before, static_cast<int>(limit));
    if (!h.ok()) co_return error_response(h.status());
    // Written straight into the body: a page of history is the hottest read.
    std::string body;
    body.reserve(64 + h->messages.size() * 320);
    body += "{\"messages\":[";
    for (std::size_t i = 0; i < h->messages.size(); ++i) {
      if (i) body += ',';
      wire::append_message(body, h->messages[i]);
    }
    if (around >= 0) {
      // Both directions page on from here: before=<first seq>, after=<last seq>.
      body += h->has_more ? "],\"has_more_before\":true" : "],\"has_more_before\":false";
      body += h->has_more_after ? ",\"has_more_after\":true}" : ",\"has_more_after\":false}";
    } else {
      body += h->has_more ? "],\"has_more\":true}" : "],\"has_more\":false}";
    }
    co_return Response{200, std::move(body), "application/json; charset=utf-8", {}};
  }));

  router.add("POST", "/api/rooms/{id}/messages", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    auto p = post_request(*body, id);
    if (!p.ok()) co_return error_response(p.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.messages.post(c.actor, std::move(*p), std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    if (r->created) d_.metrics.messages_posted.fetch_add(1);
    co_return json_response(r->created ? 201 : 200, json::object{{"message", wire::message(*r->message)}});
  }));

  router.add("GET", "/api/rooms/{id}/messages/{seq}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    Seq seq = parse_id(req.params["seq"]);
    if (!id) co_return error_response(unknown_room(req));
    if (!seq) co_return error_response(not_found("message " + param_text(req, "seq") + " not found"));
    auto m = d_.messages.get(c.actor, id, seq);
    if (!m.ok()) co_return error_response(m.status());
    co_return json_response(200, json::object{{"message", wire::message(*m)}});
  }));

  router.add("PATCH", "/api/rooms/{id}/messages/{seq}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    Seq seq = parse_id(req.params["seq"]);
    if (!id) co_return error_response(unknown_room(req));
    if (!seq) co_return error_response(not_found("message " + param_text(req, "seq") + " not found"));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    std::string text = f.str("body");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.messages.edit(c.actor, id, seq, std::move(text), std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{{"message", wire::message(*r->message)}});
  }));

  router.add("DELETE", "/api/rooms/{id}/messages/{seq}", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    Seq seq = parse_id(req.params["seq"]);
    if (!id) co_return error_response(unknown_room(req));
    if (!seq) co_return error_response(not_found("message " + param_text(req, "seq") + " not found"));
    auto r = co_await await_result<store::RoomChange>(
        [&](auto cb) { d_.messages.remove(c.actor, id, seq, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{{"message", wire::message(*r->message)}});
  }));

  router.add("POST", "/api/rooms/{id}/read", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    if (!id) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    Seq seq = f.int64("seq");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<store::ReadChange>(
        [&](auto cb) { d_.messages.mark_read(c.actor, id, seq, std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return json_response(200, json::object{{"read_seq", r->new_seq}});
  }));

  router.add("GET", "/api/rooms/{id}/messages/{seq}/readers", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId id = room_param(req);
    Seq seq = parse_id(req.params["seq"]);
    if (!id) co_return error_response(unknown_room(req));
    if (!seq) co_return error_response(not_found("message " + param_text(req, "seq") + " not found"));
    auto page = page_params(req);
    if (!page.ok()) co_return error_response(page.status());
    services::ReaderList which = services::ReaderList::both;
    if (std::string list = req.query_param("list"); list == "read") {
      which = services::ReaderList::read;
    } else if (list == "unread") {
      which = services::ReaderList::unread;
    } else if (!list.empty()) {
      co_return error_response(invalid_argument("list: read or unread"));
    }
    // A cursor belongs to one of the two lists (read_next or unread_next): applied to both,
    // it would skip the other's rows before it.
    if (which == services::ReaderList::both && page->after.user != 0) {
      co_return error_response(invalid_argument("cursor: give list=read or list=unread with it"));
    }
    auto r = d_.messages.readers(c.actor, id, seq, which, page->after, page->limit);
    if (!r.ok()) co_return error_response(r.status());
    auto users = [](const store::MemberPage& p) {
      json::array out;
      out.reserve(p.members.size());
      for (const auto& [u, m] : p.members) out.push_back(wire::user(u));
      return out;
    };
    json::object out{{"read_count", r->read_count}, {"unread_count", r->unread_count}};
    if (which != services::ReaderList::unread) {
      out["read"] = users(r->read);
      out["read_next"] = next_json(r->read);
    }
    if (which != services::ReaderList::read) {
      out["unread"] = users(r->unread);
      out["unread_next"] = next_json(r->unread);
    }
    co_return json_response(200, out);
  }));
}

}  // namespace tonari::api
