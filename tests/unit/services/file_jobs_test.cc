#include "services/file_jobs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "search/fulltext.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path kWorker = fs::path(TONARI_BINARY_DIR) / "tonari-sanitize";
const fs::path kFixtures = fs::path(TONARI_SOURCE_DIR) / ".." / "shared" / "fixtures" / "sanitize";
// Japanese documents for the text extraction (make_text_fixtures.py).
const fs::path kTextFixtures = fs::path(TONARI_SOURCE_DIR) / "tests" / "unit" / "sanitize" / "fixtures";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The jobs on a real SQLite store, a real blob store and the real tonari-sanitize.
class FileJobsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    if (::access(kWorker.c_str(), X_OK) != 0) {
      GTEST_SKIP() << kWorker << " is not built: the sanitizer worker (src/sanitize) is missing";
    }
    SqliteStoreTest::SetUp();
    bus_.subscribe([this](const bus::Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(*e.frame);
    });
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    blobs_ = std::make_unique<files::BlobStore>(dir_.path() / "files");
    room_ = group_room();
    config_.sanitizer = kWorker.string();
    config_.workers = 1;
    config_.job_seconds = 20;
    config_.worker_memory_mb = 512;
  }
  void TearDown() override {
    jobs_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  void start() {
    jobs_ = std::make_unique<services::FileJobs>(
        *ctx_, *blobs_, services::FileJobs::Options{config_, 1, true});
    jobs_->start();
  }

  // Stores fixture `name` as a blob and records it as uploaded by bob, attached to a
  // message of room_.
  FileInfo upload(const std::string& fixture, const std::string& name, bool from_internet) {
    return upload_file(kFixtures / fixture, name, from_internet);
  }
  FileInfo upload_file(const fs::path& source, const std::string& name, bool from_internet) {
    const fs::path tmp = blobs_->temp_path();
    fs::copy_file(source, tmp);
    const std::string sha = must(blobs_->put_hashed(tmp));
    store::NewFile nf;
    nf.tenant = tenant_.id;
    nf.room = room_.id;
    nf.uploader = bob_.id;
    nf.name = name;
    nf.size = static_cast<std::int64_t>(fs::file_size(source));
    nf.sha256 = sha;
    nf.declared_type = "image/jpeg";
    nf.from_internet = from_internet;
    nf.now = clock_.now_ms();
    FileInfo f = must(wait<FileInfo>([&](auto cb) { store().create_file(nf, 0, cb); }));
    store::NewMessage m;
    m.room = room_.id;
    m.sender = bob_.id;
    m.client_id = "c-" + std::to_string(f.id);
    m.body = "現場の写真";
    m.now = clock_.now_ms();
    m.tenant = tenant_.id;
    m.files = {f.id};
    must(wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); }));
    return f;
  }

  // The file once its job ended (a failure of the test after `ms`).
  FileInfo done(FileId id, int ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(ms);
    for (;;) {
      FileInfo f = must(store().file(id));
      if (f.state != FileState::processing) return f;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "file " << id << " still processing after " << ms << " ms";
        return f;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // The job counts its outcome just after the store has the file's state (done() sees
  // that first): `ok` within 5 s.
  static bool eventually(const std::function<bool()>& ok) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (!ok()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
  }

  void set_policy(const std::string& json) {
    must(wait<bool>([&](auto cb) { store().set_tenant_setting(tenant_.id, "file_policy", json, cb); }));
  }

  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  // The files of room_ whose search form holds `word`, with their text (SearchHit::text).
  std::map<FileId, std::string> files_with(const std::string& word) {
    store::SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {room_.id};
    q.terms = {search::normalize(word)};
    q.kind = store::SearchQuery::Kind::files;
    std::map<FileId, std::string> out;
    for (const auto& hit : must(store().search(q)).hits) out[hit.file] = hit.text;
    return out;
  }

  SystemClock clock_;
  bus::InProcessBus bus_;
  std::mutex mu_;
  std::vector<std::string> events_;  // guarded by mu_
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<files::BlobStore> blobs_;
  files::FilesConfig config_;
  std::unique_ptr<services::FileJobs> jobs_;
  Room room_;
};

TEST_F(FileJobsTest, AnInternetPhotoIsRebuiltAndAnnounced) {
  FileInfo f = upload("photo.jpg", "破裂箇所.jpg", true);
  start();
  jobs_->notify();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::ready);
  EXPECT_TRUE(d.sanitized);
  EXPECT_EQ(d.detected_type, "image/jpeg");
  EXPECT_EQ(d.clean_type, "image/jpeg");
  EXPECT_NE(d.clean_sha256, d.sha256);
  EXPECT_EQ(d.width, 320);
  EXPECT_EQ(d.attempts, 1);
  ASSERT_TRUE(blobs_->exists(d.clean_sha256));
  const std::string clean = slurp(must(blobs_->path(d.clean_sha256)));
  EXPECT_EQ(static_cast<std::int64_t>(clean.size()), d.clean_size);
  EXPECT_EQ(clean.find("Exif"), std::string::npos);
  EXPECT_TRUE(blobs_->exists(d.thumb_sha256));
  EXPECT_FALSE(d.lat || d.lon);
  // The file.updated event went out on the bus.
  bool announced = false;
  for (const auto& e : events()) {
    auto o = boost::json::parse(e).as_object();
    if (o.at("type") == "file.updated" && o.at("file").at("id").as_int64() == f.id) {
      EXPECT_EQ(o.at("file").at("state"), "ready");
      announced = true;
    }
  }
  EXPECT_TRUE(announced);
  // Counted once the job has ended (after the store has the outcome), its directory gone.
  EXPECT_TRUE(eventually([&] { return jobs_->stats().ready.load() == 1; }));
  for (const auto& e : fs::directory_iterator(blobs_->dir() / "tmp")) {
    EXPECT_FALSE(e.path().filename().string().starts_with("job-")) << e.path();
  }
  EXPECT_GT(jobs_->stats().peak_rss_kb.load(), 0);
}

