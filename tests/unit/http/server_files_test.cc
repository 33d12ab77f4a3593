// The server's file responses (a slice of a file streamed in pieces, with the default
// security headers) and its per-route body limits (a larger body for upload chunks only).
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "http/server.h"

namespace tonari::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace fs = std::filesystem;

class ServerFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = fs::temp_directory_path() / ("tonari-server-files-" + std::to_string(::getpid()));
    for (std::uint32_t i = 0; i < 300001; ++i) bytes_ += static_cast<char>((i * 7919u) % 251u);
    std::ofstream(file_, std::ios::binary) << bytes_;
    router_.add("GET", "/slice", [this](Request& req) -> asio::awaitable<Response> {
      Response r;
      r.content_type = "application/octet-stream";
      r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
      r.file = FileSlice{req.query_param("path").empty() ? file_.string() : req.query_param("path"),
                         std::stoull(req.query_param("off")), std::stoull(req.query_param("len"))};
      co_return r;
    });
    auto size = [](Request& req) -> asio::awaitable<Response> {
      co_return Response{200, std::to_string(req.body.size()), "text/plain", {}};
    };
    router_.add("PUT", "/api/uploads/{id}", size);
    router_.add("POST", "/echo", size);
    ServerLimits limits;
    limits.max_body_bytes = 1024;
    limits.large_bodies.push_back({"PUT", "/api/uploads/", 200000});
    server_ = std::make_unique<Server>(
        ioc_, router_,
        [](Request&) -> asio::awaitable<UpgradeResult> { co_return json_error(404, "not_found", "no"); },
        limits);
    auto bound = server_->start({ListenerConfig{"127.0.0.1", 0, Zone::lgwan}});
    port_ = static_cast<unsigned short>(std::stoi(bound[0].substr(bound[0].rfind(':') + 1)));
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    asio::post(ioc_, [this] { server_->stop(); });
    ioc_.stop();
    thread_.join();
    fs::remove(file_);
  }

  // Sends each request on one connection and reads each answer.
  std::vector<bhttp::response<bhttp::string_body>> exchange(
      std::vector<bhttp::request<bhttp::string_body>> reqs) {
    asio::io_context client;
    beast::tcp_stream stream(client);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    beast::flat_buffer buf;
    std::vector<bhttp::response<bhttp::string_body>> out;
    for (auto& req : reqs) {
      req.set(bhttp::field::host, "127.0.0.1");
      req.prepare_payload();
      bhttp::write(stream, req);
      bhttp::response_parser<bhttp::string_body> p;
      p.body_limit(1 << 24);
      bhttp::read(stream, buf, p);
      out.push_back(p.release());
    }
    return out;
  }

  bhttp::response<bhttp::string_body> one(bhttp::verb verb, const std::string& target,
                                          std::string body = {}) {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.body() = std::move(body);
    return exchange({std::move(req)}).at(0);
  }

  std::string query(std::uint64_t off, std::uint64_t len) {
    return "/slice?off=" + std::to_string(off) + "&len=" + std::to_string(len);
  }

  fs::path file_;
  std::string bytes_;
  asio::io_context ioc_;
  Router router_;
  std::unique_ptr<Server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
};

TEST_F(ServerFilesTest, StreamsAWholeFileWithTheSecurityHeaders) {
  auto res = one(bhttp::verb::get, query(0, bytes_.size()));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(bytes_.size()));
  EXPECT_TRUE(res.body() == bytes_);
  EXPECT_EQ(res["Content-Type"], "application/octet-stream");
  // The handler's own policy replaces the default one; the other defaults stay.
  EXPECT_EQ(res["Content-Security-Policy"], "default-src 'none'; sandbox");
  EXPECT_EQ(std::distance(res.equal_range("Content-Security-Policy").first,
                          res.equal_range("Content-Security-Policy").second), 1);
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
  EXPECT_EQ(res["Cache-Control"], "no-store");
  EXPECT_FALSE(res["X-Request-Id"].empty());
}

