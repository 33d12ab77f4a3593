#include "store/sqlite/sqlite_store.h"

#include <charconv>

#include "core/thread_name.h"
#include "core/wire.h"
#include "log/log.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/store_impl.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/search_index.h"

namespace tonari::store::sqlite {

// ---- Row mappers ----------------------------------------------------------------------

User read_user(const Stmt& s, int c) {
  User u;
  u.id = s.i64(c);
  u.tenant = s.i64(c + 1);
  u.login = s.text(c + 2);
  u.name = s.text(c + 3);
  u.reading = s.text(c + 4);
  u.dept = s.i64(c + 5);
  u.dept_name = s.text(c + 6);
  u.title = s.text(c + 7);
  u.status = s.text(c + 8);
  u.role = s.text(c + 9) == "admin" ? Role::admin : Role::staff;
  u.disabled = s.i64(c + 10) != 0;
  u.internet_allowed = s.i64(c + 11) != 0;
  u.extension = s.text(c + 12);
  u.crisis = s.i64(c + 13) != 0;
  u.dept_head = s.i64(c + 14) != 0;
  return u;
}

Message read_message(const Stmt& s, int c) {
  Message m;
  m.id = s.i64(c);
  m.room = s.i64(c + 1);
  m.seq = s.i64(c + 2);
  m.sender = s.i64(c + 3);
  m.sender_name = s.text(c + 4);
  m.client_id = s.text(c + 5);
  m.body = s.text(c + 6);
  if (!s.is_null(c + 7)) {
    m.reply_to = ReplySnapshot{s.i64(c + 7), s.i64(c + 8), s.text(c + 9), s.text(c + 10),
                               s.i64(c + 17) != 0};
  }
  m.mentions = split_ids(s.text(c + 11));
  m.mention_all = s.i64(c + 12) != 0;
  m.created_at = s.i64(c + 13);
  m.edited_at = s.i64(c + 14);
  m.deleted = s.i64(c + 15) != 0;
  if (s.text(c + 16) == "system") m.kind = MessageKind::system;
  m.stamp = s.text(c + 18);
  m.ack_required = s.i64(c + 19) != 0;
  m.ack_count = s.i64(c + 20);
  return m;
}

RoomEvent message_created_event(const Message& m, EventNo ev) {
  return RoomEvent{m.room, ev,
                   std::make_shared<const std::string>(wire::message_event("message.created", m, ev))};
}

Room read_room(const Stmt& s, int c) {
  Room r;
  r.id = s.i64(c);
  r.tenant = s.i64(c + 1);
  r.kind = s.text(c + 2) == "direct" ? RoomKind::direct : RoomKind::group;
  r.name = s.text(c + 3);
  r.created_by = s.i64(c + 4);
  r.created_at = s.i64(c + 5);
  r.msg_seq = s.i64(c + 6);
  r.ev = s.i64(c + 7);
  r.last_activity = s.i64(c + 8);
  r.description = s.text(c + 9);
  r.rules.announcement = s.i64(c + 10) != 0;
  r.rules.official = s.i64(c + 11) != 0;
  r.rules.members_invite = s.i64(c + 12) != 0;
  r.rules.members_edit = s.i64(c + 13) != 0;
  r.rules.sync.kind = org_sync_kind_from_name(s.text(c + 14));
  r.rules.sync.dept = s.i64(c + 15);
  r.rules.sync.subtree = s.i64(c + 16) != 0;
  return r;
}

FileInfo read_file(const Stmt& s, int c) {
  FileInfo f;
  f.id = s.i64(c);
  f.tenant = s.i64(c + 1);
  f.room = s.i64(c + 2);
  f.uploader = s.i64(c + 3);
  f.name = s.text(c + 4);
  f.size = s.i64(c + 5);
  f.sha256 = s.text(c + 6);
  f.declared_type = s.text(c + 7);
  f.from_internet = s.i64(c + 8) != 0;
  f.state = file_state_from_name(s.text(c + 9));
  f.reason = s.text(c + 10);
  f.detected_type = s.text(c + 11);
  f.clean_sha256 = s.text(c + 12);
  f.clean_size = s.i64(c + 13);
  f.clean_type = s.text(c + 14);
  f.clean_name = s.text(c + 15);
  f.sanitized = s.i64(c + 16) != 0;
  f.thumb_sha256 = s.text(c + 17);
  f.width = static_cast<std::int32_t>(s.i64(c + 18));
  f.height = static_cast<std::int32_t>(s.i64(c + 19));
  f.pages = static_cast<std::int32_t>(s.i64(c + 20));
  if (!s.is_null(c + 21)) f.lat = s.f64(c + 21);
  if (!s.is_null(c + 22)) f.lon = s.f64(c + 22);
  f.seq = s.i64(c + 23);
  f.deleted = s.i64(c + 24) != 0;
  f.created_at = s.i64(c + 25);
  f.updated_at = s.i64(c + 26);
  f.attempts = static_cast<std::int32_t>(s.i64(c + 27));
  return f;
}

void fill_files(Connection& db, RoomId room, const std::vector<Message*>& msgs) {
  if (msgs.empty()) return;
  // Along files_message (room_id, seq, pos): the files of the messages between the first
  // and the last, in order; those of others in between (none, or a deleted message's) are
  // passed over.
  Stmt s = db.q("SELECT " TONARI_FILE_COLS " FROM files f WHERE f.room_id=? AND f.seq>=?"
                " AND f.seq<=? AND f.deleted=0 ORDER BY f.seq, f.pos");
  s.bind(1, room).bind(2, msgs.front()->seq).bind(3, msgs.back()->seq);
  std::size_t i = 0;
  while (s.step()) {
    const Seq seq = s.i64(23);
    while (i < msgs.size() && msgs[i]->seq < seq) ++i;
    if (i == msgs.size()) break;
    if (msgs[i]->seq == seq && !msgs[i]->deleted) msgs[i]->files.push_back(read_file(s));
  }
}

std::string join_ids(const std::vector<UserId>& ids, char sep) {
  std::string out;
  for (UserId id : ids) {
    if (!out.empty()) out += sep;
    out += std::to_string(id);
  }
  return out;
}

std::vector<UserId> split_ids(const std::string& s) {
  std::vector<UserId> out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    UserId v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) break;
    out.push_back(v);
    p = next;
    if (p < end && *p == ',') ++p;
  }
  return out;
}

