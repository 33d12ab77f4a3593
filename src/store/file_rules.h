// What both stores say and do the same way about files (store.h, "Files"): the refusals'
// texts and what a deleted message's file.updated events keep. Internal to the stores.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/types.h"
#include "store/store.h"

namespace tonari::store {

inline Status too_many_files() {
  return invalid_argument("a message has at most " + std::to_string(kMaxFilesPerMessage) +
                          " files");
}
// A file that is not the sender's upload to this room, already attached, deleted or
// blocked (or does not exist): one answer for all, so that it tells nothing of others'
// files.
inline Status cannot_attach(FileId id) {
  return invalid_argument("file " + std::to_string(id) + " cannot be attached");
}
inline Status quota_exceeded(std::int64_t used, std::int64_t size, std::int64_t quota) {
  return Status(Code::quota_exceeded,
                "the municipality's file quota would be exceeded: " + std::to_string(used) +
                    " of " + std::to_string(quota) + " bytes used, " + std::to_string(size) +
                    " more asked");
}
inline Status not_the_job_holder(FileId id) {
  return conflict("file " + std::to_string(id) +
                  " is no longer being sanitized under this node's lease");
}

// `f` as a file.updated event of its deleted message keeps it: which file, and nothing of
// what it was (its name, type, size, state's reason, dimensions, position).
inline FileInfo blank_file(const FileInfo& f) {
  FileInfo out;
  out.id = f.id;
  out.tenant = f.tenant;
  out.room = f.room;
  out.uploader = f.uploader;
  out.from_internet = f.from_internet;
  out.state = f.state;
  out.seq = f.seq;
  out.deleted = true;
  out.created_at = f.created_at;
  out.updated_at = f.updated_at;
  return out;
}

}  // namespace tonari::store
