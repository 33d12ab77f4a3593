// REST: full-text search (GET /api/search).
#include <boost/json.hpp>

#include "api/api.h"
#include "api/fields.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

const char* hit_kind_name(store::SearchHit::Kind k) {
  switch (k) {
    case store::SearchHit::Kind::message: return "message";
    case store::SearchHit::Kind::note: return "note";
    case store::SearchHit::Kind::file: return "file";
  }
  return "message";
}

json::array pieces_json(const std::vector<search::SnippetPiece>& pieces) {
  json::array out;
  out.reserve(pieces.size());
  for (const auto& p : pieces) out.push_back(json::object{{"text", p.text}, {"hit", p.hit}});
  return out;
}

json::object result_json(const services::SearchResult& r) {
  const store::SearchHit& h = r.hit;
  json::object o{{"kind", hit_kind_name(h.kind)},
                 {"room", json::object{{"id", h.room},
                                       {"name", r.room_name},
                                       {"kind", room_kind_name(r.room_kind)}}}};
  switch (h.kind) {
    case store::SearchHit::Kind::message:
      o["seq"] = h.seq;
      break;
    case store::SearchHit::Kind::note:
      o["note"] = h.note;
      o["title"] = pieces_json(r.title);
      break;
    case store::SearchHit::Kind::file:
      o["seq"] = h.seq;
      o["file"] = json::object{{"id", h.file}, {"name", h.title}};
      o["title"] = pieces_json(r.title);
      break;
  }
  o["sender"] = json::object{{"id", h.sender}, {"name", h.sender_name}};
  o["at"] = h.at;
  o["snippet"] = pieces_json(r.snippet);
  return o;
}

// The parameters of GET /api/search; invalid_argument naming the one that is wrong.
Result<services::SearchParams> search_params(const Request& req) {
  services::SearchParams p;
  p.q = req.query_param("q");
  // An optional id, time or count: absent keeps its default; present, a decimal >= 0.
  auto num = [&](const char* key, std::int64_t& out) {
    const std::string v = req.query_param(key);
    if (v.empty()) return true;
    out = parse_id(v);
    return out > 0 || v == "0";
  };
  std::int64_t limit = 30;
  if (!num("room", p.room)) return invalid_argument("room: a room id");
  if (!num("sender", p.sender)) return invalid_argument("sender: a user id");
  if (!num("from", p.from) || !num("to", p.to)) {
    return invalid_argument("from, to: times in ms since the epoch");
  }
  if (!num("limit", limit) || limit < 1 || limit > 100) return invalid_argument("limit: 1 to 100");
  p.limit = static_cast<int>(limit);
  using Kind = store::SearchQuery::Kind;
  if (const std::string k = req.query_param("kind"); k.empty() || k == "all") {
    p.kind = Kind::all;
  } else if (k == "messages") {
    p.kind = Kind::messages;
  } else if (k == "notes") {
    p.kind = Kind::notes;
  } else if (k == "files") {
    p.kind = Kind::files;
  } else {
    return invalid_argument("kind: all, messages, notes or files");
  }
  if (const std::string h = req.query_param("has"); h == "file") {
    p.has_file = true;
  } else if (!h.empty()) {
    return invalid_argument("has: file");
  }
  if (const std::string o = req.query_param("order"); o == "relevance") {
    p.relevance = true;
  } else if (!o.empty() && o != "newest") {
    return invalid_argument("order: newest or relevance");
  }
  p.after = req.query_param("after");
  return p;
}

services::Zone zone_of(const Request& req) {
  return req.zone == http::Zone::internet ? services::Zone::internet : services::Zone::lgwan;
}

}  // namespace

void Api::install_search(http::Router& router) {
  router.add("GET", "/api/search", authed([this](Request& req, const Caller& c) -> awaitable<Response> {
    auto p = search_params(req);
    if (!p.ok()) co_return error_response(p.status());
    auto r = d_.search->search(c.actor, zone_of(req), *p);
    if (!r.ok()) co_return error_response(r.status());
    json::array results;
    results.reserve(r->results.size());
    for (const auto& one : r->results) results.push_back(result_json(one));
    co_return json_response(200, json::object{{"results", std::move(results)},
                                              {"next", r->next.empty() ? json::value(nullptr)
                                                                       : json::value(r->next)}});
  }));
}

}  // namespace tonari::api
