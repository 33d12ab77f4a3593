// REST: uploads (resumable, in chunks), files (metadata, content, thumbnail) and the
// municipality's file administration. Who gets what of a file is decided by the Files
// service (services/file_policy.h) on every request; this layer turns it into HTTP.
#include <boost/json.hpp>
#include <charconv>
#include <filesystem>

#include "api/api.h"
#include "api/await.h"
#include "api/fields.h"
#include "api/file_response.h"
#include "core/wire.h"
#include "log/log.h"

namespace tonari::api {

namespace json = boost::json;
using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {

services::Zone zone_of(const Request& req) {
  return req.zone == http::Zone::internet ? services::Zone::internet : services::Zone::lgwan;
}

json::object upload_json(const files::UploadStatus& u, std::int64_t chunk_bytes) {
  return json::object{{"id", u.meta.id},
                      {"offset", u.offset},
                      {"size", u.meta.size},
                      {"chunk_bytes", chunk_bytes}};
}

Response upload_answer(const services::UploadOutcome& o, std::int64_t chunk_bytes, bool created) {
  if (!o.status.is_ok()) {
    if (o.status.code() == Code::offset_mismatch) {
      return error_with(o.status, json::object{{"offset", o.upload.offset}});
    }
    return error_response(o.status);
  }
  json::object body{{"upload", upload_json(o.upload, chunk_bytes)}};
  if (o.file) body["file"] = wire::file(*o.file);
  return json_response(created && o.file ? 201 : 200, body);
}

// The Upload-Offset header: a decimal number of bytes.
std::optional<std::int64_t> upload_offset(const Request& req) {
  std::string_view v = req.header("upload-offset");
  std::int64_t n = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 0) return std::nullopt;
  return n;
}

Response file_refusal(const services::FileAnswer& a) {
  if (a.status.code() == Code::file_withheld && a.file && !a.file->reason.empty()) {
    return error_with(a.status, json::object{{"reason", a.file->reason}});
  }
  return error_response(a.status);
}

}  // namespace

