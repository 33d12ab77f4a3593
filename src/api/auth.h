// Request authentication: session cookie or bearer token, CSRF token and Origin checks.
#pragma once

#include "api/api.h"

namespace tonari::api {

inline constexpr const char* kSessionCookie = "tonari_session";

// The caller of `req`, from `Authorization: Bearer` or the session cookie.
Result<Caller> authenticate(const http::Request& req, services::Accounts& accounts);
// ok if `req` may change state: bearer requests always; cookie requests need a matching
// X-CSRF-Token and (if present) an allowed Origin.
Status check_csrf(const http::Request& req, const Caller& caller, const ApiConfig& config);
// ok if the Origin header is absent (only when !required) or names this server or an
// allowed origin.
Status check_origin(const http::Request& req, const ApiConfig& config, bool required);

}  // namespace tonari::api
