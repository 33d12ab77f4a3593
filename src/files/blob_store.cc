#include "files/blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "files/fs.h"

namespace tonari::files {
namespace fs = std::filesystem;

namespace {

bool is_hash(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

BlobStore::BlobStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  for (const char* sub : {"blobs", "tmp", "uploads"}) fs::create_directories(dir_ / sub, ec);
}

fs::path BlobStore::temp_path() const { return dir_ / "tmp" / (random_hex(16) + ".tmp"); }

Status BlobStore::put(const fs::path& tmp, const std::string& sha256) {
  auto dest = path(sha256);
  if (!dest.ok()) return dest.status();
  TONARI_RETURN_IF_ERROR(sync_file(tmp));
  std::error_code ec;
  if (fs::exists(*dest, ec)) {
    // The same bytes are there already (content addressing): the copy is not needed.
    fs::remove(tmp, ec);
    return Status::ok();
  }
  const fs::path parent = dest->parent_path();
  fs::create_directories(parent, ec);
  if (ec) return internal_error("creating " + parent.string() + ": " + ec.message());
  // rename() replaces atomically: a concurrent put of the same blob leaves one whole copy.
  if (::rename(tmp.c_str(), dest->c_str()) != 0) {
    return internal_error("renaming " + tmp.string() + ": " + std::strerror(errno));
  }
  // The new name (and a new ab/cd directory's own entry) must survive a crash too.
  TONARI_RETURN_IF_ERROR(sync_dir(parent));
  TONARI_RETURN_IF_ERROR(sync_dir(parent.parent_path()));
  return sync_dir(parent.parent_path().parent_path());
}

Result<std::string> BlobStore::hash_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("opening " + path.string() + ": " + std::strerror(errno));
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  std::array<unsigned char, 64 * 1024> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return internal_error("reading " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&st, buf.data(), static_cast<unsigned long long>(n));
  }
  ::close(fd);
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&st, digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Result<std::string> BlobStore::put_hashed(const fs::path& tmp) {
  auto h = hash_file(tmp);
  if (!h.ok()) return h;
  TONARI_RETURN_IF_ERROR(put(tmp, *h));
  return h;
}

Result<fs::path> BlobStore::path(const std::string& sha256) const {
  if (!is_hash(sha256)) return invalid_argument("not a SHA-256 hex digest");
  return dir_ / "blobs" / sha256.substr(0, 2) / sha256.substr(2, 2) / sha256;
}

bool BlobStore::exists(const std::string& sha256) const {
  auto p = path(sha256);
  std::error_code ec;
  return p.ok() && fs::is_regular_file(*p, ec);
}

}  // namespace tonari::files
