// Request authentication: session cookie or bearer token, CSRF token and Origin checks.
#pragma once

#include "api/api.h"

namespace tonari::api {

inline constexpr const char* kSessionCookie = "tonari_session";
// The known-device cookie (services/known_devices.h): outlives the session.
inline constexpr const char* kDeviceCookie = "tonari_device";

// The name of tonari's cookie `base` (kSessionCookie, kDeviceCookie) for `req`: over https
// (Request::https) `__Host-` + base, which a browser keeps only if it is Secure, has Path=/
// and no Domain, so no other host (a sibling subdomain) can set or shadow it; else `base`.
// Only the name for the request's scheme is read.
std::string cookie_name(const http::Request& req, std::string_view base);
// The Set-Cookie value that keeps `value` in cookie `base` for `max_age_seconds` (HttpOnly,
// SameSite=Strict, Path=/; Secure over https); an empty value and 0 clear it.
std::string set_cookie(const http::Request& req, std::string_view base, std::string_view value,
                       long max_age_seconds);

// The caller of `req`, from `Authorization: Bearer` or the session cookie.
Result<Caller> authenticate(const http::Request& req, services::Accounts& accounts);
// ok if `req` may change state: bearer requests always; cookie requests need a matching
// X-CSRF-Token and (if present) an allowed Origin.
Status check_csrf(const http::Request& req, const Caller& caller, const ApiConfig& config);
// ok unless `req` came through an Internet-zone listener and `user` may not use that zone
// (zone_forbidden).
Status check_zone(const http::Request& req, const User& user);
// ok if the Origin header is absent (only when !required) or names this server or an
// allowed origin.
Status check_origin(const http::Request& req, const ApiConfig& config, bool required);

}  // namespace tonari::api
