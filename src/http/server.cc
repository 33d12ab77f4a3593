#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "http/connection_caps.h"
#include "http/ws_run.h"
#include "log/log.h"

namespace tonari::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

Request to_request(const bhttp::request<bhttp::string_body>& r, Zone zone,
                   const std::string& remote) {
  Request req;
  req.method = std::string(r.method_string());
  std::string_view target = r.target();
  std::size_t q = target.find('?');
  req.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  req.body = r.body();
  for (const auto& f : r) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.zone = zone;
  req.remote_address = remote;
  return req;
}

bhttp::response<bhttp::string_body> to_beast(Response&& res, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  out.set(bhttp::field::server, "tonari");
  out.set(bhttp::field::content_type, res.content_type);
  // Defaults for every response; handlers may add their own (e.g. caching for assets).
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Frame-Options", "DENY");
  out.set("Referrer-Policy", "same-origin");
  bool has_cache_control = false;
  for (auto& [k, v] : res.headers) {
    has_cache_control |= beast::iequals(k, "cache-control");
    out.insert(k, v);
  }
  if (!has_cache_control) out.set(bhttp::field::cache_control, "no-store");
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  asio::io_context& ioc;
  const Router& router;
  UpgradeHandler upgrade;
  ServerLimits limits;
  std::shared_ptr<ServerStats> stats;
  std::shared_ptr<Keepalive> keepalive;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::shared_ptr<ConnectionCaps> caps;
  std::atomic<int> refusing{0};  // connections being answered 503 now

  Impl(asio::io_context& i, const Router& r, UpgradeHandler u, ServerLimits l,
       std::shared_ptr<ServerStats> s)
      : ioc(i), router(r), upgrade(std::move(u)), limits(l), stats(std::move(s)),
        keepalive(std::make_shared<Keepalive>(
            i, std::chrono::milliseconds(std::int64_t{l.ws.idle_timeout_seconds} * 1000))),
        caps(std::make_shared<ConnectionCaps>(l.max_connections, l.max_connections_per_address)) {}

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acc, Zone zone) {
    auto self = shared_from_this();
    for (;;) {
      // With one I/O thread every handler already runs in turn: no strand per connection.
      // (The executor is chosen outside the co_await: GCC 12 mishandles conditional
      // operators and temporaries in a co_await's full expression.)
      tcp::socket sock(limits.io_threads == 1 ? asio::any_io_executor(ioc.get_executor())
                                              : asio::any_io_executor(asio::make_strand(ioc)));
      auto [ec] = co_await acc->async_accept(sock, use_tuple);
      if (ec) {
        if (!acc->is_open() || ec == asio::error::operation_aborted) co_return;
        // Out of file descriptors and the like: back off instead of spinning.
        asio::steady_timer t(acc->get_executor(), std::chrono::milliseconds(50));
        co_await t.async_wait(use_tuple);
        continue;
      }
      auto lease = admit(sock);
      if (!lease) continue;
      // Small frames (acks, events) must not wait for Nagle's algorithm and delayed ACKs.
      beast::error_code opt_ec;
      sock.set_option(tcp::no_delay(true), opt_ec);
      auto ex = sock.get_executor();
      asio::co_spawn(ex, session(std::move(sock), zone, std::move(lease)), asio::detached);
    }
  }

  // The connection's place under the caps, or null: then it has been answered 503 (or,
  // while many refusals are still being answered, closed at once).
  std::shared_ptr<const void> admit(tcp::socket& sock) {
    beast::error_code ec;
    const auto peer = sock.remote_endpoint(ec);
    if (ec) return nullptr;  // already gone
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
    auto a = caps->admit(peer.address(), now_ms);
    if (a.lease) return std::move(a.lease);
    stats->refused_connections.fetch_add(1, std::memory_order_relaxed);
    const bool total = a.refused == ConnectionCaps::Refusal::total;
    if (a.log) {
      log::warn("limits.connections_refused",
                {{"remote", peer.address().to_string()},
                 {"cap", total ? "max_connections" : "max_connections_per_address"},
                 {"limit", total ? limits.max_connections : limits.max_connections_per_address},
                 {"open", caps->open()}});
    }
    // Answering costs a socket for up to a second: past a few hundred at once (a flood),
    // the rest are closed without an answer.
    if (refusing.load() >= 256) {
      sock.close(ec);
      return nullptr;
    }
    auto ex = sock.get_executor();
    asio::co_spawn(ex, refuse_connection(std::move(sock), total), asio::detached);
    return nullptr;
  }

  // Answers a connection over a cap without reading its request: 503 with Retry-After, a
  // half-close, and a short drain so that the client reads the answer, not a reset.
  asio::awaitable<void> refuse_connection(tcp::socket sock, bool total) {
    auto self = shared_from_this();
    refusing.fetch_add(1);
    beast::tcp_stream stream(std::move(sock));
    stream.expires_after(std::chrono::seconds(1));
    Response res = json_error(503, "unavailable",
                              total ? "the server has too many open connections; try again later"
                                    : "too many open connections from this address; try again later");
    res.headers.emplace_back("Retry-After", "5");
    auto out = to_beast(std::move(res), 11, false);
    auto [wec, wn] = co_await bhttp::async_write(stream, out, use_tuple);
    if (!wec) {
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      std::array<char, 4096> sink;
      for (std::size_t drained = 0; drained < (64u << 10);) {
        auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (rec) break;
        drained += n;
      }
    }
    refusing.fetch_sub(1);
  }

  // Writes `res`, then half-closes and drains what the client is still sending for a
  // moment, so that it reads the response instead of a connection reset.
  asio::awaitable<void> refuse(beast::tcp_stream& stream, Response res) {
    auto out = to_beast(std::move(res), 11, false);
    co_await bhttp::async_write(stream, out, use_tuple);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    std::size_t drained = 0;
    while (drained < (64u << 20)) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      if (rec) break;
      drained += n;
    }
  }

  asio::awaitable<void> session(tcp::socket sock, Zone zone, std::shared_ptr<const void> lease) {
    auto self = shared_from_this();
    std::string remote;
    {
      beast::error_code ec;
      auto ep = sock.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    stats->open_http.fetch_add(1);
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      stream.expires_after(std::chrono::seconds(limits.request_timeout_seconds));
      auto [ec, n] = co_await bhttp::async_read(stream, buf, parser, use_tuple);
      if (ec == bhttp::error::body_limit) {
        co_await refuse(stream, json_error(413, "payload_too_large",
                                           "request body over " +
                                               std::to_string(limits.max_body_bytes) + " bytes"));
        break;
      }
      if (ec == bhttp::error::header_limit) {
        co_await refuse(stream, json_error(431, "invalid_argument", "request headers too large"));
        break;
      }
      if (ec) {
        const auto& http_errors = beast::error_code(bhttp::error::end_of_stream).category();
        if (ec.category() == http_errors && ec != bhttp::error::end_of_stream &&
            ec != bhttp::error::partial_message) {
          co_await refuse(stream, json_error(400, "invalid_argument", "malformed HTTP request"));
        }
        break;
      }
      stats->requests.fetch_add(1);
      auto& breq = parser.get();
      Request req = to_request(breq, zone, remote);

      if (beast::websocket::is_upgrade(breq)) {
        UpgradeResult up = json_error(500, "internal", "internal error");
        try {
          up = co_await upgrade(req);
        } catch (const std::exception&) {
        }
        if (auto* h = std::get_if<std::shared_ptr<WsHandler>>(&up)) {
          stream.expires_never();
          stats->open_http.fetch_sub(1);
          // The WebSocket session lives on its own (completion handlers, no coroutine), so
          // that this coroutine (its parser and buffer) ends here: an idle connection keeps
          // only what it needs.
          start_websocket(std::move(stream),
                          std::make_unique<bhttp::request<bhttp::string_body>>(parser.release()),
                          *h, limits.ws, stats, keepalive, std::move(lease));
          co_return;
        }
        auto out = to_beast(std::move(std::get<Response>(up)), breq.version(), false);
        co_await bhttp::async_write(stream, out, use_tuple);
        break;
      }

      Response res;
      try {
        res = co_await router.dispatch(req);
      } catch (const std::exception& e) {
        res = json_error(500, "internal", "internal error");
      }
      const bool keep = breq.keep_alive();
      auto out = to_beast(std::move(res), breq.version(), keep);
      if (breq.method() == bhttp::verb::head) out.body().clear();  // Content-Length stays
      auto [wec, wn] = co_await bhttp::async_write(stream, out, use_tuple);
      if (wec || !keep) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stats->open_http.fetch_sub(1);
  }
};