TEST_F(FileJobsTest, AnLgwanUploadPassesAsItselfUnlessTheMunicipalityChecksThem) {
  FileInfo f = upload("photo.jpg", "庁舎.jpg", false);
  start();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::ready);
  EXPECT_FALSE(d.sanitized);
  EXPECT_EQ(d.clean_sha256, d.sha256);
  EXPECT_EQ(d.clean_size, d.size);
  EXPECT_EQ(d.clean_name, "庁舎.jpg");
  EXPECT_FALSE(d.thumb_sha256.empty());

  set_policy(R"({"check_lgwan_uploads":true})");
  FileInfo g = upload("photo.jpg", "庁舎2.jpg", false);
  jobs_->notify();
  FileInfo e = done(g.id);
  EXPECT_EQ(e.state, FileState::ready);
  EXPECT_TRUE(e.sanitized);
  EXPECT_NE(e.clean_sha256, e.sha256);
}

// The text of what each file delivers reaches the store (FileOutcome::text): a sanitized
// copy's, an unchecked LGWAN upload's original's; a withheld file has none.
TEST_F(FileJobsTest, TheDeliveredFilesTextIsKeptForSearch) {
  FileInfo pdf = upload_file(kTextFixtures / "notice-ja.pdf", "お知らせ.pdf", true);
  FileInfo docx = upload_file(kTextFixtures / "minutes-ja.docx", "要領.docx", false);
  start();
  ASSERT_EQ(done(pdf.id).state, FileState::ready);
  ASSERT_EQ(done(docx.id).state, FileState::ready);
  const auto found = files_with("例規審査会");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found.begin()->first, pdf.id);
  EXPECT_EQ(found.begin()->second, "防災訓練のお知らせ\n例規審査会は１０月１日に第2庁舎で開きます。\nワクチン接種 RPA 課");
  const auto word = files_with("危機管理課");
  ASSERT_EQ(word.size(), 1u);
  EXPECT_TRUE(word.at(docx.id).starts_with("令和8年度 防災訓練実施要領\n避難経路")) << word.at(docx.id);

  set_policy(R"({"office":"rasterize"})");  // no converter: an Internet upload is withheld
  FileInfo withheld = upload_file(kTextFixtures / "slides-ja.pptx", "案内.pptx", true);
  FileInfo lgwan = upload_file(kTextFixtures / "budget-ja.xlsx", "予算.xlsx", false);
  jobs_->notify();
  EXPECT_EQ(done(withheld.id).state, FileState::withheld);
  EXPECT_EQ(done(lgwan.id).state, FileState::ready);  // delivered as it is
  EXPECT_TRUE(files_with("健康推進課").empty());
  EXPECT_EQ(files_with("案内").size(), 1u);  // by its name
  EXPECT_EQ(files_with("ＲＰＡ導入経費").count(lgwan.id), 1u);
}

