// BlobStore and Uploads on a real temporary directory.
#include "files/blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "files/uploads.h"

namespace tonari::files {
namespace {
namespace fs = std::filesystem;

class FilesDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tonari-files-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

// SHA-256 of "abc" (FIPS 180-2 appendix B.1).
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST_F(FilesDirTest, BlobsAreContentAddressed) {
  BlobStore blobs(dir_);
  EXPECT_TRUE(fs::is_directory(dir_ / "blobs"));
  EXPECT_TRUE(fs::is_directory(dir_ / "tmp"));
  EXPECT_TRUE(fs::is_directory(dir_ / "uploads"));
  const fs::path tmp = blobs.temp_path();
  EXPECT_EQ(tmp.parent_path(), dir_ / "tmp");
  write(tmp, "abc");
  auto h = blobs.put_hashed(tmp);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(*h, kAbc);
  EXPECT_FALSE(fs::exists(tmp));
  const fs::path where = dir_ / "blobs" / "ba" / "78" / kAbc;
  EXPECT_EQ(*blobs.path(kAbc), where);
  EXPECT_EQ(slurp(where), "abc");
  EXPECT_TRUE(blobs.exists(kAbc));
  // The same bytes again: the copy is dropped, the blob stays.
  const fs::path again = blobs.temp_path();
  write(again, "abc");
  ASSERT_TRUE(blobs.put(again, kAbc).is_ok());
  EXPECT_FALSE(fs::exists(again));
  EXPECT_EQ(slurp(where), "abc");
  // Malformed hashes name no path (no escape from the directory).
  EXPECT_EQ(blobs.path("../../etc/passwd").status().code(), Code::invalid_argument);
  EXPECT_EQ(blobs.path(std::string(64, 'A')).status().code(), Code::invalid_argument);
  EXPECT_FALSE(blobs.exists("abc"));
}

TEST_F(FilesDirTest, HashesLargeFilesStreaming) {
  BlobStore blobs(dir_);
  // 1 MiB + 7 bytes of "a": crosses the 64 KiB read pieces unevenly.
  const fs::path p = blobs.temp_path();
  write(p, std::string((1 << 20) + 7, 'a'));
  auto h = BlobStore::hash_file(p);
  ASSERT_TRUE(h.ok());
  // Reference: sha256sum on the same bytes.
  const std::string cmd = "sha256sum " + p.string();
  FILE* f = ::popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char out[65] = {};
  ASSERT_EQ(std::fread(out, 1, 64, f), 64u);
  ::pclose(f);
  EXPECT_EQ(*h, std::string(out, 64));
  EXPECT_EQ(BlobStore::hash_file(dir_ / "missing").status().code(), Code::internal);
}

UploadMeta meta(std::int64_t size) {
  UploadMeta m;
  m.tenant = 1;
  m.room = 5;
  m.user = 7;
  m.name = "破裂箇所.jpg";
  m.size = size;
  m.declared_type = "image/jpeg";
  m.created_at = 1700000000000;
  m.from_internet = true;
  return m;
}

TEST_F(FilesDirTest, AnUploadResumesAtTheOffsetTheServerHas) {
  BlobStore blobs(dir_);
  Uploads uploads(blobs);
  auto up = uploads.create(meta(10));
  ASSERT_TRUE(up.ok()) << up.status().message();
  const std::string id = up->meta.id;
  EXPECT_TRUE(Uploads::valid_id(id));
  EXPECT_EQ(up->offset, 0);
  // Survives a new Uploads (another node, a restart): it is all on disk.
  Uploads other(blobs);
  auto st = other.status(id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->meta.name, "破裂箇所.jpg");
  EXPECT_EQ(st->meta.room, 5);
  EXPECT_TRUE(st->meta.from_internet);

  auto a = uploads.append(id, 0, "abcd");
  ASSERT_TRUE(a.status.is_ok());
  EXPECT_EQ(a.offset, 4);
  // A chunk sent again (its answer was lost), or one that skips ahead: the offset to use.
  for (std::int64_t wrong : {0, 2, 6}) {
    auto m = uploads.append(id, wrong, "xx");
    EXPECT_EQ(m.status.code(), Code::offset_mismatch);
    EXPECT_EQ(m.offset, 4);
  }
  // Past the declared size.
  EXPECT_EQ(uploads.append(id, 4, "0123456789").status.code(), Code::invalid_argument);
  EXPECT_EQ(uploads.status(id)->offset, 4);
  // Not complete: nothing to store.
  EXPECT_EQ(uploads.store_blob(id).status().code(), Code::invalid_argument);
  ASSERT_TRUE(uploads.append(id, 4, "efghij").status.is_ok());
  EXPECT_EQ(uploads.status(id)->offset, 10);
  auto h = uploads.store_blob(id);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(slurp(*blobs.path(*h)), "abcdefghij");
  // The .part stays until the file is recorded; then the session remembers the file.
  EXPECT_TRUE(fs::exists(dir_ / "uploads" / (id + ".part")));
  ASSERT_TRUE(uploads.finished(id, 99).is_ok());
  EXPECT_FALSE(fs::exists(dir_ / "uploads" / (id + ".part")));
  auto done = uploads.status(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->meta.file, 99);
  EXPECT_EQ(done->offset, 10);
  EXPECT_EQ(uploads.append(id, 10, "k").status.code(), Code::conflict);
  // The blob outlives the session.
  ASSERT_TRUE(uploads.cancel(id).is_ok());
  EXPECT_EQ(uploads.status(id).status().code(), Code::not_found);
  EXPECT_TRUE(blobs.exists(*h));
}

TEST_F(FilesDirTest, CancelAndUnknownIds) {
  BlobStore blobs(dir_);
  Uploads uploads(blobs);
  auto up = uploads.create(meta(3));
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE(uploads.append(up->meta.id, 0, "ab").status.is_ok());
  ASSERT_TRUE(uploads.cancel(up->meta.id).is_ok());
  EXPECT_EQ(uploads.status(up->meta.id).status().code(), Code::not_found);
  EXPECT_EQ(uploads.append(up->meta.id, 2, "c").status.code(), Code::not_found);
  EXPECT_EQ(uploads.cancel(up->meta.id).code(), Code::not_found);
  EXPECT_TRUE(fs::is_empty(dir_ / "uploads"));
  for (const char* bad : {"", "../../tonari.db", "0123456789abcdef0123456789ABCDEF", "zz"}) {
    EXPECT_EQ(uploads.status(bad).status().code(), Code::not_found) << bad;
    EXPECT_EQ(uploads.cancel(bad).code(), Code::not_found) << bad;
  }
}

TEST_F(FilesDirTest, PurgeRemovesIdleSessionsAndStaleTemporaries) {
  BlobStore blobs(dir_);
  Uploads uploads(blobs);
  auto idle = uploads.create(meta(3));
  auto busy = uploads.create(meta(3));
  ASSERT_TRUE(idle.ok() && busy.ok());
  write(blobs.temp_path(), "left by a crash");
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  const TimeMs day = 24LL * 3600 * 1000;
  // Nothing is a day old yet.
  EXPECT_EQ(uploads.purge(now, day), 0);
  // Seen from two days later, with one of them written to meanwhile (its files touched).
  ASSERT_TRUE(uploads.append(busy->meta.id, 0, "a").status.is_ok());
  for (const char* ext : {".json", ".part"}) {
    const fs::path p = dir_ / "uploads" / (busy->meta.id + ext);
    fs::last_write_time(p, fs::file_time_type::clock::now() + std::chrono::hours(48));
  }
  EXPECT_EQ(uploads.purge(now + 2 * day, day), 1);
  EXPECT_EQ(uploads.status(idle->meta.id).status().code(), Code::not_found);
  EXPECT_TRUE(uploads.status(busy->meta.id).ok());
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
}

}  // namespace
}  // namespace tonari::files
