// The API layer: REST routes and the WebSocket protocol of docs/api.md, translating JSON to
// service calls and results back to JSON — nothing else. Authentication (cookie + CSRF +
// Origin, or bearer token) is checked here before any service call; permissions are decided
// by the services' policies.
// Thread safety: handlers run concurrently on the I/O threads.
#pragma once

#include <atomic>
#include <optional>
#include <unordered_map>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "http/router.h"
#include "http/server.h"
#include "realtime/hub.h"
#include "services/accounts.h"
#include "services/acks.h"
#include "services/actions.h"
#include "services/files.h"
#include "services/messages.h"
#include "services/notes.h"
#include "services/pins.h"
#include "services/reactions.h"
#include "services/rooms.h"
#include "services/safety.h"
#include "services/search.h"

namespace tonari::api {

struct ApiConfig {
  // Origins besides the server's own (scheme://host[:port] of the Host header) that may
  // send cookie-authenticated requests, e.g. a reverse proxy's public name.
  std::vector<std::string> allowed_origins;
  std::size_t max_inflight_sends = 256;  // per WebSocket connection
};

struct ApiMetrics {
  std::atomic<std::uint64_t> messages_posted{0};
  std::atomic<std::uint64_t> logins_ok{0};
  std::atomic<std::uint64_t> logins_failed{0};
  std::atomic<std::uint64_t> ws_frames_in{0};
};

struct Deps {
  services::Accounts& accounts;
  services::Rooms& rooms;
  services::Messages& messages;
  realtime::Hub& hub;
  bus::Bus& bus;
  const Clock& clock;
  ApiConfig config;
  ApiMetrics metrics;
  // Per-user limits (WebSockets per user); null: none.
  services::UserLimits* user_limits = nullptr;
  // This node's id in the cluster (Store::claim_node_id): the high bits of its connections'
  // tags (bus::Event::origin). 0: a process alone (tests).
  std::int64_t node_id = 0;
  // Uploads and files (rest_files.cc); null: no file routes (tests).
  services::Files* files = nullptr;
  // Reactions, action stamps and pins (rest_collab.cc), notes (rest_notes.cc); null: none
  // of those routes (tests).
  services::Reactions* reactions = nullptr;
  services::Actions* actions = nullptr;
  services::Notes* notes = nullptr;
  services::Pins* pins = nullptr;
  // Full-text search (rest_search.cc); null: no search route (tests).
  services::Search* search = nullptr;
  // 安否確認 (rest_safety.cc); null: none of those routes (tests).
  services::Safety* safety = nullptr;
  // 確認必須 acknowledgements (rest_collab.cc); null: none of those routes (tests).
  services::Acks* acks = nullptr;
};

// The body limit of the note routes (a note's 30,000 characters, as JSON): the server's
// LargeBodyRoute for POST and PUT under /api/rooms/*/notes.
inline constexpr std::size_t kNoteBodyBytes = 256 * 1024;

// The authenticated caller of a REST request.
struct Caller {
  services::Actor actor;
  bool via_cookie = false;
  // Through an Internet-zone listener without Internet use (利用制限): only the routes
  // that allow it (authed's `restricted_ok`: answering a 安否確認) get such a caller.
  bool restricted = false;
};

using AuthedHandler =
    std::function<boost::asio::awaitable<http::Response>(http::Request&, const Caller&)>;

class Api {
 public:
  explicit Api(Deps& deps) : d_(deps) {}

  // Registers every REST route of docs/api.md.
  void install(http::Router& router);
  // Authenticates and checks the Origin of a WebSocket upgrade.
  http::UpgradeHandler upgrade_handler();

 private:
  void install_session(http::Router& router);
  void install_rooms(http::Router& router);
  void install_messages(http::Router& router);
  void install_files(http::Router& router);
  void install_collab(http::Router& router);
  void install_notes(http::Router& router);
  void install_search(http::Router& router);
  void install_safety(http::Router& router);
  // Wraps `h` with authentication and, for unsafe methods, the CSRF and Origin checks.
  // `restricted_ok`: a user whose Internet use is restricted may call it through the
  // Internet zone (Caller::restricted tells the handler, which narrows what it does).
  http::Handler authed(AuthedHandler h, bool restricted_ok = false);

  Deps& d_;
};

// Users as docs/api.md shows them, their department with its path (総務部/総務課/庶務係):
// the municipality's departments are read once, when the first user with one comes.
class UserJson {
 public:
  UserJson(services::Accounts& accounts, TenantId tenant) : accounts_(accounts), tenant_(tenant) {}
  boost::json::object operator()(const User& u);

 private:
  services::Accounts& accounts_;
  TenantId tenant_;
  std::optional<std::unordered_map<DeptId, std::string>> paths_;
};

// JSON error response for a non-ok status, with the status's HTTP code.
http::Response error_response(const Status& st);
// The error response of `st` with more fields in its error object (`extra`: an upload's
// offset, a conflict's reason) and beside it (`beside`: e.g. the state the conflict was
// about). As error_response for internal errors and refusals with a retry hint.
http::Response error_with(const Status& st, boost::json::object extra,
                          boost::json::object beside = {});
int http_status(Code code);
http::Response json_response(int status, const boost::json::object& body);

}  // namespace tonari::api
