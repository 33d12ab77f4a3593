// The loopback floor (workload 8, docs/performance.md): a WebSocket server that does
// nothing but answer, on the same stack as tonari's (Boost.Beast on one Asio I/O thread),
// so that the benchmark can show what this machine's loopback TCP and WebSocket framing
// cost alone. It answers `hello` with `welcome` and `synced`, and each `send` with the
// frame tonari sends back (an ack and the message's `message.created` in one batch, of the
// same shape and size), with nothing stored and nothing checked.
#include "floor.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <string>
#include <string_view>

#include "net.h"

namespace bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// What tonari answers a `send` with in the ingest workload (docs/api.md: ack, then the
// message as `message.created`; one batch frame after `hello` asked for batches).
std::string reply_to_send(std::string_view frame, long long seq) {
  const std::string_view client_id = frame_str(frame, "client_id");
  const std::string_view body = frame_str(frame, "body");
  const std::string room = std::to_string(frame_int(frame, "room"));
  const std::string n = std::to_string(seq);
  std::string out;
  out.reserve(512);
  out.append("[{\"type\":\"ack\",\"client_id\":\"").append(client_id)
      .append("\",\"room\":").append(room).append(",\"seq\":").append(n)
      .append(",\"id\":").append(n).append("},{\"type\":\"message.created\",\"room\":")
      .append(room).append(",\"ev\":").append(n).append(",\"message\":{\"id\":").append(n)
      .append(",\"room\":").append(room).append(",\"seq\":").append(n)
      .append(",\"sender\":").append(room)
      .append(",\"sender_name\":\"職員 1\",\"client_id\":\"").append(client_id)
      .append("\",\"body\":\"").append(body)
      .append("\",\"reply_to\":null,\"mentions\":[],\"mention_all\":false,"
              "\"created_at\":1795000000000,\"edited_at\":null,\"deleted\":false}}]");
  return out;
}

asio::awaitable<void> serve(tcp::socket socket) {
  websocket::stream<tcp::socket, false> ws(std::move(socket));  // as tonari: no deflate
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = websocket::stream_base::none();
  ws.set_option(t);
  ws.read_message_max(64 * 1024);
  auto [ec] = co_await ws.async_accept(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  ws.text(true);
  beast::flat_buffer in;
  long long seq = 0;
  for (;;) {
    auto [rec, n] = co_await ws.async_read(in, asio::as_tuple(asio::use_awaitable));
    if (rec) co_return;
    const std::string_view frame(static_cast<const char*>(in.data().data()), in.size());
    std::string out;
    const std::string_view type = frame_type(frame);
    if (type == "send") {
      out = reply_to_send(frame, ++seq);
    } else if (type == "hello") {
      out = R"([{"type":"welcome","rooms":[]},{"type":"synced"}])";
    }
    in.consume(in.size());
    if (out.empty()) continue;
    auto [wec, w] = co_await ws.async_write(asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

}  // namespace

int run_floor_server() {
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.listen(4096);
  // The lines ServerProcess waits for, as tonari prints them.
  std::printf("tonari listening on http://127.0.0.1:%u\ntonari ready\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::signal_set stop(ioc, SIGTERM, SIGINT);
  stop.async_wait([&](auto, int) { ioc.stop(); });
  asio::co_spawn(ioc, listen(acceptor), asio::detached);
  ioc.run();
  return 0;
}

}  // namespace bench
