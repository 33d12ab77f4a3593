#include "api/auth.h"

#include "core/text_limits.h"
#include "services/crypto.h"

namespace tonari::api {

Result<Caller> authenticate(const http::Request& req, services::Accounts& accounts) {
  std::string_view authz = req.header("authorization");
  if (authz.size() > 7 && (authz.substr(0, 7) == "Bearer " || authz.substr(0, 7) == "bearer ")) {
    auto a = accounts.authenticate(authz.substr(7));
    if (!a.ok()) return a.status();
    return Caller{std::move(*a), false};
  }
  std::string token = req.cookie(cookie_name(req, kSessionCookie));
  if (token.empty()) return unauthenticated("not logged in");
  auto a = accounts.authenticate(token);
  if (!a.ok()) return a.status();
  return Caller{std::move(*a), true};
}

std::string cookie_name(const http::Request& req, std::string_view base) {
  return (req.https ? "__Host-" : "") + std::string(base);
}

std::string set_cookie(const http::Request& req, std::string_view base, std::string_view value,
                       long max_age_seconds) {
  std::string c = cookie_name(req, base) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (req.https) c += "; Secure";
  return c;
}

Status check_zone(const http::Request& req, const User& user) {
  if (req.zone == http::Zone::internet && !user.internet_allowed) return services::internet_restricted();
  return Status::ok();
}

Status check_origin(const http::Request& req, const ApiConfig& config, bool required) {
  std::string_view origin = req.header("origin");
  if (origin.empty()) {
    return required ? Status(Code::csrf_failed, "missing Origin header") : Status::ok();
  }
  std::string_view host = req.header("host");
  if (!host.empty() &&
      (origin == "http://" + std::string(host) || origin == "https://" + std::string(host))) {
    return Status::ok();
  }
  for (const auto& allowed : config.allowed_origins) {
    if (origin == allowed) return Status::ok();
  }
  return Status(Code::csrf_failed, "origin " + text::printable(origin) + " is not allowed");
}

Status check_csrf(const http::Request& req, const Caller& caller, const ApiConfig& config) {
  if (!caller.via_cookie) return Status::ok();
  if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return Status::ok();
  TONARI_RETURN_IF_ERROR(check_origin(req, config, false));
  std::string_view token = req.header("x-csrf-token");
  if (token.empty() || !services::equal_secret(token, caller.actor.csrf)) {
    return Status(Code::csrf_failed, "missing or wrong X-CSRF-Token header");
  }
  return Status::ok();
}

}  // namespace tonari::api
