// Uploads: resumable upload sessions on disk. A session is two files in the blob store's
// uploads/ directory: <id>.json (who uploads what, where) and <id>.part (the bytes so
// far; its size is the session's offset). Chunks are appended at the offset and synced
// before they are acknowledged, so a client that lost a connection resumes from what
// the server has. Being files in the blob store's directory, sessions are shared by the
// nodes of a cluster that share it: a chunk may land on any node.
// This layer keeps bytes and names; who may use a session is the services' decision.
// Thread safety: every method may be called from any thread (a chunk and the end of an
// upload lock the .part file: flock, also across processes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"
#include "files/blob_store.h"

namespace tonari::files {

struct UploadMeta {
  std::string id;  // 32 hex digits (128 random bits)
  TenantId tenant = 0;
  RoomId room = 0;
  UserId user = 0;
  std::string name;           // already cleaned (names.h)
  std::int64_t size = 0;      // declared total, bytes
  std::string declared_type;  // what the client said
  TimeMs created_at = 0;
  bool from_internet = false;
  FileId file = 0;  // once finished: the file recorded from it
};

struct UploadStatus {
  UploadMeta meta;
  std::int64_t offset = 0;  // bytes received: the .part's size (size once finished)
};

// What an append did: ok with the new offset, or a refusal (offset_mismatch: `offset` is
// then the current one, where the client resumes).
struct AppendOutcome {
  Status status;
  std::int64_t offset = 0;
};

class Uploads {
 public:
  explicit Uploads(BlobStore& blobs) : blobs_(blobs) {}

  // Starts a session for `meta` (its id is made here) with no bytes yet; durable on ok.
  Result<UploadStatus> create(UploadMeta meta);
  // The session `id`; not_found for an unknown or malformed id.
  Result<UploadStatus> status(std::string_view id);
  // Writes `bytes` at `offset` and syncs them. offset_mismatch unless `offset` is the
  // session's offset (or another chunk of it is being written right now);
  // invalid_argument if the bytes would pass its size; conflict once it is finished. A
  // failed write leaves the offset where it was.
  AppendOutcome append(std::string_view id, std::int64_t offset, std::string_view bytes);
  // Ends the session: its files are removed. not_found if there is none.
  Status cancel(std::string_view id);
  // The complete upload's bytes, hashed (SHA-256) and put into the blob store; returns
  // the hash. The .part stays until finished() (a failure after this can be retried).
  // invalid_argument unless all `size` bytes are there.
  Result<std::string> store_blob(std::string_view id);
  // Records that file `file` was made from the session: its .json keeps the id (so that
  // a client that lost the answer learns it) and its .part is removed.
  Status finished(std::string_view id, FileId file);
  // Removes sessions with no write for `idle_ms` (before `now`) and temporary files of
  // the blob store as old; returns how many sessions.
  int purge(TimeMs now, TimeMs idle_ms);

  static bool valid_id(std::string_view id);

 private:
  std::filesystem::path json_path(std::string_view id) const;
  std::filesystem::path part_path(std::string_view id) const;
  Result<UploadMeta> read_meta(std::string_view id) const;
  Status write_meta(const UploadMeta& m) const;

  BlobStore& blobs_;
};

}  // namespace tonari::files
