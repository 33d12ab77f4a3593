#include "api/api.h"

#include <boost/json.hpp>

#include "api/auth.h"
#include "api/ws_client.h"
#include "core/text_limits.h"
#include "core/wire.h"
#include "log/log.h"

namespace tonari::api {

namespace json = boost::json;

int http_status(Code code) {
  switch (code) {
    case Code::ok: return 200;
    case Code::invalid_json:
    case Code::invalid_argument: return 400;
    case Code::unauthenticated: return 401;
    case Code::csrf_failed:
    case Code::permission_denied: return 403;
    case Code::not_found: return 404;
    case Code::method_not_allowed: return 405;
    case Code::conflict: return 409;
    case Code::payload_too_large: return 413;
    case Code::rate_limited:
    case Code::too_many_connections: return 429;
    case Code::room_full: return 409;
    case Code::quota_exceeded: return 413;
    case Code::zone_forbidden: return 403;
    case Code::file_not_ready: return 409;
    case Code::file_withheld: return 403;
    case Code::offset_mismatch: return 409;
    case Code::range_not_satisfiable: return 416;
    case Code::unavailable: return 503;
    case Code::internal: return 500;
  }
  return 500;
}

http::Response error_response(const Status& st) {
  // Internal details (SQL errors) stay in the log, not in the response.
  std::string message = st.code() == Code::internal ? "internal error" : st.message();
  if (st.retry_after_ms() <= 0) {
    http::Response res = http::json_error(http_status(st.code()), code_name(st.code()), message);
    if (st.code() == Code::internal) res.log_detail = st.message();
    return res;
  }
  // A refusal with a hint: milliseconds in the body, whole seconds (rounded up) in the header.
  // Built here, not by wire::error_body: its guarantee of a valid UTF-8 body is kept by hand.
  if (!text::valid_utf8(message)) message = text::printable(message, message.size());
  json::object error{{"code", code_name(st.code())},
                     {"message", message},
                     {"retry_after_ms", st.retry_after_ms()}};
  http::Response res = json_response(http_status(st.code()), json::object{{"error", std::move(error)}});
  res.headers.emplace_back("Retry-After", std::to_string((st.retry_after_ms() + 999) / 1000));
  res.error_code = code_name(st.code());
  return res;
}

http::Response error_with(const Status& st, json::object extra, json::object beside) {
  if (st.code() == Code::internal || st.retry_after_ms() > 0) return error_response(st);
  json::object error{{"code", code_name(st.code())}, {"message", st.message()}};
  for (auto& [k, v] : extra) error[k] = v;
  beside["error"] = std::move(error);
  http::Response out = json_response(http_status(st.code()), beside);
  out.error_code = code_name(st.code());
  return out;
}

http::Response json_response(int status, const boost::json::object& body) {
  return http::Response{status, boost::json::serialize(body), "application/json; charset=utf-8", {}};
}

http::Handler Api::authed(AuthedHandler h, bool restricted_ok) {
  return [this, h = std::move(h), restricted_ok](http::Request& req) -> boost::asio::awaitable<http::Response> {
    auto caller = authenticate(req, d_.accounts);
    if (!caller.ok()) co_return error_response(caller.status());
    req.user_id = caller->actor.user.id;
    if (Status st = check_zone(req, caller->actor.user); !st.is_ok()) {
      if (!restricted_ok) co_return error_response(st);
      caller->restricted = true;
    }
    if (Status st = check_csrf(req, *caller, d_.config); !st.is_ok()) {
      co_return error_response(st);
    }
    co_return co_await h(req, *caller);
  };
}

void Api::install(http::Router& router) {
  install_session(router);
  install_rooms(router);
  install_messages(router);
  if (d_.files) install_files(router);
  if (d_.reactions && d_.actions && d_.pins) install_collab(router);
  if (d_.notes) install_notes(router);
  if (d_.search) install_search(router);
  if (d_.safety) install_safety(router);
}

http::UpgradeHandler Api::upgrade_handler() {
  return [this](http::Request& req) -> boost::asio::awaitable<http::UpgradeResult> {
    if (req.path != "/api/ws") {
      co_return http::UpgradeResult(http::json_error(404, "not_found", "no WebSocket endpoint here"));
    }
    auto caller = authenticate(req, d_.accounts);
    if (!caller.ok()) co_return http::UpgradeResult(error_response(caller.status()));
    req.user_id = caller->actor.user.id;
    if (Status st = check_zone(req, caller->actor.user); !st.is_ok()) {
      co_return http::UpgradeResult(error_response(st));
    }
    // A browser always sends Origin on WebSocket upgrades; cookies make it mandatory.
    if (Status st = check_origin(req, d_.config, caller->via_cookie); !st.is_ok()) {
      co_return http::UpgradeResult(error_response(st));
    }
    // Refused rather than closing the oldest: predictable, and a device the user still
    // looks at is never cut off by another one connecting.
    const UserId user = caller->actor.user.id;
    bool holds_slot = false;
    if (d_.user_limits) {
      bool log = false;
      auto& slots = d_.user_limits->ws_slots();
      if (!slots.acquire(user, d_.clock.now_ms(), &log)) {
        if (log) {
          log::warn("limits.ws_per_user", {{"user", user}, {"limit", slots.per_user()},
                                            {"remote", req.remote_address}});
        }
        co_return http::UpgradeResult(error_response(
            Status(Code::too_many_connections,
                   "at most " + std::to_string(slots.per_user()) +
                       " open WebSocket connections per user; close one first")));
      }
      holds_slot = true;
    }
    std::shared_ptr<http::WsHandler> h = std::make_shared<WsClient>(
        d_, std::move(caller->actor), holds_slot, req.zone == http::Zone::internet);
    co_return http::UpgradeResult(std::move(h));
  };
}

}  // namespace tonari::api
