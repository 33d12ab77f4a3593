#include "services/files.h"

#include <algorithm>

#include "files/names.h"
#include "log/log.h"
#include "services/policies.h"

namespace tonari::services {
namespace {

constexpr TimeMs kUploadIdleMs = 24LL * 3600 * 1000;

bool valid_type(std::string_view t) {
  return t.size() <= 127 && std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Status upload_hidden(const std::string& id) {
  return not_found("upload " + (files::Uploads::valid_id(id) ? id : std::string("")) + " not found");
}

std::string mib(std::int64_t bytes) {
  const std::int64_t m = bytes >> 20;
  return (m << 20) == bytes ? std::to_string(m) + " MiB" : std::to_string(bytes) + " bytes";
}

}  // namespace

Result<FilePolicy> load_file_policy(store::Store& store, TenantId tenant) {
  auto s = store.tenant_setting(tenant, kFilePolicyKey);
  if (!s.ok()) return s.status();
  if (!*s) return FilePolicy{};
  auto p = parse_file_policy(**s);
  if (!p.ok()) return internal_error("stored file policy of tenant " + std::to_string(tenant) +
                                     ": " + p.status().message());
  return p;
}

Files::Files(Context& ctx, files::BlobStore& blobs, files::Uploads& uploads,
             files::FilesConfig cfg, Run run_io)
    : ctx_(ctx), blobs_(blobs), uploads_(uploads), cfg_(std::move(cfg)), run_io_(std::move(run_io)) {}

std::int64_t Files::max_file_bytes(TenantId tenant) const {
  auto pol = load_file_policy(ctx_.store, tenant);
  return pol.ok() ? std::min(cfg_.max_file_bytes, pol->max_file_bytes) : cfg_.max_file_bytes;
}

void Files::create_upload(const Actor& actor, Zone zone, NewUpload u,
                          store::Callback<files::UploadStatus> done) {
  auto name = files::clean_file_name(u.name);
  if (!name.ok()) return done(name.status());
  if (!valid_type(u.type)) return done(invalid_argument("type: a media type (printable ASCII)"));
  if (u.size < 1) return done(invalid_argument("size: at least 1 byte"));
  auto rm = ctx_.store.room_and_member(u.room, actor.user.id);
  if (!rm.ok()) {
    return done(rm.status().code() == Code::not_found
                    ? not_found("room " + std::to_string(u.room) + " not found")
                    : rm.status());
  }
  if (Status st = policy::can_post(actor.user, rm->first, rm->second); !st.is_ok()) return done(st);
  auto pol = load_file_policy(ctx_.store, actor.user.tenant);
  if (!pol.ok()) return done(pol.status());
  const std::int64_t max = std::min(cfg_.max_file_bytes, pol->max_file_bytes);
  if (u.size > max) {
    return done(Status(Code::payload_too_large, "the file is " + std::to_string(u.size) +
                                                    " bytes; at most " + mib(max) + " per file"));
  }
  if (pol->quota_bytes > 0) {
    auto used = ctx_.store.tenant_file_bytes(actor.user.tenant);
    if (!used.ok()) return done(used.status());
    if (*used + u.size > pol->quota_bytes) {
      return done(Status(Code::quota_exceeded,
                         "the municipality's files would pass their quota of " +
                             mib(pol->quota_bytes) + " (" + std::to_string(*used) +
                             " bytes used, this file " + std::to_string(u.size) + ")"));
    }
  }
  if (Status st = ctx_.take_write(actor.user.id, "upload"); !st.is_ok()) return done(st);
  files::UploadMeta meta;
  meta.tenant = actor.user.tenant;
  meta.room = u.room;
  meta.user = actor.user.id;
  meta.name = std::move(*name);
  meta.size = u.size;
  meta.declared_type = std::move(u.type);
  meta.created_at = ctx_.clock.now_ms();
  meta.from_internet = zone == Zone::internet;
  run_io_([this, meta = std::move(meta), done = std::move(done)]() mutable {
    done(uploads_.create(std::move(meta)));
  });
}

Result<files::UploadStatus> Files::own_upload(const Actor& actor, Zone zone, const std::string& id) {
  auto up = uploads_.status(id);
  if (!up.ok()) return up.status().code() == Code::not_found ? upload_hidden(id) : up.status();
  if (up->meta.user != actor.user.id || up->meta.tenant != actor.user.tenant) return upload_hidden(id);
  if (up->meta.from_internet != (zone == Zone::internet)) return upload_hidden(id);
  return up;
}

void Files::put_chunk(const Actor& actor, Zone zone, std::string id, std::int64_t offset, std::string bytes,
                      std::function<void(UploadOutcome)> done) {
  run_io_([this, actor, zone, id = std::move(id), offset, bytes = std::move(bytes),
           done = std::move(done)]() mutable {
    auto up = own_upload(actor, zone, id);
    if (!up.ok()) return done(UploadOutcome{up.status(), {}, {}});
    if (up->meta.file) {
      // Finished: the same final request again (its answer was lost) gets the file.
      if (offset != up->meta.size || !bytes.empty()) {
        return done(UploadOutcome{Status(Code::offset_mismatch, "the upload is complete"),
                                  std::move(*up), {}});
      }
      auto f = ctx_.store.file(up->meta.file);
      if (!f.ok()) return done(UploadOutcome{f.status(), std::move(*up), {}});
      return done(UploadOutcome{Status::ok(), std::move(*up), std::move(*f)});
    }
    files::AppendOutcome a = uploads_.append(id, offset, bytes);
    bytes.clear();
    bytes.shrink_to_fit();  // the chunk's memory goes now, not after hashing
    up->offset = a.offset;
    if (!a.status.is_ok()) {
      if (a.status.code() == Code::internal) {
        log::error("files.chunk_failed", {{"upload", id}, {"error", a.status.message()}});
      }
      return done(UploadOutcome{a.status, std::move(*up), {}});
    }
    if (a.offset < up->meta.size) return done(UploadOutcome{Status::ok(), std::move(*up), {}});
    finish(std::move(*up), std::move(done));
  });
}

void Files::finish(files::UploadStatus up, std::function<void(UploadOutcome)> done) {
  const std::string id = up.meta.id;
  {
    std::lock_guard lock(mu_);
    if (!finishing_.insert(id).second) {
      return done(UploadOutcome{
          Status(Code::unavailable, "the upload is being stored; ask again in a moment", 1000),
          std::move(up), {}});
    }
  }
  auto release = [this, id] {
    std::lock_guard lock(mu_);
    finishing_.erase(id);
  };
  auto hash = uploads_.store_blob(id);
  if (!hash.ok()) {
    release();
    log::error("files.store_failed", {{"upload", id}, {"error", hash.status().message()}});
    return done(UploadOutcome{hash.status(), std::move(up), {}});
  }
  std::int64_t quota = 0;
  if (auto pol = load_file_policy(ctx_.store, up.meta.tenant); pol.ok()) {
    quota = pol->quota_bytes;
  } else {
    release();
    return done(UploadOutcome{pol.status(), std::move(up), {}});
  }
  store::NewFile nf{up.meta.tenant, up.meta.room,          up.meta.user,
                    up.meta.name,   up.meta.size,          *hash,
                    up.meta.declared_type, up.meta.from_internet, ctx_.clock.now_ms()};
  ctx_.store.create_file(std::move(nf), quota,
                         [this, up = std::move(up), release, done = std::move(done)](
                             Result<FileInfo> r) mutable {
    // Back to a run_io thread: what follows writes files (not on the store's thread).
    run_io_([this, up = std::move(up), release, r = std::move(r), done = std::move(done)]() mutable {
      const std::string& id = up.meta.id;
      if (!r.ok()) {
        release();
        // Over the quota it cannot succeed later: the bytes go. Other failures keep the
        // upload, to be finished by the same request again.
        if (r.status().code() == Code::quota_exceeded || r.status().code() == Code::not_found) {
          if (Status st = uploads_.cancel(id); !st.is_ok() && st.code() != Code::not_found) {
            log::warn("files.cancel_failed", {{"upload", id}, {"error", st.message()}});
          }
        }
        return done(UploadOutcome{r.status(), std::move(up), {}});
      }
      if (Status st = uploads_.finished(id, r->id); !st.is_ok()) {
        // The file is recorded; only a lost answer cannot be asked again.
        log::warn("files.finish_note_failed", {{"upload", id}, {"file", r->id}, {"error", st.message()}});
      }
      release();
      up.meta.file = r->id;
      up.offset = up.meta.size;
      log::info("files.uploaded", {{"file", r->id},        {"room", r->room},
                                   {"user", r->uploader},  {"size", r->size},
                                   {"from", r->from_internet ? "internet" : "lgwan"}});
      if (created_hook_) created_hook_(*r);
      done(UploadOutcome{Status::ok(), std::move(up), std::move(*r)});
    });
  });
}

void Files::upload_status(const Actor& actor, Zone zone, std::string id, std::function<void(UploadOutcome)> done) {
  run_io_([this, actor, zone, id = std::move(id), done = std::move(done)]() mutable {
    auto up = own_upload(actor, zone, id);
    if (!up.ok()) return done(UploadOutcome{up.status(), {}, {}});
    std::optional<FileInfo> file;
    if (up->meta.file) {
      auto f = ctx_.store.file(up->meta.file);
      if (!f.ok()) return done(UploadOutcome{f.status(), std::move(*up), {}});
      file = std::move(*f);
    }
    done(UploadOutcome{Status::ok(), std::move(*up), std::move(file)});
  });
}

void Files::cancel_upload(const Actor& actor, Zone zone, std::string id, store::Callback<bool> done) {
  run_io_([this, actor, zone, id = std::move(id), done = std::move(done)]() mutable {
    auto up = own_upload(actor, zone, id);
    if (!up.ok()) return done(up.status());
    if (Status st = uploads_.cancel(id); !st.is_ok()) return done(st);
    done(true);
  });
}

int Files::purge_uploads(TimeMs now) { return uploads_.purge(now, kUploadIdleMs); }

FileAnswer Files::access(const Actor& actor, Zone zone, FileId id, FileWhat what) {
  FileAnswer out;
  auto f = ctx_.store.file(id);
  if (!f.ok()) {
    out.status = f.status().code() == Code::not_found
                     ? not_found("file " + std::to_string(id) + " not found")
                     : f.status();
    return out;
  }
  std::optional<Member> member;
  if (f->tenant == actor.user.tenant) {
    auto m = ctx_.store.member(f->room, actor.user.id);
    if (!m.ok() && m.status().code() != Code::not_found) {
      out.status = m.status();
      return out;
    }
    if (m.ok()) member = std::move(*m);
  }
  // The policy matters only to a download or preview of a file from LGWAN in the
  // Internet zone.
  InternetDownload download = InternetDownload::allow;
  if (zone == Zone::internet && !f->from_internet && member &&
      (what == FileWhat::content || what == FileWhat::inline_view)) {
    auto pol = load_file_policy(ctx_.store, f->tenant);
    if (!pol.ok()) {
      out.status = pol.status();
      return out;
    }
    download = pol->internet_download;
  }
  auto d = decide_file_access(FileAccess{actor.user, zone, member, *f, download}, what);
  if (d.ok()) {
    out.serve = std::move(*d);
  } else {
    out.status = d.status();
  }
  // The file itself only to those who may know of it.
  if (out.status.is_ok() || out.status.code() != Code::not_found) out.file = std::move(*f);
  return out;
}

Result<FilePolicy> Files::policy(const Actor& actor) {
  if (actor.user.role != Role::admin) {
    return permission_denied("only an administrator can see the file policy");
  }
  return load_file_policy(ctx_.store, actor.user.tenant);
}

void Files::set_policy(const Actor& actor, std::string_view json_text, store::Callback<FilePolicy> done) {
  if (actor.user.role != Role::admin) {
    return done(permission_denied("only an administrator can change the file policy"));
  }
  auto current = load_file_policy(ctx_.store, actor.user.tenant);
  if (!current.ok()) return done(current.status());
  auto p = parse_file_policy(json_text, *current);
  if (!p.ok()) return done(p.status());
  if (Status st = ctx_.take_write(actor.user.id, "file_policy"); !st.is_ok()) return done(st);
  log::info("files.policy_set", {{"tenant", actor.user.tenant}, {"by", actor.user.id},
                                 {"policy", file_policy_json(*p)}});
  store_policy(actor.user.tenant, *p, std::move(done));
}

void Files::store_policy(TenantId tenant, const FilePolicy& p, store::Callback<FilePolicy> done) {
  ctx_.store.set_tenant_setting(tenant, kFilePolicyKey, file_policy_json(p),
                                [p, done = std::move(done)](Result<bool> r) {
                                  if (!r.ok()) return done(r.status());
                                  done(p);
                                });
}

void Files::set_internet_allowed(const Actor& actor, UserId user, bool allowed,
                                 store::Callback<User> done) {
  if (actor.user.role != Role::admin) {
    return done(permission_denied("only an administrator can allow or restrict Internet use"));
  }
  auto target = ctx_.store.user(user);
  if (!target.ok() || target->tenant != actor.user.tenant) {
    if (!target.ok() && target.status().code() != Code::not_found) return done(target.status());
    return done(not_found("user " + std::to_string(user) + " not found"));
  }
  if (Status st = ctx_.take_write(actor.user.id, "internet_use"); !st.is_ok()) return done(st);
  log::info("files.internet_set", {{"user", user}, {"allowed", allowed}, {"by", actor.user.id}});
  ctx_.store.set_internet_allowed(user, allowed, std::move(done));
}

}  // namespace tonari::services
