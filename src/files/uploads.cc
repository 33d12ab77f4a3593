#include "files/uploads.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "files/fs.h"

namespace tonari::files {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// An open file descriptor, closed (and so unlocked) when it goes.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status errno_status(const char* what, const fs::path& path, int err) {
  return internal_error(std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

TimeMs mtime_ms(const fs::path& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return -1;
  return static_cast<TimeMs>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

bool Uploads::valid_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

fs::path Uploads::json_path(std::string_view id) const {
  return blobs_.uploads_dir() / (std::string(id) + ".json");
}

fs::path Uploads::part_path(std::string_view id) const {
  return blobs_.uploads_dir() / (std::string(id) + ".part");
}

Status Uploads::write_meta(const UploadMeta& m) const {
  json::object o{{"tenant", m.tenant},         {"room", m.room},
                 {"user", m.user},             {"name", m.name},
                 {"size", m.size},             {"type", m.declared_type},
                 {"created_at", m.created_at}, {"from_internet", m.from_internet},
                 {"file", m.file}};
  return write_file_atomic(json_path(m.id), json::serialize(o));
}

Result<UploadMeta> Uploads::read_meta(std::string_view id) const {
  if (!valid_id(id)) return not_found("upload not found");
  auto text = read_file(json_path(id));
  if (!text.ok()) {
    return text.status().code() == Code::not_found ? not_found("upload " + std::string(id) + " not found")
                                                   : text.status();
  }
  try {
    const json::object o = json::parse(*text).as_object();
    UploadMeta m;
    m.id = std::string(id);
    m.tenant = o.at("tenant").to_number<std::int64_t>();
    m.room = o.at("room").to_number<std::int64_t>();
    m.user = o.at("user").to_number<std::int64_t>();
    m.name = std::string(o.at("name").as_string());
    m.size = o.at("size").to_number<std::int64_t>();
    m.declared_type = std::string(o.at("type").as_string());
    m.created_at = o.at("created_at").to_number<std::int64_t>();
    m.from_internet = o.at("from_internet").as_bool();
    m.file = o.at("file").to_number<std::int64_t>();
    return m;
  } catch (const std::exception& e) {
    return internal_error("upload " + std::string(id) + ": unreadable session file: " + e.what());
  }
}

Result<UploadStatus> Uploads::create(UploadMeta meta) {
  meta.id = random_hex(16);
  meta.file = 0;
  const fs::path part = part_path(meta.id);
  {
    Fd f(::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (f.fd < 0) return errno_status("creating", part, errno);
  }
  // The .json last: a session without it is not one (purge() removes the stray .part).
  if (Status st = write_meta(meta); !st.is_ok()) {
    ::unlink(part.c_str());
    return st;
  }
  return UploadStatus{std::move(meta), 0};
}

Result<UploadStatus> Uploads::status(std::string_view id) {
  auto m = read_meta(id);
  if (!m.ok()) return m.status();
  if (m->file) return UploadStatus{std::move(*m), m->size};
  struct stat st;
  const fs::path part = part_path(id);
  if (::stat(part.c_str(), &st) != 0) {
    // Finished by another node between the two reads, or removed (cancel, purge).
    auto again = read_meta(id);
    if (again.ok() && again->file) return UploadStatus{std::move(*again), again->size};
    return not_found("upload " + std::string(id) + " not found");
  }
  return UploadStatus{std::move(*m), static_cast<std::int64_t>(st.st_size)};
}

AppendOutcome Uploads::append(std::string_view id, std::int64_t offset, std::string_view bytes) {
  auto m = read_meta(id);
  if (!m.ok()) return {m.status(), 0};
  if (m->file) return {conflict("upload " + std::string(id) + " is finished"), m->size};
  const fs::path part = part_path(id);
  Fd f(::open(part.c_str(), O_WRONLY | O_CLOEXEC));
  if (f.fd < 0) {
    if (errno == ENOENT) return {not_found("upload " + std::string(id) + " not found"), 0};
    return {errno_status("opening", part, errno), 0};
  }
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return {errno_status("reading the size of", part, errno), 0};
  const std::int64_t current = st.st_size;
  // One writer at a time: a client's retry while its first attempt is still being
  // written is told the offset as it stands, and learns the rest at its next try.
  if (::flock(f.fd, LOCK_EX | LOCK_NB) != 0) {
    return {Status(Code::offset_mismatch, "another chunk of this upload is being written"), current};
  }
  // The size again, under the lock: a chunk that ended just before it was taken counts.
  if (::fstat(f.fd, &st) != 0) return {errno_status("reading the size of", part, errno), 0};
  const std::int64_t at = st.st_size;
  if (offset != at) {
    return {Status(Code::offset_mismatch, "upload is at offset " + std::to_string(at) +
                                              ", not " + std::to_string(offset)),
            at};
  }
  if (static_cast<std::int64_t>(bytes.size()) > m->size - at) {
    return {invalid_argument("the chunk passes the upload's size of " + std::to_string(m->size) +
                             " bytes"),
            at};
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(f.fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(at + static_cast<std::int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // What was written of this chunk is not acknowledged: the offset stays.
      if (::ftruncate(f.fd, static_cast<off_t>(at)) != 0) {}
      return {errno_status("writing", part, err), at};
    }
    done += static_cast<std::size_t>(n);
  }
  if (!bytes.empty() && ::fdatasync(f.fd) != 0) {
    const int err = errno;
    if (::ftruncate(f.fd, static_cast<off_t>(at)) != 0) {}
    return {errno_status("syncing", part, err), at};
  }
  return {Status::ok(), at + static_cast<std::int64_t>(bytes.size())};
}

Status Uploads::cancel(std::string_view id) {
  if (!valid_id(id)) return not_found("upload not found");
  std::error_code ec;
  const bool had_json = fs::remove(json_path(id), ec);
  const bool had_part = fs::remove(part_path(id), ec);
  if (!had_json && !had_part) return not_found("upload " + std::string(id) + " not found");
  return Status::ok();
}

Result<std::string> Uploads::store_blob(std::string_view id) {
  auto m = read_meta(id);
  if (!m.ok()) return m.status();
  const fs::path part = part_path(id);
  Fd f(::open(part.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) {
    if (errno == ENOENT) return not_found("upload " + std::string(id) + " not found");
    return errno_status("opening", part, errno);
  }
  // No chunk is written meanwhile (append() takes the same lock).
  if (::flock(f.fd, LOCK_EX) != 0) return errno_status("locking", part, errno);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return errno_status("reading the size of", part, errno);
  if (st.st_size != m->size) {
    return invalid_argument("upload has " + std::to_string(st.st_size) + " of " +
                            std::to_string(m->size) + " bytes");
  }
  auto hash = BlobStore::hash_file(part);
  if (!hash.ok()) return hash;
  if (blobs_.exists(*hash)) return hash;
  // A second name for the same bytes, moved into place by put(): no copy of a large file.
  const fs::path tmp = blobs_.temp_path();
  if (::link(part.c_str(), tmp.c_str()) != 0) {
    std::error_code ec;
    fs::copy_file(part, tmp, ec);  // a file system without hard links
    if (ec) return internal_error("copying " + part.string() + ": " + ec.message());
  }
  TONARI_RETURN_IF_ERROR(blobs_.put(tmp, *hash));
  return hash;
}

Status Uploads::finished(std::string_view id, FileId file) {
  auto m = read_meta(id);
  if (!m.ok()) return m.status();
  m->file = file;
  TONARI_RETURN_IF_ERROR(write_meta(*m));
  std::error_code ec;
  fs::remove(part_path(id), ec);
  return Status::ok();
}

int Uploads::purge(TimeMs now, TimeMs idle_ms) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(blobs_.uploads_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    const std::string ext = p.extension().string();
    const std::string id = p.stem().string();
    if (ext == ".json") {
      const TimeMs last = std::max(mtime_ms(p), mtime_ms(part_path(id)));
      if (last >= 0 && now - last > idle_ms) {
        std::error_code rec;
        fs::remove(p, rec);
        fs::remove(part_path(id), rec);
        ++removed;
      }
    } else if (ext == ".part") {
      // A session whose .json was never written (a crash in create()).
      std::error_code rec;
      const TimeMs last = mtime_ms(p);
      if (!fs::exists(json_path(id), rec) && last >= 0 && now - last > idle_ms) fs::remove(p, rec);
    } else if (p.filename().string().starts_with(".")) {
      // A temporary .json of write_file_atomic() left by a crash.
      const TimeMs last = mtime_ms(p);
      std::error_code rec;
      if (last >= 0 && now - last > idle_ms) fs::remove(p, rec);
    }
  }
  for (fs::directory_iterator it(blobs_.dir() / "tmp", ec), end; !ec && it != end; it.increment(ec)) {
    const TimeMs last = mtime_ms(it->path());
    std::error_code rec;
    if (last >= 0 && now - last > idle_ms) fs::remove(it->path(), rec);
  }
  return removed;
}

}  // namespace tonari::files
