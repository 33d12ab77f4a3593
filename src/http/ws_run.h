// Internal to the http module: runs an upgraded connection as a WebSocket session.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "http/server.h"
#include "http/ws_keepalive.h"
#include "http/ws_session.h"

namespace tonari::http {

// Who a connection is, for its log lines (the upgrade request's).
struct WsOrigin {
  std::string request_id;
  std::string client;
  Zone zone = Zone::lgwan;
  std::int64_t user_id = 0;
};

// Bytes a client may send after its upgrade request before it has the answer (frames in
// the same packet): they go into the WebSocket stream's own read buffer (1,536 bytes in
// Beast, with the handshake request it is replayed behind). More is refused with 400.
inline constexpr std::size_t kMaxEarlyWsBytes = 1024;

// Starts the session (handshake, then its read and write chains) and returns at once; the
// session keeps itself alive until the connection ends, and `lease` (the connection's
// count under the server's caps) with it. `early`: bytes read past the upgrade request (at
// most kMaxEarlyWsBytes), the start of the first frames.
void start_websocket(
    boost::beast::tcp_stream stream,
    std::unique_ptr<boost::beast::http::request<boost::beast::http::string_body>> req,
    std::string early, std::shared_ptr<WsHandler> handler, WsLimits limits,
    std::shared_ptr<ServerStats> stats, std::shared_ptr<Keepalive> keepalive, WsOrigin origin,
    std::shared_ptr<const void> lease);

}  // namespace tonari::http
