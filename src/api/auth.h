// Request authentication: session cookie or bearer token, CSRF token and Origin checks.
#pragma once

#include "api/api.h"

namespace tonari::api {

inline constexpr const char* kSessionCookie = "tonari_session";
// Over https: a browser keeps a `__Host-` cookie only if it is Secure, has Path=/ and no
// Domain, so no other host (a sibling subdomain) can set or shadow it.
inline constexpr const char* kHttpsSessionCookie = "__Host-tonari_session";

// The session cookie's name for `req`: kHttpsSessionCookie when it came over https
// (Request::https), else kSessionCookie. Only that one is read.
const char* session_cookie_name(const http::Request& req);
// The Set-Cookie value that keeps `token` for `max_age_seconds` (HttpOnly, SameSite=Strict,
// Path=/; Secure over https); an empty token and 0 clear it.
std::string session_cookie(const http::Request& req, std::string_view token, long max_age_seconds);

// The caller of `req`, from `Authorization: Bearer` or the session cookie.
Result<Caller> authenticate(const http::Request& req, services::Accounts& accounts);
// ok if `req` may change state: bearer requests always; cookie requests need a matching
// X-CSRF-Token and (if present) an allowed Origin.
Status check_csrf(const http::Request& req, const Caller& caller, const ApiConfig& config);
// ok if the Origin header is absent (only when !required) or names this server or an
// allowed origin.
Status check_origin(const http::Request& req, const ApiConfig& config, bool required);

}  // namespace tonari::api
