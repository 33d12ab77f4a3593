#include "http/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cerrno>
#include <cstring>
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

// The values of every `name` header line, joined with "," (one list, RFC 9110 5.3).
std::string joined(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  std::string out;
  for (auto [it, end] = r.equal_range(name); it != end; ++it) {
    if (!out.empty()) out += ',';
    out += it->value();
  }
  return out;
}

// A request with what the edge knows before its headers are read (its peer, its id).
Request bare_request(const asio::ip::address& peer, Zone zone, const EdgeConfig& edge) {
  Request req;
  req.zone = zone;
  req.peer_address = peer.to_string();
  req.remote_address = req.peer_address;
  req.request_id = new_request_id();
  req.https = edge.public_https;
  return req;
}

Request to_request(bhttp::request<bhttp::string_body>& r, Zone zone,
                   const asio::ip::address& peer, const EdgeConfig& edge) {
  Request req = bare_request(peer, zone, edge);
  req.method = std::string(r.method_string());
  std::string_view target = r.target();
  std::size_t q = target.find('?');
  req.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  // Moved, not copied: an upload chunk is megabytes (the WebSocket upgrade keeps the
  // request, but an upgrade has no body).
  req.body = std::move(r.body());
  for (const auto& f : r) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  const auto& proxies = edge.trusted_proxies;
  if (!proxies.empty() && proxies.contains(peer)) {
    // Only the header the proxy is configured to set (EdgeConfig::forwarded_header).
    const bool rfc7239 = edge.forwarded_header == ForwardedHeader::forwarded;
    const std::string forwarded = rfc7239 ? joined(r, "forwarded") : std::string();
    const std::string xff = rfc7239 ? std::string() : joined(r, "x-forwarded-for");
    const std::string proto = rfc7239 ? std::string() : joined(r, "x-forwarded-proto");
    req.remote_address = client_address(peer, forwarded, xff, proxies).to_string();
    req.https = req.https || forwarded_https(peer, forwarded, proto, proxies);
    if (std::string_view id = req.header("x-request-id"); sane_request_id(id)) {
      req.request_id = std::string(id);
    }
  }
  return req;
}

// A Host header fit to be named in a CSP source: letters, digits, '.', '-', ':' and the
// brackets of an IPv6 address.
bool sane_host(std::string_view host) {
  if (host.empty() || host.size() > 261) return false;
  for (char c : host) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
      return false;
  }
  return true;
}

// The web client runs only its own scripts and styles (no inline ones), talks only to its
// own origin (the WebSocket by its scheme, for browsers whose 'self' does not cover it),
// and may not be framed.
std::string content_security_policy(const Request& req) {
  std::string csp =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "connect-src 'self'";
  if (std::string_view host = req.header("host"); sane_host(host)) {
    csp += req.https ? " wss://" : " ws://";
    csp += host;
  }
  csp += "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  return csp;
}

// The header of every response: the defaults (errors included), and the handler's own
// (e.g. caching for assets; a file's stricter Content-Security-Policy replaces the default).
template <class Body>
void set_headers(bhttp::response<Body>& out, const Response& res, const Request& req) {
  out.set(bhttp::field::server, "tonari");
  out.set(bhttp::field::content_type, res.content_type);
  out.set("X-Request-Id", req.request_id);
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Frame-Options", "DENY");
  out.set("Referrer-Policy", "same-origin");
  out.set("Cross-Origin-Opener-Policy", "same-origin");
  if (req.https) out.set("Strict-Transport-Security", "max-age=31536000");
  bool has_cache_control = false, has_csp = false;
  for (auto& [k, v] : res.headers) {
    has_cache_control |= beast::iequals(k, "cache-control");
    has_csp |= beast::iequals(k, "content-security-policy");
    out.insert(k, v);
  }
  if (!has_csp) out.set("Content-Security-Policy", content_security_policy(req));
  if (!has_cache_control) out.set(bhttp::field::cache_control, "no-store");
}

bhttp::response<bhttp::string_body> to_beast(Response&& res, const Request& req, unsigned version,
                                             bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  set_headers(out, res, req);
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// The log lines of an answered request: every 5xx as an error, each request at debug.
void log_response(const Request& req, const Response& res,
                  std::chrono::steady_clock::time_point started) {
  const bool failed = res.status >= 500;
  if (!failed && !log::enabled(log::Level::debug)) return;
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - started).count();
  if (failed) {
    log::error("http.5xx", {{"request_id", req.request_id}, {"method", req.method},
                            {"path", req.path}, {"status", res.status},
                            {"code", res.error_code}, {"detail", res.log_detail},
                            {"zone", zone_name(req.zone)}, {"client", req.remote_address},
                            {"peer", req.peer_address}, {"user", req.user_id}, {"ms", ms}});
  }
  log::debug("http.request", {{"request_id", req.request_id}, {"method", req.method},
                              {"path", req.path}, {"status", res.status},
                              {"code", res.error_code}, {"zone", zone_name(req.zone)},
                              {"client", req.remote_address}, {"peer", req.peer_address},
                              {"user", req.user_id}, {"ms", ms}});
}