void Api::install_files(http::Router& router) {
  services::Files& files = *d_.files;

  router.add("POST", "/api/rooms/{id}/uploads", authed([this, &files](Request& req, const Caller& c) -> awaitable<Response> {
    RoomId room = room_param(req);
    if (!room) co_return error_response(unknown_room(req));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    services::NewUpload u{room, f.str("name"), f.int64("size"), f.str("type", false)};
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto r = co_await await_result<files::UploadStatus>([&](auto cb) {
      files.create_upload(c.actor, zone_of(req), std::move(u), std::move(cb));
    });
    if (!r.ok()) {
      // The limit in bytes too, for the client's message (上限 N MB).
      if (r.status().code() == Code::payload_too_large) {
        co_return error_with(r.status(), json::object{{"max_bytes", files.max_file_bytes(c.actor.user.tenant)}});
      }
      co_return error_response(r.status());
    }
    co_return json_response(201, json::object{{"upload", upload_json(*r, files.chunk_bytes())}});
  }));

  router.add("PUT", "/api/uploads/{uid}", authed([&files](Request& req, const Caller& c) -> awaitable<Response> {
    auto offset = upload_offset(req);
    if (!offset) co_return error_response(invalid_argument("Upload-Offset: the number of bytes sent before this chunk"));
    auto o = co_await await_result<services::UploadOutcome>([&](auto cb) {
      files.put_chunk(c.actor, zone_of(req), req.params["uid"], *offset, std::move(req.body),
                      [cb = std::move(cb)](services::UploadOutcome o) mutable { cb(std::move(o)); });
    });
    co_return upload_answer(*o, files.chunk_bytes(), true);
  }));

  router.add("GET", "/api/uploads/{uid}", authed([&files](Request& req, const Caller& c) -> awaitable<Response> {
    auto o = co_await await_result<services::UploadOutcome>([&](auto cb) {
      files.upload_status(c.actor, zone_of(req), req.params["uid"],
                          [cb = std::move(cb)](services::UploadOutcome o) mutable { cb(std::move(o)); });
    });
    co_return upload_answer(*o, files.chunk_bytes(), false);
  }));

  router.add("DELETE", "/api/uploads/{uid}", authed([&files](Request& req, const Caller& c) -> awaitable<Response> {
    auto r = co_await await_result<bool>(
        [&](auto cb) { files.cancel_upload(c.actor, zone_of(req), req.params["uid"], std::move(cb)); });
    if (!r.ok()) co_return error_response(r.status());
    co_return Response{204, "", "application/json; charset=utf-8", {}};
  }));

  router.add("GET", "/api/files/{id}", authed([&files](Request& req, const Caller& c) -> awaitable<Response> {
    const FileId id = parse_id(req.params["id"]);
    if (!id) co_return error_response(not_found("file " + param_text(req, "id") + " not found"));
    auto a = files.access(c.actor, zone_of(req), id, services::FileWhat::metadata);
    if (!a.status.is_ok()) co_return file_refusal(a);
    co_return json_response(200, json::object{{"file", wire::file(*a.file)}});
  }));

  // The bytes of a file for the caller's zone (content, or the thumbnail): the blob the
  // Files service chose, streamed by the server, with the headers that keep a browser
  // from running or sniffing it.
  auto send_file = [&files](Request& req, const Caller& c, bool thumbnail) -> Response {
    const FileId id = parse_id(req.params["id"]);
    if (!id) return error_response(not_found("file " + param_text(req, "id") + " not found"));
    const auto what = thumbnail ? services::FileWhat::thumbnail
                      : req.query_param("inline") == "1" ? services::FileWhat::inline_view
                                                         : services::FileWhat::content;
    auto a = files.access(c.actor, zone_of(req), id, what);
    if (!a.status.is_ok()) return file_refusal(a);
    auto path = files.blob_path(a.serve.sha256);
    std::error_code ec;
    const std::uint64_t size = path.ok() ? std::filesystem::file_size(*path, ec) : 0;
    if (!path.ok() || ec) {
      Response res = error_response(internal_error("blob missing"));
      res.log_detail = "file " + std::to_string(id) + ": blob " + a.serve.sha256 + " cannot be read";
      return res;
    }
    const std::string etag = "\"" + a.serve.sha256 + "\"";
    Response res;
    res.content_type = a.serve.type;
    res.headers = {{"ETag", etag},
                   {"Cache-Control", "private, no-cache"},
                   {"Content-Security-Policy", "default-src 'none'; sandbox"},
                   {"Accept-Ranges", "bytes"}};
    if (!thumbnail) {
      res.headers.emplace_back("Content-Disposition", content_disposition(a.serve.as_inline, a.serve.name));
    }
    if (std::string_view inm = req.header("if-none-match"); !inm.empty() && etag_matches(inm, etag)) {
      res.status = 304;
      return res;
    }
    ByteRange range{0, size};
    std::string_view if_range = req.header("if-range");
    if (auto r = parse_range(req.header("range"), size); r && (if_range.empty() || if_range == etag)) {
      if (!r->ok()) {
        Response bad = error_response(r->status());
        bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return bad;
      }
      range = **r;
      res.status = 206;
      res.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.offset) + "-" +
                                                    std::to_string(range.offset + range.length - 1) +
                                                    "/" + std::to_string(size));
    }
    res.file = http::FileSlice{path->string(), range.offset, range.length};
    return res;
  };

  router.add("GET", "/api/files/{id}/content", authed([send_file](Request& req, const Caller& c) -> awaitable<Response> {
    co_return send_file(req, c, false);
  }));
  router.add("GET", "/api/files/{id}/thumbnail", authed([send_file](Request& req, const Caller& c) -> awaitable<Response> {
    co_return send_file(req, c, true);
  }));

  router.add("GET", "/api/admin/file-policy", authed([&files](Request&, const Caller& c) -> awaitable<Response> {
    auto p = files.policy(c.actor);
    if (!p.ok()) co_return error_response(p.status());
    co_return json_response(200, json::object{{"policy", json::parse(services::file_policy_json(*p))}});
  }));

  router.add("PUT", "/api/admin/file-policy", authed([&files](Request& req, const Caller& c) -> awaitable<Response> {
    auto p = co_await await_result<services::FilePolicy>(
        [&](auto cb) { files.set_policy(c.actor, req.body, std::move(cb)); });
    if (!p.ok()) co_return error_response(p.status());
    co_return json_response(200, json::object{{"policy", json::parse(services::file_policy_json(*p))}});
  }));

  router.add("PUT", "/api/admin/users/{id}/internet", authed([this, &files](Request& req, const Caller& c) -> awaitable<Response> {
    const UserId id = parse_id(req.params["id"]);
    if (!id) co_return error_response(not_found("user " + param_text(req, "id") + " not found"));
    auto body = parse_object(req.body);
    if (!body.ok()) co_return error_response(body.status());
    Fields f(*body);
    if (!f.has("allowed")) co_return error_response(invalid_argument("allowed: is required"));
    const bool allowed = f.boolean("allowed");
    if (!f.status().is_ok()) co_return error_response(f.status());
    auto u = co_await await_result<User>(
        [&](auto cb) { files.set_internet_allowed(c.actor, id, allowed, std::move(cb)); });
    if (!u.ok()) co_return error_response(u.status());
    // This node's Internet-zone connections of the user end now; the other nodes' when
    // they act on the revocation the store appended (within a second).
    if (!allowed) {
      for (const auto& conn : d_.hub.connections_of(id)) conn->recheck_session();
    }
    co_return json_response(200, json::object{{"user", wire::user(*u)}, {"internet_allowed", u->internet_allowed}});
  }));
}

}  // namespace tonari::api