std::string json_ids(const std::vector<std::int64_t>& ids) { return "[" + join_ids(ids) + "]"; }

// ---- Connections ----------------------------------------------------------------------

SqliteStore::SqliteStore(Options opts) : opts_(std::move(opts)) {
  auto db = std::make_unique<Connection>(opts_.path, opts_.synchronous, false);
  migrate(*db);
  prepare_search(*db, opts_.search_index);  // nothing pending after it
  last_flush_ = std::chrono::steady_clock::now();
  // SQLite's own checkpoints are off (the writer's connection has a WAL hook): this
  // store's checkpointer runs them off the writer thread, and the writer only finishes one
  // when the log has grown long (wal_limit_frames, writer.h).
  writer_ = std::make_unique<Writer>(
      std::move(db), stats_,
      WriterOptions{.max_batch = opts_.max_batch,
                    .wal_limit_frames = opts_.wal_limit_frames,
                    .drop_cache = [this] { post_cache_.clear(); }});
  checkpointer_ = std::thread([this] {
    name_this_thread("tonari-ckpt");
    checkpoint_loop();
  });
}

void SqliteStore::checkpoint_loop() {
  std::unique_ptr<Connection> db;
  try {
    db = std::make_unique<Connection>(opts_.path, opts_.synchronous, false);
  } catch (const DbError& e) {
    // The writer then keeps the log short alone (Writer::keep_wal_short).
    log::error("store.checkpointer_failed", {{"rc", e.rc()}, {"error", e.what()}});
    return;
  }
  bool failing = false;  // logged once per run of failures
  std::unique_lock lock(ckpt_mu_);
  int last_frames = 0;
  bool busy = false;
  while (!ckpt_stop_) {
    // Every 500 ms; every 50 ms while the log grows fast, so that what is left for the
    // writer to copy when it lets the log start over stays small (Writer::keep_wal_short),
    // and while search documents wait to be indexed after a burst (a backlog drained at
    // the idle pace took half a minute after a million posts, and searches read every
    // pending document meanwhile), and while the index has segments to merge and the
    // writer little else to do (maybe_merge_search).
    const bool backlog = flush_backlog_.load() || unindexed_.load() >= kFlushDocs ||
                         (idle_ && merge_owed_.load() && opts_.search_index);
    ckpt_cv_.wait_for(lock, std::chrono::milliseconds(busy || backlog ? 50 : 500));
    lock.unlock();
    try {
      // The figures are about the log of this generation, or of none if it starts over
      // meanwhile (the writer then ignores them).
      const auto generation = stats_.wal_generation.load(std::memory_order_relaxed);
      auto [frames, copied] = db->checkpoint_passive();
      if (frames >= 0) {
        stats_.wal_progress.store(WriterStats::wal_progress_of(generation, copied));
        busy = frames < last_frames ? frames >= kBusyFrames : frames - last_frames >= kBusyFrames;
        last_frames = frames;
        stats_.wal_frames.store(frames, std::memory_order_relaxed);
        stats_.wal_checkpointed.store(copied, std::memory_order_relaxed);
      }
      failing = false;
      maybe_flush_search();
      maybe_merge_search();
    } catch (const DbError& e) {
      // Retried on the next round; the WAL only grows meanwhile.
      if (!failing) {
        log::warn("store.checkpoint_failed",
                  {{"by", "checkpointer"}, {"rc", e.rc()}, {"error", e.what()}});
      }
      failing = true;
    }
    lock.lock();
  }
}

SqliteStore::~SqliteStore() { shutdown(); }

void SqliteStore::submit(std::unique_ptr<WriteJob> job) { writer_->submit(std::move(job)); }

void SqliteStore::shutdown() {
  // The writer object stays until the store goes: writes submitted from other threads
  // meanwhile find it stopped and fail at once (destroying it here raced with them).
  writer_->stop();
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
  }
  ckpt_cv_.notify_one();
  if (checkpointer_.joinable()) checkpointer_.join();
}

SqliteStore::ReaderLease SqliteStore::reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return ReaderLease(this, std::move(c));
    }
  }
  return ReaderLease(this, std::make_unique<Connection>(opts_.path, opts_.synchronous, true));
}

void SqliteStore::release(std::unique_ptr<Connection> c) {
  if (c->in_transaction()) return;  // a read that failed midway: close it, do not reuse it
  std::lock_guard lock(pool_mu_);
  pool_.push_back(std::move(c));
}

}  // namespace tonari::store::sqlite
