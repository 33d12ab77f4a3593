#include "core/status.h"

namespace tonari {

const char* code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_json: return "invalid_json";
    case Code::invalid_argument: return "invalid_argument";
    case Code::unauthenticated: return "unauthenticated";
    case Code::csrf_failed: return "csrf_failed";
    case Code::permission_denied: return "permission_denied";
    case Code::not_found: return "not_found";
    case Code::method_not_allowed: return "method_not_allowed";
    case Code::conflict: return "conflict";
    case Code::payload_too_large: return "payload_too_large";
    case Code::rate_limited: return "rate_limited";
    case Code::too_many_connections: return "too_many_connections";
    case Code::room_full: return "room_full";
    case Code::quota_exceeded: return "quota_exceeded";
    case Code::zone_forbidden: return "zone_forbidden";
    case Code::file_not_ready: return "file_not_ready";
    case Code::file_withheld: return "file_withheld";
    case Code::offset_mismatch: return "offset_mismatch";
    case Code::range_not_satisfiable: return "range_not_satisfiable";
    case Code::unavailable: return "unavailable";
    case Code::internal: return "internal";
  }
  return "internal";
}

}  // namespace tonari
