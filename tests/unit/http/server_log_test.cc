// The server's log lines for failures no client can provoke on purpose: a handler that
// throws (http.exception, then http.5xx) and a 5xx with a detail kept out of the body.
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "http/server.h"
#include "log/log.h"

namespace tonari::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

class ServerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_file_ = (std::filesystem::temp_directory_path() /
                 ("tonari-server-log-" + std::to_string(::getpid()) + ".log"))
                    .string();
    std::filesystem::remove(log_file_);
    ASSERT_EQ(log::configure({"json", log::Level::info, log_file_}), "");
    router_.add("GET", "/boom", [](Request&) -> asio::awaitable<Response> {
      throw std::runtime_error("kaboom");
      co_return Response{};
    });
    router_.add("GET", "/down", [](Request&) -> asio::awaitable<Response> {
      Response r = json_error(503, "unavailable", "try again");
      r.log_detail = "disk I/O error";
      co_return r;
    });
    server_ = std::make_unique<Server>(
        ioc_, router_,
        [](Request&) -> asio::awaitable<UpgradeResult> { co_return json_error(404, "not_found", "no"); },
        ServerLimits{});
    auto bound = server_->start({ListenerConfig{"127.0.0.1", 0, Zone::lgwan}});
    port_ = static_cast<unsigned short>(std::stoi(bound[0].substr(bound[0].rfind(':') + 1)));
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    asio::post(ioc_, [this] { server_->stop(); });
    ioc_.stop();
    thread_.join();
    log::configure({});
    std::filesystem::remove(log_file_);
  }

  bhttp::response<bhttp::string_body> get(const std::string& target) {
    asio::io_context client;
    beast::tcp_stream stream(client);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buf, res);
    return res;
  }

  // The log lines written so far with event `event` and request id `id`.
  std::vector<json::object> lines(std::string_view event, std::string_view id) {
    std::vector<json::object> out;
    std::ifstream in(log_file_);
    for (std::string line; std::getline(in, line);) {
      json::object o = json::parse(line).as_object();
      if (text(o, "event") == event && text(o, "request_id") == id) out.push_back(o);
    }
    return out;
  }

  std::string log_file_;
  asio::io_context ioc_;
  Router router_;
  std::unique_ptr<Server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
};

TEST_F(ServerLogTest, AThrowingHandlerIsLoggedAndAnswered500) {
  auto res = get("/boom?secret=1");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(text(json::parse(res.body()).at("error").as_object(), "code"), "internal");
  EXPECT_EQ(res.body().find("kaboom"), std::string::npos);
  const std::string id(res["X-Request-Id"]);
  ASSERT_FALSE(id.empty());
  auto thrown = lines("http.exception", id);
  ASSERT_EQ(thrown.size(), 1u);
  EXPECT_EQ(text(thrown[0], "level"), "error");
  EXPECT_EQ(text(thrown[0], "error"), "kaboom");
  EXPECT_EQ(text(thrown[0], "path"), "/boom");
  auto failed = lines("http.5xx", id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["status"], 500);
  EXPECT_EQ(text(failed[0], "code"), "internal");
  EXPECT_EQ(text(failed[0], "method"), "GET");
  EXPECT_EQ(text(failed[0], "path"), "/boom");  // without the query
  EXPECT_EQ(text(failed[0], "client"), "127.0.0.1");
  EXPECT_EQ(text(failed[0], "zone"), "lgwan");
}

TEST_F(ServerLogTest, A5xxIsLoggedWithWhatTheBodyLeavesOut) {
  auto res = get("/down");
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body().find("disk"), std::string::npos);
  auto failed = lines("http.5xx", std::string(res["X-Request-Id"]));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(text(failed[0], "code"), "unavailable");
  EXPECT_EQ(text(failed[0], "detail"), "disk I/O error");
  // A 4xx is no error of the server's: at info level, no line.
  auto missing = get("/nope");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_TRUE(lines("http.5xx", std::string(missing["X-Request-Id"])).empty());
  EXPECT_TRUE(lines("http.request", std::string(missing["X-Request-Id"])).empty());
}

}  // namespace
}  // namespace tonari::http
