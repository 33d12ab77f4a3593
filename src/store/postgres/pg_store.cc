#include "store/postgres/pg_store.h"

#include <charconv>
#include <stdexcept>

#include "core/wire.h"
#include "store/postgres/schema.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {

// ---- Row mappers ----------------------------------------------------------------------

MemberRole member_role(std::string_view role) {
  return member_role_from_name(role).value_or(MemberRole::member);
}

User read_user(const Row& row, int c) {
  User u;
  u.id = row.i64(c);
  u.tenant = row.i64(c + 1);
  u.login = row.text(c + 2);
  u.name = row.text(c + 3);
  u.reading = row.text(c + 4);
  u.dept = row.i64(c + 5);
  u.dept_name = row.text(c + 6);
  u.title = row.text(c + 7);
  u.status = row.text(c + 8);
  u.role = row.view(c + 9) == "admin" ? Role::admin : Role::staff;
  u.disabled = row.boolean(c + 10);
  u.internet_allowed = row.boolean(c + 11);
  u.extension = row.text(c + 12);
  return u;
}

Message read_message(const Row& row, int c) {
  Message m;
  m.id = row.i64(c);
  m.room = row.i64(c + 1);
  m.seq = row.i64(c + 2);
  m.sender = row.i64(c + 3);
  m.sender_name = row.text(c + 4);
  m.client_id = row.text(c + 5);
  m.body = row.text(c + 6);
  if (!row.is_null(c + 7)) {
    m.reply_to = ReplySnapshot{row.i64(c + 7), row.i64(c + 8), row.text(c + 9), row.text(c + 10),
                               row.boolean(c + 17)};
  }
  m.mentions = split_ids(row.view(c + 11));
  m.mention_all = row.boolean(c + 12);
  m.created_at = row.i64(c + 13);
  m.edited_at = row.i64(c + 14);
  m.deleted = row.boolean(c + 15);
  m.kind = row.view(c + 16) == "system" ? MessageKind::system : MessageKind::text;
  return m;
}

Room read_room(const Row& row, int c) {
  Room r;
  r.id = row.i64(c);
  r.tenant = row.i64(c + 1);
  r.kind = row.view(c + 2) == "direct" ? RoomKind::direct : RoomKind::group;
  r.name = row.text(c + 3);
  r.created_by = row.i64(c + 4);
  r.created_at = row.i64(c + 5);
  r.msg_seq = row.i64(c + 6);
  r.ev = row.i64(c + 7);
  r.last_activity = row.i64(c + 8);
  r.description = row.text(c + 9);
  r.rules.announcement = row.boolean(c + 10);
  r.rules.official = row.boolean(c + 11);
  r.rules.members_invite = row.boolean(c + 12);
  r.rules.members_edit = row.boolean(c + 13);
  r.rules.sync.kind = org_sync_kind_from_name(row.view(c + 14));
  r.rules.sync.dept = row.i64(c + 15);
  r.rules.sync.subtree = row.boolean(c + 16);
  return r;
}

FileInfo read_file(const Row& row, int c) {
  FileInfo f;
  f.id = row.i64(c);
  f.tenant = row.i64(c + 1);
  f.room = row.i64(c + 2);
  f.uploader = row.i64(c + 3);
  f.name = row.text(c + 4);
  f.size = row.i64(c + 5);
  f.sha256 = row.text(c + 6);
  f.declared_type = row.text(c + 7);
  f.from_internet = row.boolean(c + 8);
  f.state = file_state_from_name(row.view(c + 9));
  f.reason = row.text(c + 10);
  f.detected_type = row.text(c + 11);
  f.clean_sha256 = row.text(c + 12);
  f.clean_size = row.i64(c + 13);
  f.clean_type = row.text(c + 14);
  f.clean_name = row.text(c + 15);
  f.sanitized = row.boolean(c + 16);
  f.thumb_sha256 = row.text(c + 17);
  f.width = static_cast<std::int32_t>(row.i64(c + 18));
  f.height = static_cast<std::int32_t>(row.i64(c + 19));
  f.pages = static_cast<std::int32_t>(row.i64(c + 20));
  if (!row.is_null(c + 21)) f.lat = row.f64(c + 21);
  if (!row.is_null(c + 22)) f.lon = row.f64(c + 22);
  f.seq = row.i64(c + 23);
  f.deleted = row.boolean(c + 24);
  f.created_at = row.i64(c + 25);
  f.updated_at = row.i64(c + 26);
  f.attempts = static_cast<std::int32_t>(row.i64(c + 27));
  return f;
}

