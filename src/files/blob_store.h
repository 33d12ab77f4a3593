// BlobStore: the bytes of files, content-addressed by SHA-256 (hex). One local directory
// for a town hall's single process; the nodes of a cluster all point at one shared
// directory (NFS or similar): names are content hashes and every write is a rename of a
// finished temporary file, so two nodes writing the same blob cannot corrupt it.
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace tonari::files {

class BlobStore {
 public:
  // `dir` is created if missing (blobs/, tmp/, uploads/ under it).
  explicit BlobStore(std::filesystem::path dir);

  // A fresh path under tmp/ to write a new blob to (then put() it).
  std::filesystem::path temp_path() const;
  // Moves the finished file `tmp` (under tmp/) into place as blob `sha256`: fsync of the
  // file, rename, fsync of the directory. If the blob exists already `tmp` is removed.
  // After ok the blob survives a crash.
  Status put(const std::filesystem::path& tmp, const std::string& sha256);
  // Hashes the file at `path` (streaming, libsodium SHA-256), in lower-case hex.
  static Result<std::string> hash_file(const std::filesystem::path& path);
  // Hashes `tmp` and put()s it; returns the hash.
  Result<std::string> put_hashed(const std::filesystem::path& tmp);
  // Where blob `sha256` is (it may not exist); invalid_argument for a malformed hash.
  Result<std::filesystem::path> path(const std::string& sha256) const;
  bool exists(const std::string& sha256) const;
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path uploads_dir() const { return dir_ / "uploads"; }

 private:
  std::filesystem::path dir_;
};

}  // namespace tonari::files
