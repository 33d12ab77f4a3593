// The load generator's clients: a keep-alive HTTP client for setup and history reads, and a
// WebSocket client that speaks tonari's protocol (docs/api.md) with bearer tokens. All run
// as coroutines on one io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

// A lean WebSocket client (RFC 6455, text frames, no extensions): the generator must not
// spend its core on framing machinery. Frames are parsed straight out of one receive buffer
// (several per receive when the server has sent several), pings are answered, and a frame
// is sent at once with a non-blocking write, falling back to an asynchronous one only when
// the socket's buffer is full.
class Ws {
 public:
  Ws(boost::asio::io_context& ioc, unsigned short port) : ioc_(ioc), port_(port), socket_(ioc) {}
  // Connects and upgrades with the bearer token; false on failure.
  boost::asio::awaitable<bool> connect(const std::string& token);
  // Sends a text frame; frames go out in order.
  void send(std::string_view text);
  bool open() const { return open_; }
  // The next text message, or nullopt when the connection ended. The view is valid until
  // the next call.
  boost::asio::awaitable<std::optional<std::string_view>> read();
  void close_abruptly();  // drops the TCP connection without a close handshake

 private:
  enum class Parsed { need_more, message, closed };
  Parsed parse_one(std::string_view& message);
  void send_frame(unsigned char opcode, std::string_view payload);
  void flush();

  boost::asio::io_context& ioc_;
  unsigned short port_;
  boost::asio::ip::tcp::socket socket_;
  std::vector<char> in_;      // received bytes: [in_pos_, in_len_) not parsed yet
  std::size_t in_pos_ = 0;
  std::size_t in_len_ = 0;
  std::string fragments_;     // a message arriving in several frames
  bool reassembled_ = false;  // the last message returned was fragments_
  std::string out_;           // bytes the socket did not take yet
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