void fill_files(PgConn& db, RoomId room, const std::vector<Message*>& msgs) {
  if (msgs.empty()) return;
  // Along files_message (room_id, seq, pos): the files of the messages between the first
  // and the last, in order; those of others in between (none, or a deleted message's) are
  // passed over.
  PgResult r = db.exec("SELECT " TONARI_PG_FILE_COLS " FROM files f WHERE f.room_id=$1"
                       " AND f.seq>=$2 AND f.seq<=$3 AND NOT f.deleted ORDER BY f.seq, f.pos",
                       Params().i64(room).i64(msgs.front()->seq).i64(msgs.back()->seq));
  std::size_t i = 0;
  for (int k = 0; k < r.rows(); ++k) {
    const Seq seq = r.row(k).i64(23);
    while (i < msgs.size() && msgs[i]->seq < seq) ++i;
    if (i == msgs.size()) break;
    if (msgs[i]->seq == seq && !msgs[i]->deleted) msgs[i]->files.push_back(read_file(r.row(k)));
  }
}

RoomEvent message_created_event(const Message& m, EventNo ev) {
  return RoomEvent{m.room, ev, std::make_shared<const std::string>(
                                   wire::message_event("message.created", m, ev))};
}

std::vector<UserId> split_ids(std::string_view s) {
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

Status read_status(const PgError& e) {
  if (e.broken()) return database_unavailable();
  if (e.sqlstate() == "57014" || e.sqlstate().starts_with("53")) {
    return Status(Code::unavailable, "the database is busy; try again");
  }
  return internal_error(std::string("storage read failed: ") + e.what());
}

// ---- The store ------------------------------------------------------------------------

namespace {

ConnectOptions connect_options(const Options& o) {
  return ConnectOptions{.conninfo = o.conninfo, .connect_timeout_s = o.connect_timeout_s};
}

}  // namespace

PgStore::PgStore(Options opts) : opts_(std::move(opts)) {
  try {
    // Reads run on the callers' threads, the server's I/O threads among them: a database
    // that hangs may hold one for at most a few seconds (a read takes milliseconds).
    ConnectOptions reads = connect_options(opts_);
    reads.statement_timeout_ms = 3000;
    reads.reply_timeout_ms = 4000;
    pool_ = std::make_unique<ReadPool>(reads, opts_.pool_size);
    {
      auto lease = pool_->acquire();
      if (!lease.ok()) throw std::runtime_error(lease.status().message());
      check_version(*lease.value());
    }
    writers_ = std::make_unique<WriterGroup>(connect_options(opts_), opts_.writers, opts_.max_batch,
                                             stats_);
  } catch (const PgError& e) {
    throw std::runtime_error(std::string("PostgreSQL store: ") + e.what());
  }
}

PgStore::~PgStore() { shutdown(); }

void PgStore::hand_off_callbacks(Handoff handoff) { writers_->hand_off_callbacks(std::move(handoff)); }

void PgStore::shutdown() { writers_->stop(); }

Status PgStore::ping() {
  auto r = read<bool>([](PgConn& db) -> Result<bool> {
    db.exec("SELECT 1");
    return true;
  });
  return r.ok() ? Status::ok() : r.status();
}

}  // namespace tonari::store::postgres