TEST_F(ServerFilesTest, StreamsASliceAndKeepsTheConnection) {
  std::vector<bhttp::request<bhttp::string_body>> reqs;
  for (auto [off, len] : {std::pair{70000ull, 100000ull}, std::pair{300000ull, 1ull}, std::pair{5ull, 0ull}}) {
    reqs.emplace_back(bhttp::verb::get, query(off, len), 11);
  }
  reqs.emplace_back(bhttp::verb::post, "/echo", 11);
  reqs.back().body() = "hello";
  auto res = exchange(std::move(reqs));
  ASSERT_EQ(res.size(), 4u);
  EXPECT_TRUE(res[0].body() == bytes_.substr(70000, 100000));
  EXPECT_EQ(res[1].body(), bytes_.substr(300000, 1));
  EXPECT_EQ(res[2].body(), "");
  EXPECT_EQ(res[2][bhttp::field::content_length], "0");
  EXPECT_EQ(res[3].body(), "5");
}

TEST_F(ServerFilesTest, AFileThatCannotBeOpenedIs500) {
  auto res = one(bhttp::verb::get, query(0, 10) + "&path=/nonexistent/blob");
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_NE(res.body().find("\"internal\""), std::string::npos);
  EXPECT_EQ(res.body().find("nonexistent"), std::string::npos);
}

TEST_F(ServerFilesTest, UploadChunksMayBeLargerThanOtherBodies) {
  auto big = one(bhttp::verb::put, "/api/uploads/abc", std::string(150000, 'x'));
  EXPECT_EQ(big.result_int(), 200);
  EXPECT_EQ(big.body(), "150000");
  auto too_big = one(bhttp::verb::put, "/api/uploads/abc", std::string(250000, 'x'));
  EXPECT_EQ(too_big.result_int(), 413);
  EXPECT_NE(too_big.body().find("200000"), std::string::npos);
  auto elsewhere = one(bhttp::verb::post, "/echo", std::string(2000, 'x'));
  EXPECT_EQ(elsewhere.result_int(), 413);
  EXPECT_NE(elsewhere.body().find("1024"), std::string::npos);
  // Another method on the upload path has the ordinary limit.
  auto post = one(bhttp::verb::post, "/api/uploads/abc", std::string(2000, 'x'));
  EXPECT_EQ(post.result_int(), 413);
  EXPECT_EQ(one(bhttp::verb::post, "/echo", std::string(1000, 'x')).body(), "1000");
}

TEST_F(ServerFilesTest, ExpectContinueGetsItsInterimAnswer) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  const std::string head =
      "PUT /api/uploads/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
      "Expect: 100-continue\r\n\r\n";
  asio::write(stream, asio::buffer(head));
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::empty_body> ip;
  bhttp::read_header(stream, buf, ip);
  EXPECT_EQ(ip.get().result_int(), 100);
  asio::write(stream, asio::buffer(std::string(100000, 'z')));
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "100000");
  // Over the limit: refused before the body is sent.
  beast::tcp_stream again(client);
  again.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  asio::write(again, asio::buffer(std::string(
      "PUT /api/uploads/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000\r\n"
      "Expect: 100-continue\r\n\r\n")));
  beast::flat_buffer buf2;
  bhttp::response<bhttp::string_body> refused;
  bhttp::read(again, buf2, refused);
  EXPECT_EQ(refused.result_int(), 413);
}

TEST_F(ServerFilesTest, AChunkedBodyIsHeldToTheRouteLimitToo) {
  asio::io_context client;
  beast::tcp_stream stream(client);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  std::string chunk(4096, 'y');
  std::ostringstream raw;
  raw << "PUT /api/uploads/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 60; ++i) raw << std::hex << chunk.size() << "\r\n" << chunk << "\r\n";  // 245,760 bytes
  raw << "0\r\n\r\n";
  beast::error_code ec;
  asio::write(stream, asio::buffer(raw.str()), ec);
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buf, res, ec);
  EXPECT_EQ(res.result_int(), 413);
}

}  // namespace
}  // namespace tonari::http