void log_exception(const Request& req, const char* where, std::exception_ptr e) {
  log::error("http.exception", {{"request_id", req.request_id}, {"where", where},
                                {"method", req.method}, {"path", req.path},
                                {"client", req.remote_address}, {"error", log::describe(e)}});
}

// What would make Beast answer an upgrade request itself, in plain text: refused here with
// the JSON error shape instead (is_upgrade() has checked the method, version, Connection
// and Upgrade). Empty if the handshake is acceptable.
std::string handshake_problem(const bhttp::request<bhttp::string_body>& r, std::size_t early) {
  if (r.version() != 11) return "the upgrade needs HTTP/1.1";
  if (r.count(bhttp::field::host) == 0) return "the Host header is missing";
  if (r[bhttp::field::sec_websocket_version] != "13") return "Sec-WebSocket-Version must be 13";
  std::string_view key = r[bhttp::field::sec_websocket_key];
  bool key_ok = key.size() == 24 && key.substr(22) == "==";
  for (std::size_t i = 0; key_ok && i < 22; ++i) {
    const char c = key[i];
    key_ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '+' || c == '/';
  }
  if (!key_ok) return "Sec-WebSocket-Key must be 16 bytes in base64";
  if (early > kMaxEarlyWsBytes) {
    return "at most " + std::to_string(kMaxEarlyWsBytes) +
           " bytes may follow the upgrade request before its answer";
  }
  return {};
}

void log_task_failure(const char* where, std::exception_ptr e) {
  if (e) log::error("http.exception", {{"where", where}, {"error", log::describe(e)}});
}

// A file opened for a response's body; closed when it goes.
struct OpenFile {
  int fd = -1;
  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() {
    if (fd >= 0) ::close(fd);
  }
};

constexpr std::size_t kFilePiece = 64 * 1024;

