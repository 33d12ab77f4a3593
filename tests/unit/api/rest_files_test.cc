// The file routes (api/rest_files.cc) on a real SQLite store and blob store, dispatched
// through the router without sockets: uploads, and the answers for a file made ready (or
// withheld) by finishing its job through the store, as the job runner does — zones, the
// view-only policy, and the headers of a download (Content-Disposition, CSP, ETag, Range).
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fstream>

#include "api/api.h"
#include "services/crypto.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

class RestFilesTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(services::init_crypto());
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    accounts_ = std::make_unique<services::Accounts>(*ctx_);
    rooms_ = std::make_unique<services::Rooms>(*ctx_);
    receipts_ = std::make_unique<services::ReadReceipts>(*ctx_);
    messages_ = std::make_unique<services::Messages>(*ctx_, *receipts_);
    blobs_ = std::make_unique<files::BlobStore>(dir_.path());
    uploads_ = std::make_unique<files::Uploads>(*blobs_);
    files::FilesConfig fc;
    fc.chunk_bytes = 64 * 1024;
    files_ = std::make_unique<services::Files>(*ctx_, *blobs_, *uploads_, fc,
                                               [](std::function<void()> f) { f(); });
    deps_.reset(new api::Deps{*accounts_, *rooms_, *messages_, hub_, bus_, clock_, {}, {}, nullptr, 0,
                              files_.get()});
    api_ = std::make_unique<api::Api>(*deps_);
    api_->install(router_);
    room_ = must(create_group(alice_.id, {bob_.id})).room;
    alice_token_ = session(alice_);
    bob_token_ = session(bob_);
    dave_token_ = session(dave_);
    eve_token_ = session(eve_);
  }
  void TearDown() override {
    api_.reset();
    deps_.reset();
    files_.reset();
    messages_.reset();
    receipts_.reset();
    rooms_.reset();
    accounts_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  std::string session(const User& u) {
    const std::string token = services::random_token();
    must(wait<bool>([&](auto cb) {
      store().create_session(store::Session{services::token_hash(token), u.id, "csrf", kT0,
                                            clock_.now_ms() + 3600000},
                             cb);
    }));
    return token;
  }

  http::Response call(const std::string& token, const std::string& method, const std::string& target,
                      std::string body = {}, http::Zone zone = http::Zone::lgwan,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request req;
    req.method = method;
    const std::size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = std::move(body);
    req.zone = zone;
    req.headers = std::move(headers);
    req.headers.emplace_back("authorization", "Bearer " + token);
    asio::io_context ioc;
    http::Response res;
    asio::co_spawn(ioc, router_.dispatch(req), [&](std::exception_ptr e, http::Response r) {
      if (e) std::rethrow_exception(e);
      res = std::move(r);
    });
    ioc.run();
    return res;
  }

  static json::object body_of(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string header(const http::Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }

  // Uploads `bytes` as alice (in `zone`) and attaches it to a message: the file.
  FileInfo upload(const std::string& name, const std::string& bytes, http::Zone zone) {
    auto c = call(alice_token_, "POST", "/api/rooms/" + std::to_string(room_.id) + "/uploads",
                  json::serialize(json::object{{"name", name}, {"size", bytes.size()}, {"type", "image/jpeg"}}),
                  zone);
    EXPECT_EQ(c.status, 201) << c.body;
    const std::string id(body_of(c).at("upload").at("id").as_string());
    auto p = call(alice_token_, "PUT", "/api/uploads/" + id, bytes, zone, {{"upload-offset", "0"}});
    EXPECT_EQ(p.status, 201) << p.body;
    const FileId fid = body_of(p).at("file").at("id").to_number<FileId>();
    auto m = call(alice_token_, "POST", "/api/rooms/" + std::to_string(room_.id) + "/messages",
                  json::serialize(json::object{{"client_id", "c-" + id}, {"files", json::array{fid}}}), zone);
    EXPECT_EQ(m.status, 201) << m.body;
    return must(store().file(fid));
  }

  // Stores `bytes` as a blob: its hash.
  std::string blob(const std::string& bytes) {
    const auto tmp = blobs_->temp_path();
    std::ofstream(tmp, std::ios::binary) << bytes;
    return must(blobs_->put_hashed(tmp));
  }

  // Ends the file's job as the job runner would.
  void finish(FileId id, FileState state, const std::string& clean = {}, const std::string& reason = {}) {
    auto job = must(wait<std::optional<FileInfo>>(
        [&](auto cb) { store().claim_file_job(1, clock_.now_ms(), 60000, cb); }));
    ASSERT_TRUE(job && job->id == id);
    store::FileOutcome o;
    o.file = id;
    o.node = 1;
    o.state = state;
    o.reason = reason;
    o.detected_type = "image/jpeg";
    if (state == FileState::ready) {
      o.clean_sha256 = blob(clean);
      o.clean_size = static_cast<std::int64_t>(clean.size());
      o.clean_type = "image/jpeg";
      o.clean_name = "破裂箇所.jpg";
      o.sanitized = true;
      o.thumb_sha256 = blob("thumbnail");
    }
    o.now = clock_.now_ms();
    must(wait<store::RoomChange>([&](auto cb) { store().finish_file_job(o, cb); }));
  }

  std::string path_of(FileId id, const char* what = "/content") {
    return "/api/files/" + std::to_string(id) + what;
  }

  TempDir dir_;
  SystemClock clock_;
  bus::InProcessBus bus_;
  realtime::Hub hub_;
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::Accounts> accounts_;
  std::unique_ptr<services::Rooms> rooms_;
  std::unique_ptr<services::ReadReceipts> receipts_;
  std::unique_ptr<services::Messages> messages_;
  std::unique_ptr<files::BlobStore> blobs_;
  std::unique_ptr<files::Uploads> uploads_;
  std::unique_ptr<services::Files> files_;
  std::unique_ptr<api::Deps> deps_;
  std::unique_ptr<api::Api> api_;
  http::Router router_;
  Room room_;
  std::string alice_token_, bob_token_, dave_token_, eve_token_;
};

TEST_F(RestFilesTest, AReadyInternetUploadGivesEachZoneItsOwnBytes) {
  const std::string original(100000, 'o');
  const std::string clean(80000, 'c');
  FileInfo f = upload("破裂箇所.heic", original, http::Zone::internet);
  EXPECT_TRUE(f.from_internet);
  EXPECT_EQ(call(bob_token_, "GET", path_of(f.id)).status, 409);  // processing
  finish(f.id, FileState::ready, clean);

  auto lg = call(bob_token_, "GET", path_of(f.id));
  ASSERT_EQ(lg.status, 200) << lg.body;
  ASSERT_TRUE(lg.file);
  EXPECT_EQ(lg.file->path, blobs_->path(must(store().file(f.id)).clean_sha256)->string());
  EXPECT_EQ(lg.file->offset, 0u);
  EXPECT_EQ(lg.file->length, clean.size());
  EXPECT_EQ(lg.content_type, "image/jpeg");
  EXPECT_EQ(header(lg, "Content-Disposition"),
            "attachment; filename=\"file.jpg\"; filename*=UTF-8''%E7%A0%B4%E8%A3%82%E7%AE%87%E6%89%80.jpg");
  EXPECT_EQ(header(lg, "Content-Security-Policy"), "default-src 'none'; sandbox");
  EXPECT_EQ(header(lg, "Cache-Control"), "private, no-cache");
  EXPECT_EQ(header(lg, "Accept-Ranges"), "bytes");
  const std::string etag = header(lg, "ETag");
  EXPECT_EQ(etag, "\"" + must(store().file(f.id)).clean_sha256 + "\"");
  EXPECT_EQ(call(bob_token_, "GET", path_of(f.id), {}, http::Zone::lgwan, {{"if-none-match", etag}}).status, 304);
  auto inl = call(bob_token_, "GET", path_of(f.id, "/content?inline=1"));
  EXPECT_TRUE(header(inl, "Content-Disposition").starts_with("inline; "));

  // The Internet zone gets the original, under its own name.
  auto net = call(bob_token_, "GET", path_of(f.id), {}, http::Zone::internet);
  ASSERT_EQ(net.status, 200) << net.body;
  EXPECT_EQ(net.file->path, blobs_->path(f.sha256)->string());
  EXPECT_EQ(net.file->length, original.size());
  EXPECT_NE(header(net, "Content-Disposition").find("filename*=UTF-8''%E7%A0%B4%E8%A3%82%E7%AE%87%E6%89%80.heic"),
            std::string::npos);

  // Ranges: one part, the end, a suffix; past the end is 416 with the size.
  auto part = call(bob_token_, "GET", path_of(f.id), {}, http::Zone::lgwan, {{"range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.file->offset, 100u);
  EXPECT_EQ(part.file->length, 100u);
  EXPECT_EQ(header(part, "Content-Range"), "bytes 100-199/80000");
  auto tail = call(bob_token_, "GET", path_of(f.id), {}, http::Zone::lgwan, {{"range", "bytes=-10"}});
  EXPECT_EQ(header(tail, "Content-Range"), "bytes 79990-79999/80000");
  auto past = call(bob_token_, "GET", path_of(f.id), {}, http::Zone::lgwan, {{"range", "bytes=80000-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(header(past, "Content-Range"), "bytes */80000");
  EXPECT_EQ(std::string(body_of(past).at("error").at("code").as_string()), "range_not_satisfiable");
  // If-Range with another tag: the whole file.
  auto stale = call(bob_token_, "GET", path_of(f.id), {}, http::Zone::lgwan,
                    {{"range", "bytes=0-9"}, {"if-range", "\"other\""}});
  EXPECT_EQ(stale.status, 200);

  auto thumb = call(bob_token_, "GET", path_of(f.id, "/thumbnail"));
  EXPECT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.content_type, "image/jpeg");
  EXPECT_EQ(thumb.file->length, 9u);

  // Outsiders.
  EXPECT_EQ(call(dave_token_, "GET", path_of(f.id)).status, 404);
  EXPECT_EQ(call(eve_token_, "GET", path_of(f.id)).status, 404);
  EXPECT_EQ(call(eve_token_, "GET", path_of(f.id, "")).status, 404);
}

TEST_F(RestFilesTest, WithheldFilesSayWhyAndViewOnlyHolds) {
  FileInfo f = upload("secret.zip", std::string(5000, 'z'), http::Zone::internet);
  finish(f.id, FileState::withheld, {}, "encrypted");
  auto lg = call(bob_token_, "GET", path_of(f.id));
  EXPECT_EQ(lg.status, 403);
  auto err = body_of(lg).at("error").as_object();
  EXPECT_EQ(std::string(err.at("code").as_string()), "file_withheld");
  EXPECT_EQ(std::string(err.at("reason").as_string()), "encrypted");
  EXPECT_EQ(call(bob_token_, "GET", path_of(f.id), {}, http::Zone::internet).status, 200);

  // A file from LGWAN under internet_download "view": a preview, no download.
  FileInfo g = upload("現場.jpg", std::string(5000, 'g'), http::Zone::lgwan);
  finish(g.id, FileState::ready, std::string(4000, 'h'));
  auto admin = call(alice_token_, "PUT", "/api/admin/file-policy", R"({"internet_download":"view"})");
  EXPECT_EQ(admin.status, 403);  // alice is staff
  must(wait<services::FilePolicy>([&](auto cb) {
    services::FilePolicy p;
    p.internet_download = services::InternetDownload::view;
    files_->store_policy(tenant_.id, p, cb);
  }));
  auto dl = call(bob_token_, "GET", path_of(g.id), {}, http::Zone::internet);
  EXPECT_EQ(dl.status, 403);
  EXPECT_EQ(std::string(body_of(dl).at("error").at("code").as_string()), "zone_forbidden");
  auto view = call(bob_token_, "GET", path_of(g.id, "/content?inline=1"), {}, http::Zone::internet);
  EXPECT_EQ(view.status, 200) << view.body;
  EXPECT_TRUE(header(view, "Content-Disposition").starts_with("inline; "));
  EXPECT_EQ(call(bob_token_, "GET", path_of(g.id, "/thumbnail"), {}, http::Zone::internet).status, 200);
  // The LGWAN zone is not affected.
  EXPECT_EQ(call(bob_token_, "GET", path_of(g.id)).status, 200);
}

}  // namespace
}  // namespace tonari::testing
