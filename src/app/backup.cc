#include "app/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>

#include "app/data_dir.h"
#include "log/log.h"
#include "store/sqlite/backup.h"

namespace tonari::app {
namespace {

namespace fs = std::filesystem;
using store::sqlite::BackupInfo;

int fail(const std::string& what, const Status& st) {
  std::cerr << "tonari: " << what << ": " << st.message() << '\n';
  log::error(what == "backup" ? "backup.failed" : "restore.failed", {{"error", st.message()}});
  return 2;
}

void print_info(const BackupInfo& info) {
  std::cout << "  schema version " << info.schema_version << ", " << info.bytes << " bytes\n  ";
  for (std::size_t i = 0; i < info.counts.size(); ++i) {
    std::cout << (i ? ", " : "") << info.counts[i].second << ' ' << info.counts[i].first;
  }
  std::cout << '\n';
  if (!info.files.empty()) {
    std::cout << "  files:";
    for (const auto& f : info.files) std::cout << ' ' << f;
    std::cout << '\n';
  }
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("cannot open " + dir);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::ok() : internal_error("fsync " + dir + " failed");
}

// Writes `content` to `path` by way of a hidden file beside it: synced, then renamed.
Status write_file(const fs::path& path, const std::string& content, std::uint32_t mode) {
  const fs::path tmp = path.parent_path() / (".restore-" + path.filename().string());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
  if (fd < 0) return internal_error("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == content.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return internal_error("cannot write " + tmp.string());
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return internal_error("rename " + tmp.string() + ": " + ec.message());
  return Status::ok();
}

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

}  // namespace

int admin_backup(const Config& cfg, const std::string& to) {
  // A reader of the directory like any other: no restore may start meanwhile.
  auto lock = DataDirLock::acquire(cfg.data_dir, false);
  if (!lock.ok()) return fail("backup", lock.status());
  std::vector<std::string> skipped;
  auto files = files_to_back_up(cfg.data_dir, skipped);
  if (!files.ok()) return fail("backup", files.status());
  const std::string db = (fs::path(cfg.data_dir) / kDatabaseFile).string();
  auto info = store::sqlite::write_backup(db, to, *files);
  if (!info.ok()) return fail("backup", info.status());
  std::cout << "backed up " << cfg.data_dir << " to " << to << '\n';
  print_info(*info);
  for (const auto& s : skipped) std::cout << "  left out: " << s << '\n';
  log::info("backup.written", {{"to", to}, {"bytes", info->bytes},
                               {"schema_version", info->schema_version}});
  return 0;
}

int admin_restore(const std::string& from, const std::string& data_dir, bool force) {
  auto info = store::sqlite::backup_info(from);
  if (!info.ok()) return fail("restore", info.status());
  auto files = store::sqlite::backup_files(from);
  if (!files.ok()) return fail("restore", files.status());
  // A crafted backup must not bring a file that would pass for the database's own.
  const std::string db_name = kDatabaseFile;
  for (const auto& f : *files) {
    if (f.name[0] == '.' || f.name == kLockFile || f.name.starts_with(db_name)) {
      return fail("restore", invalid_argument(from + " carries a file named " + f.name));
    }
  }
  auto lock = DataDirLock::acquire(data_dir, true);
  if (!lock.ok()) return fail("restore", lock.status());

  const fs::path dir(data_dir);
  const fs::path db = dir / kDatabaseFile;
  std::error_code ec;
  const bool has_data = fs::exists(db, ec);
  if (has_data && !force) {
    return fail("restore", Status(Code::conflict, data_dir + " already holds a database; --force "
                                  "replaces it (the old files are kept in " + data_dir +
                                  "/replaced-<time>/)"));
  }
  // The copy is made ready under a hidden name, so that the database appears whole or
  // not at all.
  const fs::path staged = dir / ".restore-tonari.db";
  fs::remove(staged, ec);
  fs::copy_file(from, staged, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail("restore", internal_error("copy " + from + ": " + ec.message()));
  fs::permissions(staged, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (Status st = store::sqlite::strip_backup(staged.string()); !st.is_ok()) {
    fs::remove(staged, ec);
    return fail("restore", st);
  }

  // What is replaced is moved aside: the database with its log (a stale log must never
  // meet the restored database) and the files the backup brings.
  std::vector<std::string> replaced_names;
  for (const std::string& n : {db_name, db_name + "-wal", db_name + "-shm", db_name + "-journal"}) {
    replaced_names.push_back(n);
  }
  for (const auto& f : *files) replaced_names.push_back(f.name);
  fs::path aside;
  for (const auto& n : replaced_names) {
    if (!fs::exists(dir / n, ec)) continue;
    if (aside.empty()) {
      aside = dir / ("replaced-" + timestamp());
      fs::create_directories(aside, ec);
      if (ec) return fail("restore", internal_error("cannot create " + aside.string()));
    }
    fs::rename(dir / n, aside / n, ec);
    if (ec) return fail("restore", internal_error("cannot move " + n + " aside: " + ec.message()));
  }
  for (const auto& f : *files) {
    if (Status st = write_file(dir / f.name, f.content, f.mode); !st.is_ok()) {
      return fail("restore", st);
    }
  }
  fs::rename(staged, db, ec);
  if (ec) return fail("restore", internal_error("rename into " + db.string() + ": " + ec.message()));
  if (Status st = sync_dir(data_dir); !st.is_ok()) return fail("restore", st);

  std::cout << "restored " << from << " into " << data_dir << '\n';
  print_info(*info);
  if (!aside.empty()) std::cout << "  the replaced files are in " << aside.string() << '\n';
  log::info("restore.done", {{"from", from}, {"data", data_dir},
                             {"schema_version", info->schema_version}});
  return 0;
}

}  // namespace tonari::app