// Whether `target` starts with `prefix`, a segment "*" of which matches any one segment.
bool path_has_prefix(std::string_view target, std::string_view prefix) {
  std::size_t t = 0;
  for (std::size_t p = 0; p < prefix.size(); ++p) {
    if (prefix[p] == '*' && (p == 0 || prefix[p - 1] == '/')) {
      const std::size_t start = t;
      while (t < target.size() && target[t] != '/' && target[t] != '?') ++t;
      if (t == start) return false;
      continue;
    }
    if (t >= target.size() || target[t] != prefix[p]) return false;
    ++t;
  }
  return true;
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
  std::size_t largest_body = 0;  // of max_body_bytes and every large_bodies route's

  // The body limit of the request whose header is `r`.
  std::size_t body_limit_for(const bhttp::request<bhttp::string_body>& r) const {
    for (const LargeBodyRoute& route : limits.large_bodies) {
      if (r.method_string() == route.method && path_has_prefix(r.target(), route.path_prefix)) {
        return route.max_body_bytes;
      }
    }
    return limits.max_body_bytes;
  }

  // Writes `res`, whose body is the slice res.file of the open file `f`: the header, then
  // the slice read with pread in pieces of kFilePiece, each written before the next is
  // read (memory stays at one piece, whatever the file's size; the timeout applies to
  // each piece, so a slow reader of a large file is not cut off). False if the
  // connection must close (a write failed, or the file ended before the slice did).
  asio::awaitable<bool> write_file(beast::tcp_stream& stream, Response& res, const OpenFile& f,
                                   const Request& req, unsigned version, bool keep, bool head) {
    const FileSlice slice = *res.file;
    bhttp::response<bhttp::buffer_body> out{static_cast<bhttp::status>(res.status), version};
    set_headers(out, res, req);
    out.keep_alive(keep);
    out.content_length(slice.length);
    out.body().data = nullptr;
    out.body().more = slice.length > 0;
    bhttp::response_serializer<bhttp::buffer_body> sr{out};
    const auto timeout = std::chrono::seconds(limits.request_timeout_seconds);
    stream.expires_after(timeout);
    if (head) {
      auto [ec, n] = co_await bhttp::async_write_header(stream, sr, use_tuple);
      co_return !ec;
    }
    if (slice.length == 0) {
      auto [ec, n] = co_await bhttp::async_write(stream, sr, use_tuple);
      co_return !ec;
    }
    auto [hec, hn] = co_await bhttp::async_write_header(stream, sr, use_tuple);
    if (hec) co_return false;
    std::vector<char> piece(static_cast<std::size_t>(std::min<std::uint64_t>(kFilePiece, slice.length)));
    std::uint64_t at = slice.offset, left = slice.length;
    while (left > 0) {
      const ssize_t n = ::pread(f.fd, piece.data(), static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), left)),
                                static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        log::error("http.file_read_failed", {{"request_id", req.request_id}, {"path", slice.path},
                                             {"offset", at}, {"error", n < 0 ? std::strerror(errno) : "end of file"}});
        co_return false;
      }
      at += static_cast<std::uint64_t>(n);
      left -= static_cast<std::uint64_t>(n);
      out.body().data = piece.data();
      out.body().size = static_cast<std::size_t>(n);
      out.body().more = left > 0;
      stream.expires_after(timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, sr, use_tuple);
      if (wec && wec != bhttp::error::need_buffer) co_return false;
    }
    co_return true;
  }

  Impl(asio::io_context& i, const Router& r, UpgradeHandler u, ServerLimits l,
       std::shared_ptr<ServerStats> s)
      : ioc(i), router(r), upgrade(std::move(u)), limits(l), stats(std::move(s)),
        keepalive(std::make_shared<Keepalive>(
            i, std::chrono::milliseconds(std::int64_t{l.ws.idle_timeout_seconds} * 1000))),
        caps(std::make_shared<ConnectionCaps>(l.max_connections, l.max_connections_per_address)) {
    largest_body = limits.max_body_bytes;
    for (const auto& r : limits.large_bodies) largest_body = std::max(largest_body, r.max_body_bytes);
  }

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
      asio::co_spawn(ex, session(std::move(sock), zone, std::move(lease)),
                     [](std::exception_ptr e) { log_task_failure("session", e); });
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
                {{"remote", unmapped(peer.address()).to_string()},
                 {"cap", total ? "max_connections" : "max_connections_per_address"},
                 {"limit", total ? limits.max_connections : limits.max_connections_per_address},
                 {"open", caps->open()}});
    }
    // Answering costs a socket for up to a second: past a few hundred at once (a flood),
    // the rest are closed without an answer. Counted here, before the answer is spawned
    // (it starts later, on the socket's executor), so that a burst of accepts sees it.
    if (refusing.fetch_add(1) >= 256) {
      refusing.fetch_sub(1);
      sock.close(ec);
      return nullptr;
    }
    auto ex = sock.get_executor();
    asio::co_spawn(ex, refuse_connection(std::move(sock), total),
                   [self = shared_from_this()](std::exception_ptr e) {
                     self->refusing.fetch_sub(1);
                     log_task_failure("refuse", e);
                   });
    return nullptr;
  }

  // Answers a connection over a cap without reading its request: 503 with Retry-After, a
  // half-close, and a short drain so that the client reads the answer, not a reset.
  // admit() counted it in `refusing`; its completion handler gives that back, however the
  // coroutine ends.
  asio::awaitable<void> refuse_connection(tcp::socket sock, bool total) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(sock));
    stream.expires_after(std::chrono::seconds(1));
    Response res = json_error(503, "unavailable",
                              total ? "the server has too many open connections; try again later"
                                    : "too many open connections from this address; try again later");
    res.headers.emplace_back("Retry-After", "5");
    Request req;  // nothing of it is read: only its own id and the default headers
    req.request_id = new_request_id();
    req.https = limits.edge.public_https;  // HSTS and the CSP's wss:, as on every answer
    auto out = to_beast(std::move(res), req, 11, false);
    auto [wec, wn] = co_await bhttp::async_write(stream, out, use_tuple);
    if (!wec) co_await half_close_and_drain(stream, 64u << 10);
  }

  // Half-closes `stream` and reads what the client is still sending (at most `limit` bytes,
  // until the stream's timer), so that it reads the answer written before it instead of a
  // connection reset.
  static asio::awaitable<void> half_close_and_drain(beast::tcp_stream& stream, std::size_t limit) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 4096> sink;
    for (std::size_t drained = 0; drained < limit;) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      if (rec) break;
      drained += n;
    }
  }

  // Writes `res`, then half-closes and drains for a moment (half_close_and_drain).
  asio::awaitable<void> refuse(beast::tcp_stream& stream, const Request& req, Response res) {
    log_response(req, res, std::chrono::steady_clock::now());
    auto out = to_beast(std::move(res), req, 11, false);
    co_await bhttp::async_write(stream, out, use_tuple);
    stream.expires_after(std::chrono::seconds(2));
    co_await half_close_and_drain(stream, 64u << 20);
  }

  asio::awaitable<void> session(tcp::socket sock, Zone zone, std::shared_ptr<const void> lease) {
    auto self = shared_from_this();
    asio::ip::address peer;
    {
      beast::error_code ec;
      auto ep = sock.remote_endpoint(ec);
      if (!ec) peer = unmapped(ep.address());
    }
    stats->open_http.fetch_add(1);
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      // The header first: which route it is for decides how large its body may be.
      parser.body_limit(largest_body);
      stream.expires_after(std::chrono::seconds(limits.request_timeout_seconds));
      beast::error_code ec;
      std::tie(ec, std::ignore) = co_await bhttp::async_read_header(stream, buf, parser, use_tuple);
      std::size_t body_limit = limits.max_body_bytes;
      if (!ec || ec == bhttp::error::body_limit) body_limit = body_limit_for(parser.get());
      if (!ec) {
        if (auto len = parser.content_length(); len && *len > body_limit) {
          ec = bhttp::error::body_limit;
        } else if (!parser.is_done()) {
          parser.body_limit(body_limit);  // no body byte parsed yet: still allowed
          // A client that waits before sending a large body (curl does, over 1 MiB).
          if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
            bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
            std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, go_on, use_tuple);
          }
          if (!ec) std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buf, parser, use_tuple);
        }
      }
      if (ec == bhttp::error::body_limit) {
        co_await refuse(stream, bare_request(peer, zone, limits.edge),
                        json_error(413, "payload_too_large",
                                   "request body over " + std::to_string(body_limit) + " bytes"));
        break;
      }
      if (ec == bhttp::error::header_limit) {
        co_await refuse(stream, bare_request(peer, zone, limits.edge),
                        json_error(431, "request_header_too_large",
                                   "request headers over " +
                                       std::to_string(limits.max_header_bytes) + " bytes"));
        break;
      }
      if (ec) {
        const auto& http_errors = beast::error_code(bhttp::error::end_of_stream).category();
        if (ec.category() == http_errors && ec != bhttp::error::end_of_stream &&
            ec != bhttp::error::partial_message) {
          co_await refuse(stream, bare_request(peer, zone, limits.edge),
                          json_error(400, "invalid_argument", "malformed HTTP request"));
        }
        break;
      }
      stats->requests.fetch_add(1);
      const auto started = std::chrono::steady_clock::now();
      auto& breq = parser.get();
      Request req = to_request(breq, zone, peer, limits.edge);

      if (beast::websocket::is_upgrade(breq)) {
        UpgradeResult up = json_error(500, "internal", "internal error");
        if (std::string problem = handshake_problem(breq, buf.size()); !problem.empty()) {
          Response bad = json_error(400, "invalid_argument", "bad WebSocket handshake: " + problem);
          bad.headers.emplace_back("Sec-WebSocket-Version", "13");
          up = std::move(bad);
        } else {
          try {
            up = co_await upgrade(req);
          } catch (...) {
            log_exception(req, "upgrade", std::current_exception());
          }
        }
        if (auto* h = std::get_if<std::shared_ptr<WsHandler>>(&up)) {
          stream.expires_never();
          stats->open_http.fetch_sub(1);
          // Bytes read past the request are the client's first frames.
          std::string early(static_cast<const char*>(buf.data().data()), buf.size());
          // The WebSocket session lives on its own (completion handlers, no coroutine), so
          // that this coroutine (its parser and buffer) ends here: an idle connection keeps
          // only what it needs.
          start_websocket(std::move(stream),
                          std::make_unique<bhttp::request<bhttp::string_body>>(parser.release()),
                          std::move(early), *h, limits.ws, stats, keepalive,
                          WsOrigin{std::move(req.request_id), std::move(req.remote_address),
                                   zone, req.user_id},
                          std::move(lease));
          co_return;
        }
        Response& res = std::get<Response>(up);
        log_response(req, res, started);
        auto out = to_beast(std::move(res), req, breq.version(), false);
        co_await bhttp::async_write(stream, out, use_tuple);
        break;
      }

      Response res;
      try {
        res = co_await router.dispatch(req);
      } catch (...) {
        log_exception(req, "handler", std::current_exception());
        res = json_error(500, "internal", "internal error");
      }
      OpenFile file;
      if (res.file) {
        file.fd = ::open(res.file->path.c_str(), O_RDONLY | O_CLOEXEC);
        if (file.fd < 0) {
          const std::string detail = "opening " + res.file->path + ": " + std::strerror(errno);
          res = json_error(500, "internal", "internal error");
          res.log_detail = detail;
        }
      }
      log_response(req, res, started);
      const bool keep = breq.keep_alive();
      if (res.file) {
        const bool head = breq.method() == bhttp::verb::head;
        if (!co_await write_file(stream, res, file, req, breq.version(), keep, head) || !keep) break;
        continue;
      }
      auto out = to_beast(std::move(res), req, breq.version(), keep);
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
    asio::co_spawn(impl_->ioc, impl_->accept_loop(acc, l.zone),
                   [](std::exception_ptr e) { log_task_failure("accept", e); });
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
