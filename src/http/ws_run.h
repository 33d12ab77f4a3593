// Internal to the http module: runs an upgraded connection as a WebSocket session.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "http/server.h"
#include "http/ws_keepalive.h"
#include "http/ws_session.h"

namespace tonari::http {

// Starts the session (handshake, then its read and write chains) and returns at once; the
// session keeps itself alive until the connection ends, and `lease` (the connection's
// count under the server's caps) with it.
void start_websocket(
    boost::beast::tcp_stream stream,
    std::unique_ptr<boost::beast::http::request<boost::beast::http::string_body>> req,
    std::shared_ptr<WsHandler> handler, WsLimits limits, std::shared_ptr<ServerStats> stats,
    std::shared_ptr<Keepalive> keepalive, std::shared_ptr<const void> lease);

}  // namespace tonari::http
