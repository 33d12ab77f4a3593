// Server: the listeners (one per address, each with its zone), the HTTP/1.1 sessions on
// them and the upgrade of /api/ws to WebSocket. Runs on the io_context it is given.
// Thread safety: construct and start() from one thread; then it runs on the io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "http/edge.h"
#include "http/router.h"
#include "http/ws_session.h"

namespace tonari::http {

struct ListenerConfig {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  Zone zone = Zone::lgwan;
};

// Requests whose body has a limit of its own instead of max_body_bytes: those with this
// method and a path starting with `path_prefix`, where a segment "*" stands for any one
// segment (the upload chunks, PUT /api/uploads/...; notes, /api/rooms/*/notes).
struct LargeBodyRoute {
  std::string method;
  std::string path_prefix;
  std::size_t max_body_bytes = 0;
};

struct ServerLimits {
  std::size_t max_body_bytes = 1 << 20;
  std::vector<LargeBodyRoute> large_bodies;
  std::size_t max_header_bytes = 16 * 1024;
  int request_timeout_seconds = 60;
  // Open connections (HTTP and WebSocket) on all listeners, and from one peer address (the
  // TCP peer's, also behind a proxy). 0: no cap. Over a cap a new connection gets 503
  // unavailable with Retry-After, then is closed.
  std::size_t max_connections = 100000;
  std::size_t max_connections_per_address = 25000;
  WsLimits ws;
  EdgeConfig edge;  // trusted proxies, https
  // Threads running the io_context (0: not known). With exactly one, every handler already
  // runs in turn, so connections use the io_context's executor instead of a strand each.
  int io_threads = 0;
};

// The answer to a WebSocket upgrade request: a handler to run the connection, or a refusal.
using UpgradeResult = std::variant<std::shared_ptr<WsHandler>, Response>;
using UpgradeHandler = std::function<boost::asio::awaitable<UpgradeResult>(Request&)>;

struct ServerStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::int64_t> open_http{0};
  std::atomic<std::int64_t> open_ws{0};
  std::atomic<std::uint64_t> slow_consumer_closes{0};
  std::atomic<std::uint64_t> refused_connections{0};  // over max_connections(_per_address)
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, const Router& router, UpgradeHandler upgrade,
         ServerLimits limits);

  // Binds every listener (throws on failure: start-up only) and starts accepting.
  // Returns the bound endpoints as "address:port" (port 0 resolved), in order.
  std::vector<std::string> start(const std::vector<ListenerConfig>& listeners);
  // Stops accepting (open connections finish or are cut when the io_context stops).
  void stop();

  ServerStats& stats() { return *stats_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::shared_ptr<ServerStats> stats_;
};

}  // namespace tonari::http
