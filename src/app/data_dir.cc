#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tonari::app {

namespace fs = std::filesystem;

Result<DataDirLock> DataDirLock::acquire(const std::string& dir, bool exclusive) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return internal_error("cannot create " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  const std::string path = (fs::path(dir) / kLockFile).string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return internal_error("cannot open " + path);
  if (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    ::close(fd);
    return Status(Code::unavailable,
                  exclusive ? dir + " is in use by a running tonari (serve or admin): stop it first"
                            : dir + " is being restored (tonari admin restore): try again when it is done");
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<store::sqlite::BackupFile>> files_to_back_up(const std::string& dir,
                                                                std::vector<std::string>& skipped) {
  constexpr std::uintmax_t kMaxBytes = 16u << 20;
  const std::string db = kDatabaseFile;
  std::vector<store::sqlite::BackupFile> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.empty() || name[0] == '.' || name == kLockFile ||
        name == db || name == db + "-wal" || name == db + "-shm" || name == db + "-journal") {
      continue;
    }
    if (entry.file_size() > kMaxBytes) {
      skipped.push_back(name + " (over 16 MiB)");
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) return internal_error("cannot read " + entry.path().string());
    std::ostringstream content;
    content << in.rdbuf();
    struct stat st {};
    const std::uint32_t mode = ::stat(entry.path().c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
    out.push_back({name, content.str(), mode});
  }
  if (ec) return internal_error("cannot list " + dir + ": " + ec.message());
  return out;
}

}  // namespace tonari::app
