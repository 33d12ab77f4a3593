// The load generator's clients: a keep-alive HTTP client for setup and history reads, and a
// WebSocket client that speaks tonari's protocol (docs/api.md) with bearer tokens. All run
// as coroutines on one io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bench {

struct HttpResult {
  int status = 0;
  std::string body;
};

class Http {
 public:
  Http(boost::asio::io_context& ioc, unsigned short port) : ioc_(ioc), port_(port) {}
  // One request on a kept-alive connection (reconnects if needed). status 0 on I/O error.
  boost::asio::awaitable<HttpResult> request(const char* method, const std::string& target,
                                             const std::string& body,
                                             const std::string& token = {});

 private:
  boost::asio::io_context& ioc_;
  unsigned short port_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buf_;
};

class Ws {
 public:
  Ws(boost::asio::io_context& ioc, unsigned short port) : ioc_(ioc), port_(port) {}
  // Connects and upgrades with the bearer token; false on failure.
  boost::asio::awaitable<bool> connect(const std::string& token);
  // Queues a text frame; frames go out one at a time, in order.
  void send(std::string text);
  bool open() const { return ws_ != nullptr && open_; }
  // The next text frame, or nullopt when the connection ended.
  boost::asio::awaitable<std::optional<std::string_view>> read();
  void close_abruptly();  // drops the TCP connection without a close handshake

 private:
  boost::asio::io_context& ioc_;
  unsigned short port_;
  boost::asio::awaitable<void> write_loop();

  std::unique_ptr<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
  boost::beast::flat_buffer buf_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool open_ = false;
};

// Cheap field extraction from a frame (the generator must not spend its core on JSON).
std::string_view frame_type(std::string_view frame);
// The integer after `"key":` (first occurrence), or -1.
long long frame_int(std::string_view frame, std::string_view key);
// The string after `"key":"` up to the next quote, or empty.
std::string_view frame_str(std::string_view frame, std::string_view key);
// Calls `fn` for each server frame in `data`: the frame itself, or each element of a batch
// (a JSON array of frames, docs/api.md).
void for_each_frame(std::string_view data, const std::function<void(std::string_view)>& fn);

}  // namespace bench