Server::Server(asio::io_context& ioc, const Router& router, UpgradeHandler upgrade,
               ServerLimits limits)
    : stats_(std::make_shared<ServerStats>()) {
  impl_ = std::make_shared<Impl>(ioc, router, std::move(upgrade), limits, stats_);
}

std::vector<std::string> Server::start(const std::vector<ListenerConfig>& listeners) {
  std::vector<std::string> bound;
  for (const auto& l : listeners) {
    tcp::endpoint ep(asio::ip::make_address(l.address), l.port);
    auto acc = std::make_shared<tcp::acceptor>(impl_->ioc);
    acc->open(ep.protocol());
    acc->set_option(asio::socket_base::reuse_address(true));
    acc->bind(ep);
    acc->listen(asio::socket_base::max_listen_connections);
    auto local = acc->local_endpoint();
    std::string addr = local.address().to_string();
    if (local.address().is_v6()) addr = "[" + addr + "]";
    bound.push_back(addr + ":" + std::to_string(local.port()));
    impl_->acceptors.push_back(acc);
    asio::co_spawn(impl_->ioc, impl_->accept_loop(acc, l.zone), asio::detached);
  }
  impl_->keepalive->start();
  return bound;
}

void Server::stop() {
  for (auto& acc : impl_->acceptors) {
    beast::error_code ec;
    acc->close(ec);
  }
  impl_->keepalive->stop();
}

}  // namespace tonari::http
