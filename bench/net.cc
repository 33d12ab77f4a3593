#include "net.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <charconv>
#include <cstring>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<HttpResult> Http::request(const char* method, const std::string& target,
                                          const std::string& body, const std::string& token) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!stream_) {
      stream_ = std::make_unique<beast::tcp_stream>(ioc_);
      auto [ec] = co_await stream_->async_connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), use_tuple);
      if (ec) {
        stream_.reset();
        co_return HttpResult{};
      }
      stream_->socket().set_option(tcp::no_delay(true));
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    req.set(http::field::content_type, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(*stream_, req, use_tuple);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code rec;
    if (!wec) {
      auto [e, n] = co_await http::async_read(*stream_, buf_, parser, use_tuple);
      rec = e;
    }
    if (wec || rec) {
      stream_.reset();
      buf_.clear();
      continue;  // a kept-alive connection closed by the server: retry once on a new one
    }
    auto res = parser.release();
    if (!res.keep_alive()) stream_.reset();
    co_return HttpResult{static_cast<int>(res.result_int()), std::move(res.body())};
  }
  co_return HttpResult{};
}

namespace {

// 18,000 connections and their reconnections from one source address to one server port
// would use up its ephemeral ports, and connect() then spends its time searching for a
// free one: WebSocket clients spread over 127.0.0.2-127.0.0.33 (all loopback), and the
// port is picked at connect time (IP_BIND_ADDRESS_NO_PORT).
void bind_spread_source(tcp::socket& s) {
  static unsigned next = 0;  // the generator is single-threaded
  s.open(tcp::v4());
  const int on = 1;
  ::setsockopt(s.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
  const auto host = static_cast<asio::ip::address_v4::uint_type>(0x7f000002u + next++ % 32);
  s.bind(tcp::endpoint(asio::ip::address_v4(host), 0));
}

}  // namespace

asio::awaitable<bool> Ws::connect(const std::string& token) {
  ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
  buf_.clear();
  auto& layer = beast::get_lowest_layer(*ws_);
  bind_spread_source(layer.socket());
  auto [ec] = co_await layer.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), use_tuple);
  if (ec) co_return false;
  layer.socket().set_option(tcp::no_delay(true));
  ws_->set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    req.set(http::field::authorization, "Bearer " + token);
  }));
  ws_->read_message_max(16 << 20);
  auto [hec] = co_await ws_->async_handshake("127.0.0.1:" + std::to_string(port_), "/api/ws",
                                             use_tuple);
  open_ = !hec;
  out_.clear();
  co_return open_;
}

void Ws::send(std::string text) {
  if (!open()) return;
  out_.push_back(std::move(text));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(ioc_, write_loop(), asio::detached);
}

asio::awaitable<void> Ws::write_loop() {
  // `ws_` may be replaced by a reconnect while we wait: hold the stream we started on.
  auto* ws = ws_.get();
  while (!out_.empty() && ws == ws_.get() && open_) {
    std::string text = std::move(out_.front());
    out_.pop_front();
    ws->text(true);
    auto [ec, n] = co_await ws->async_write(asio::buffer(text), use_tuple);
    if (ec) {
      if (ws == ws_.get()) open_ = false;
      break;
    }
  }
  writing_ = false;
  // A reconnect may have queued frames for the new stream while this loop was finishing.
  if (!out_.empty() && open()) {
    writing_ = true;
    asio::co_spawn(ioc_, write_loop(), asio::detached);
  }
}

asio::awaitable<std::optional<std::string_view>> Ws::read() {
  if (!ws_) co_return std::nullopt;
  buf_.consume(buf_.size());
  auto [ec, n] = co_await ws_->async_read(buf_, use_tuple);
  if (ec) {
    open_ = false;
    co_return std::nullopt;
  }
  co_return std::string_view(static_cast<const char*>(buf_.data().data()), buf_.size());
}

void Ws::close_abruptly() {
  if (!ws_) return;
  beast::error_code ec;
  open_ = false;
  // Like a phone losing its network: no closing handshake, and a reset rather than a FIN
  // (which would also leave the port in TIME_WAIT for a minute).
  auto& socket = beast::get_lowest_layer(*ws_).socket();
  socket.set_option(asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

namespace {

// Where the value of `"key":` starts in `frame`, or npos. No allocation: the generator
// must spend its core on sockets, not on building search patterns.
std::size_t value_at(std::string_view frame, std::string_view key) {
  char pat[64];
  if (key.size() + 3 > sizeof pat) return std::string_view::npos;
  pat[0] = '"';
  std::memcpy(pat + 1, key.data(), key.size());
  pat[key.size() + 1] = '"';
  pat[key.size() + 2] = ':';
  std::string_view p(pat, key.size() + 3);
  auto at = frame.find(p);
  return at == std::string_view::npos ? at : at + p.size();
}

}  // namespace

std::string_view frame_str(std::string_view frame, std::string_view key) {
  auto at = value_at(frame, key);
  if (at == std::string_view::npos || at >= frame.size() || frame[at] != '"') return {};
  ++at;
  auto end = frame.find('"', at);
  return frame.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

std::string_view frame_type(std::string_view frame) {
  // Every frame starts with {"type":"...".
  if (frame.substr(0, 9) != "{\"type\":\"") return frame_str(frame, "type");
  auto end = frame.find('"', 9);
  return frame.substr(9, end - 9);
}

long long frame_int(std::string_view frame, std::string_view key) {
  auto at = value_at(frame, key);
  if (at == std::string_view::npos) return -1;
  long long v = -1;
  std::from_chars(frame.data() + at, frame.data() + frame.size(), v);
  return v;
}

void for_each_frame(std::string_view data, const std::function<void(std::string_view)>& fn) {
  if (data.empty() || data.front() != '[') {
    fn(data);
    return;
  }
  // A batch: split the top-level objects of the array, minding strings and escapes.
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (std::size_t i = 1; i < data.size(); ++i) {
    char c = data[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}') {
      if (--depth == 0) fn(data.substr(start, i - start + 1));
    }
  }
}

}  // namespace bench