TEST_F(FileJobsTest, AnExecutableIsBlockedWhereverItCameFrom) {
  FileInfo f = upload("invoice.jpg", "invoice.jpg", false);
  start();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::blocked);
  EXPECT_TRUE(d.reason == "executable" || d.reason == "type_mismatch") << d.reason;
  EXPECT_TRUE(d.clean_sha256.empty());
  EXPECT_TRUE(d.thumb_sha256.empty());
}

TEST_F(FileJobsTest, ACrashingWorkerWithholdsItsFile) {
  config_.test_hooks = true;
  FileInfo f = upload("photo.jpg", "__crash__x.jpg", true);
  start();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::withheld);
  EXPECT_EQ(d.reason, "sanitizer_failed");
  EXPECT_TRUE(eventually([&] { return jobs_->stats().failed.load() == 1; }));
}

TEST_F(FileJobsTest, TestHooksNeedTheConfiguration) {
  FileInfo f = upload("photo.jpg", "__crash__x.jpg", true);
  start();
  EXPECT_EQ(done(f.id).state, FileState::ready);
}

TEST_F(FileJobsTest, AMissingWorkerWithholds) {
  config_.sanitizer = (dir_.path() / "no-such-worker").string();
  FileInfo f = upload("photo.jpg", "a.jpg", true);
  start();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::withheld);
  EXPECT_EQ(d.reason, "sanitizer_failed");
}

TEST_F(FileJobsTest, ANodeWithoutWorkersTakesNoJob) {
  config_.workers = 0;
  FileInfo f = upload("photo.jpg", "a.jpg", true);
  start();
  jobs_->notify();
  std::this_thread::sleep_for(milliseconds(700));
  FileInfo still = must(store().file(f.id));
  EXPECT_EQ(still.state, FileState::processing);
  EXPECT_EQ(still.attempts, 0);
}

TEST_F(FileJobsTest, AJobIsGivenUpAfterThreeAttempts) {
  FileInfo f = upload("photo.jpg", "a.jpg", true);
  // Three nodes took it and died: each lease ran out at once.
  for (int i = 0; i < 3; ++i) {
    auto c = must(wait<std::optional<FileInfo>>(
        [&](auto cb) { store().claim_file_job(90 + i, kT0 + i, 0, cb); }));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->attempts, i + 1);
  }
  start();
  FileInfo d = done(f.id);
  EXPECT_EQ(d.state, FileState::withheld);
  EXPECT_EQ(d.reason, "sanitizer_failed");
  EXPECT_EQ(d.attempts, 4);
}

TEST_F(FileJobsTest, StopKillsARunningWorkerAndTheNextStartResumes) {
  config_.test_hooks = true;
  FileInfo f = upload("photo.jpg", "__loop__x.jpg", true);
  start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (jobs_->stats().running.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(jobs_->stats().running.load(), 1);
  const auto t0 = std::chrono::steady_clock::now();
  jobs_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  FileInfo still = must(store().file(f.id));
  EXPECT_EQ(still.state, FileState::processing);
  EXPECT_EQ(still.attempts, 1);
  // Started again without hooks, the same name is an ordinary photo: the job resumes at
  // once (its lease is freed) and ends.
  config_.test_hooks = false;
  start();
  FileInfo d = done(f.id, 10000);
  EXPECT_EQ(d.state, FileState::ready);
  EXPECT_EQ(d.attempts, 2);
}

}  // namespace
}  // namespace tonari::testing
