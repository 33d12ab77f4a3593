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
  beast::error_code ec;
  socket_.close(ec);
  in_.assign(4096, 0);
  in_pos_ = in_len_ = 0;
  fragments_.clear();
  reassembled_ = false;
  out_.clear();
  writing_ = false;
  open_ = false;
  bind_spread_source(socket_);
  auto [cec] = co_await socket_.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), use_tuple);
  if (cec) co_return false;
  socket_.set_option(tcp::no_delay(true));
  // The upgrade (RFC 6455 section 4.1); the key is fixed, the generator checks only the status.
  std::string req = "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dG9uYXJpLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n"
                    "Authorization: Bearer " + token + "\r\n\r\n";
  auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(req), use_tuple);
  if (wec) co_return false;
  std::string head;
  auto [rec, header_end] = co_await asio::async_read_until(socket_, asio::dynamic_buffer(head),
                                                           "\r\n\r\n", use_tuple);
  if (rec || head.compare(0, 12, "HTTP/1.1 101") != 0) co_return false;
  // Anything after the response is already frames.
  const std::size_t extra = head.size() - header_end;
  if (extra > in_.size()) in_.resize(extra);
  std::memcpy(in_.data(), head.data() + header_end, extra);
  in_len_ = extra;
  socket_.non_blocking(true);
  open_ = true;
  co_return true;
}

void Ws::send(std::string_view text) { send_frame(0x1, text); }

void Ws::send_frame(unsigned char opcode, std::string_view payload) {
  if (!open_) return;
  // A client's frames are masked (RFC 6455 section 5.3); any key will do for a generator.
  static constexpr unsigned char kMask[4] = {0x5a, 0x3c, 0x96, 0x0f};
  char header[14];
  std::size_t h = 0;
  header[h++] = static_cast<char>(0x80 | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    header[h++] = static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    header[h++] = static_cast<char>(0x80 | 126);
    header[h++] = static_cast<char>(n >> 8);
    header[h++] = static_cast<char>(n & 0xff);
  } else {
    header[h++] = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) header[h++] = static_cast<char>((n >> (8 * i)) & 0xff);
  }
  std::memcpy(header + h, kMask, 4);
  h += 4;
  const std::size_t at = out_.size();
  out_.append(header, h);
  out_.append(payload);
  for (std::size_t i = 0; i < n; ++i) out_[at + h + i] ^= static_cast<char>(kMask[i & 3]);
  if (!writing_) flush();
}

// Writes what the socket takes now; the rest goes out asynchronously, in order.
void Ws::flush() {
  beast::error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block) {
    open_ = false;
    out_.clear();
    return;
  }
  out_.erase(0, ec ? 0 : n);
  if (out_.empty()) return;
  writing_ = true;
  socket_.async_wait(tcp::socket::wait_write, [this](beast::error_code wec) {
    writing_ = false;
    if (wec) {
      open_ = false;
      out_.clear();
      return;
    }
    flush();
  });
}

// One frame from in_: a whole text message (possibly the last of several fragments), or
// the connection's end. Pings are answered here.
Ws::Parsed Ws::parse_one(std::string_view& message) {
  for (;;) {
    const std::size_t avail = in_len_ - in_pos_;
    if (avail < 2) return Parsed::need_more;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + in_pos_);
    const bool fin = p[0] & 0x80;
    const unsigned opcode = p[0] & 0x0f;
    const bool masked = p[1] & 0x80;  // a server's frames are not
    std::uint64_t len = p[1] & 0x7f;
    std::size_t h = 2;
    if (len == 126) {
      if (avail < 4) return Parsed::need_more;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      h = 4;
    } else if (len == 127) {
      if (avail < 10) return Parsed::need_more;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      h = 10;
    }
    if (masked || len > (std::uint64_t{1} << 30)) return Parsed::closed;  // not from tonari
    if (avail < h + len) {
      if (in_.size() < h + len) in_.resize(h + len);  // room for the whole frame at once
      return Parsed::need_more;
    }
    std::string_view payload(in_.data() + in_pos_ + h, len);
    in_pos_ += h + len;
    switch (opcode) {
      case 0x9:  // ping
        send_frame(0xA, payload);
        continue;
      case 0xA:  // pong
        continue;
      case 0x8:  // close
        return Parsed::closed;
      case 0x0:  // continuation
      case 0x1:  // text
      case 0x2:  // binary
        if (fin && fragments_.empty()) {
          message = payload;
          return Parsed::message;
        }
        fragments_.append(payload);
        if (!fin) continue;
        message = fragments_;  // valid until the next read(), which clears it
        reassembled_ = true;
        return Parsed::message;
      default:
        return Parsed::closed;
    }
  }
}

asio::awaitable<std::optional<std::string_view>> Ws::read() {
  if (reassembled_) {  // the previous message was put together from fragments: done with it
    fragments_.clear();
    reassembled_ = false;
  }
  for (;;) {
    if (!open_) co_return std::nullopt;
    std::string_view message;
    switch (parse_one(message)) {
      case Parsed::message:
        co_return message;
      case Parsed::closed:
        open_ = false;
        co_return std::nullopt;
      case Parsed::need_more:
        break;
    }
    // Move the unparsed tail to the front (the previous message is no longer needed), grow
    // the buffer if a frame is larger than it, then receive after the tail.
    std::memmove(in_.data(), in_.data() + in_pos_, in_len_ - in_pos_);
    in_len_ -= in_pos_;
    in_pos_ = 0;
    if (in_len_ == in_.size()) in_.resize(in_.size() * 2);
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(in_.data() + in_len_, in_.size() - in_len_), use_tuple);
    if (ec) {
      open_ = false;
      co_return std::nullopt;
    }
    in_len_ += n;
  }
}

void Ws::close_abruptly() {
  beast::error_code ec;
  open_ = false;
  // Like a phone losing its network: no closing handshake, and a reset rather than a FIN
  // (which would also leave the port in TIME_WAIT for a minute).
  socket_.set_option(asio::socket_base::linger(true, 0), ec);
  socket_.close(ec);
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
