// Files: uploads (resumable sessions, files/uploads.h), access to files' bytes for each
// request (the rules of file_policy.h, with the facts read now) and the municipality's
// file administration (policy, who may use the Internet zone).
// File I/O (chunks, hashing) runs on `run_io`, never on the caller's thread; store reads
// run on the caller's, like every service's.
// Thread safety: all methods may be called from any thread; callbacks run on the
// run_io pool or where the store runs its callbacks.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "files/blob_store.h"
#include "files/config.h"
#include "files/uploads.h"
#include "services/context.h"
#include "services/file_policy.h"

namespace tonari::services {

struct NewUpload {
  RoomId room = 0;
  std::string name;
  std::int64_t size = 0;
  std::string type;  // as declared by the client; may be empty
};

// An upload's progress: `status` ok, or why a chunk was refused (offset_mismatch: the
// upload's offset is the current one).
struct UploadOutcome {
  Status status;
  files::UploadStatus upload;
  std::optional<FileInfo> file;  // the upload is complete: the file recorded from it
};

// The answer to a request for a file: `status` ok and what to send (`serve`), or the
// refusal; `file` is the file as read (when it was found), e.g. for a withheld reason.
struct FileAnswer {
  Status status;
  std::optional<FileInfo> file;
  FileServe serve;
};

// The municipality's policy as stored (defaults if never set).
Result<FilePolicy> load_file_policy(store::Store& store, TenantId tenant);

class Files {
 public:
  using Run = std::function<void(std::function<void()>)>;

  Files(Context& ctx, files::BlobStore& blobs, files::Uploads& uploads, files::FilesConfig cfg,
        Run run_io);

  // Called (on a run_io thread) after each file is recorded: the node wakes its job
  // runner. Set before serving.
  void set_created_hook(std::function<void(const FileInfo&)> hook) { created_hook_ = std::move(hook); }

  // Starts an upload to room `u.room`: not_found unless the caller is a member;
  // invalid_argument for a bad name or size; payload_too_large over the smaller of
  // [files] max_file_bytes and the policy's; quota_exceeded if the municipality's files
  // would pass its quota; rate_limited over the caller's write rate.
  void create_upload(const Actor& actor, Zone zone, NewUpload u,
                     store::Callback<files::UploadStatus> done);
  // Writes a chunk at `offset` (an upload of someone else is not_found). When it
  // completes the upload, the bytes are hashed and stored and the file recorded
  // (create_file: quota_exceeded drops the upload; another failure keeps it, and the
  // same request with no bytes tries again). A finished upload answers its file again.
  void put_chunk(const Actor& actor, Zone zone, std::string id, std::int64_t offset, std::string bytes,
                 std::function<void(UploadOutcome)> done);
  // Where the upload stands (and its file, once finished).
  void upload_status(const Actor& actor, Zone zone, std::string id, std::function<void(UploadOutcome)> done);
  void cancel_upload(const Actor& actor, Zone zone, std::string id, store::Callback<bool> done);
  // Removes uploads idle for 24 hours and stale temporary files (housekeeping).
  int purge_uploads(TimeMs now);

  // What `actor`, in `zone`, may get of file `id` (decide_file_access on the facts now).
  FileAnswer access(const Actor& actor, Zone zone, FileId id, FileWhat what);
  // Where blob `sha256` is on disk.
  Result<std::filesystem::path> blob_path(const std::string& sha256) const { return blobs_.path(sha256); }

  // Municipality administrators only (permission_denied otherwise).
  Result<FilePolicy> policy(const Actor& actor);
  // Changes the keys of `json_text` (parse_file_policy over the current policy).
  void set_policy(const Actor& actor, std::string_view json_text, store::Callback<FilePolicy> done);
  // Whether user `user` of the actor's municipality may use the Internet zone.
  void set_internet_allowed(const Actor& actor, UserId user, bool allowed, store::Callback<User> done);
  // Stores `p` as the municipality's policy (the CLI; and set_policy).
  void store_policy(TenantId tenant, const FilePolicy& p, store::Callback<FilePolicy> done);

  std::int64_t chunk_bytes() const { return cfg_.chunk_bytes; }
  std::int64_t max_file_bytes() const { return cfg_.max_file_bytes; }
  // The largest file `tenant` may upload: [files] max_file_bytes or its policy's, the lower.
  std::int64_t max_file_bytes(TenantId tenant) const;

 private:
  // The upload `id` if `actor` started it; not_found otherwise.
  // The caller's upload, reached through the zone it was started from: an upload begun
  // on LGWAN cannot be fed from the Internet (its bytes would skip 無害化) nor the reverse.
  Result<files::UploadStatus> own_upload(const Actor& actor, Zone zone, const std::string& id);
  // Hashes and stores the complete upload and records its file (on a run_io thread).
  void finish(files::UploadStatus up, std::function<void(UploadOutcome)> done);

  Context& ctx_;
  files::BlobStore& blobs_;
  files::Uploads& uploads_;
  const files::FilesConfig cfg_;
  const Run run_io_;
  std::function<void(const FileInfo&)> created_hook_;

  std::mutex mu_;
  std::set<std::string> finishing_;  // uploads being hashed and recorded here; guarded by mu_
};

}  // namespace tonari::services
