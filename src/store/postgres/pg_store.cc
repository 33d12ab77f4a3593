#include "store/postgres/pg_store.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

#include <boost/json.hpp>

#include "core/wire.h"
#include "store/postgres/schema.h"
#include "store/postgres/search_docs.h"
#include "store/postgres/search_indexer.h"
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
  u.crisis = row.boolean(c + 13);
  u.dept_head = row.boolean(c + 14);
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
  m.stamp = row.text(c + 19);
  m.ack_required = row.boolean(c + 22);
  m.ack_count = row.i64(c + 23);
  return m;
}

MessageParts parts_of(const Row& row, int c) {
  if (row.boolean(c + 15)) return {};
  return MessageParts{row.i64(c + 18) != 0, row.i64(c + 20) != 0, row.boolean(c + 21)};
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

namespace {

// The messages of a read by (room, seq), and those keys as arrays for unnest().
struct MessageKeys {
  explicit MessageKeys(const std::vector<Message*>& msgs) {
    for (Message* m : msgs) {
      by_key.emplace(std::make_pair(m->room, m->seq), m);
      rooms.push_back(m->room);
      seqs.push_back(m->seq);
    }
  }
  Message* find(RoomId room, Seq seq) const {
    auto it = by_key.find({room, seq});
    return it == by_key.end() ? nullptr : it->second;
  }
  std::map<std::pair<RoomId, Seq>, Message*> by_key;
  std::vector<std::int64_t> rooms, seqs;
};

// An action's option labels, stored as a JSON array of strings.
std::vector<std::string> parse_options(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

// The action stamps that messages (rooms[i], seqs[i]) ask, unless deleted, as they are now
// (without `mine`).
std::vector<std::pair<std::pair<RoomId, Seq>, ActionState>> load_actions(
    PgConn& db, const std::vector<std::int64_t>& rooms, const std::vector<std::int64_t>& seqs) {
  // pending: the room's members (a task: its assignees who are members) less the members
  // who answered (answered - gone).
  PgResult r = db.exec(
      "SELECT a.room_id, a.seq, a.kind, a.title, a.options, a.multiple, a.deadline,"
      " a.results_public, a.changeable, a.anonymous, a.assignees, a.closed, a.closed_at,"
      " a.closed_by, a.answered, a.counts,"
      " CASE WHEN a.kind='task' THEN (SELECT count(*) FROM members mb WHERE mb.room_id=a.room_id"
      "   AND mb.user_id = ANY(string_to_array(nullif(a.assignees, ''), ',')::bigint[]))"
      "   ELSE r.member_count END - (a.answered - a.gone)"
      " FROM unnest($1::bigint[], $2::bigint[]) AS k(room, seq)"
      " JOIN actions a ON a.room_id=k.room AND a.seq=k.seq"
      " JOIN messages m ON m.room_id=a.room_id AND m.seq=a.seq AND NOT m.deleted"
      " JOIN rooms r ON r.id=a.room_id",
      Params().ids(rooms).ids(seqs));
  std::vector<std::pair<std::pair<RoomId, Seq>, ActionState>> out;
  for (int i = 0; i < r.rows(); ++i) {
    const Row row = r.row(i);
    ActionState a;
    a.spec.kind = action_kind_from_name(row.view(2)).value_or(ActionKind::yesno);
    a.spec.title = row.text(3);
    a.spec.options = parse_options(row.view(4));
    a.spec.multiple = row.boolean(5);
    a.spec.deadline = row.i64(6);
    a.spec.results_public = row.boolean(7);
    a.spec.changeable = row.boolean(8);
    a.spec.anonymous = row.boolean(9);
    a.spec.assignees = split_ids(row.view(10));
    a.closed = row.boolean(11);
    a.closed_at = row.i64(12);
    a.closed_by = row.i64(13);
    a.tally.answered = row.i64(14);
    a.tally.counts = split_ids(row.view(15));
    a.tally.pending = std::max<std::int64_t>(0, row.i64(16));
    out.emplace_back(std::make_pair(row.i64(0), row.i64(1)), std::move(a));
  }
  return out;
}

}  // namespace

void fill_reactions(PgConn& db, const std::vector<Message*>& msgs) {
  if (msgs.empty()) return;
  const MessageKeys keys(msgs);
  PgResult r = db.exec("SELECT c.room_id, c.seq, c.key, c.count"
                       " FROM unnest($1::bigint[], $2::bigint[]) AS k(room, seq)"
                       " JOIN reaction_counts c ON c.room_id=k.room AND c.seq=k.seq"
                       " ORDER BY c.room_id, c.seq, c.count DESC, c.id",
                       Params().ids(keys.rooms).ids(keys.seqs));
  for (int i = 0; i < r.rows(); ++i) {
    if (Message* m = keys.find(r.row(i).i64(0), r.row(i).i64(1))) {
      m->reactions.push_back({r.row(i).text(2), r.row(i).i64(3)});
    }
  }
}

void fill_actions(PgConn& db, const std::vector<Message*>& msgs) {
  if (msgs.empty()) return;
  const MessageKeys keys(msgs);
  for (auto& [key, a] : load_actions(db, keys.rooms, keys.seqs)) {
    if (Message* m = keys.find(key.first, key.second)) m->action = std::move(a);
  }
}

void fill_parts(PgConn& db, RoomId room, const std::vector<Message*>& msgs,
                const std::vector<MessageParts>& parts) {
  std::vector<Message*> files, reactions, actions;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (parts[i].files) files.push_back(msgs[i]);
    if (parts[i].reactions) reactions.push_back(msgs[i]);
    if (parts[i].action) actions.push_back(msgs[i]);
  }
  fill_files(db, room, files);
  fill_reactions(db, reactions);
  fill_actions(db, actions);
}

std::optional<ActionState> load_action(PgConn& db, RoomId room, Seq seq) {
  auto found = load_actions(db, {room}, {seq});
  if (found.empty()) return std::nullopt;
  return std::move(found.front().second);
}

RoomEvent message_created_event(const Message& m, EventNo ev) {
  return RoomEvent{m.room, ev,
                   std::make_shared<const std::string>(wire::message_event("message.created", m, ev))};
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

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (std::int64_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
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
      check_search_state(*lease.value(), opts_.search_index);
    }
    writers_ = std::make_unique<WriterGroup>(connect_options(opts_), opts_.writers, opts_.max_batch,
                                             stats_);
    if (opts_.search_index && opts_.index_in_background) {
      indexer_ = std::make_unique<SearchIndexer>(connect_options(opts_), SearchIndexer::Pace{},
                                                 [w = writers_.get()] { return w->busy(); });
    }
  } catch (const PgError& e) {
    throw std::runtime_error(std::string("PostgreSQL store: ") + e.what());
  }
}

PgStore::~PgStore() { shutdown(); }

void PgStore::hand_off_callbacks(Handoff handoff) { writers_->hand_off_callbacks(std::move(handoff)); }

void PgStore::shutdown() {
  if (indexer_) indexer_->stop();
  writers_->stop();
}

Status PgStore::ping() {
  auto r = read<bool>([](PgConn& db) -> Result<bool> {
    db.exec("SELECT 1");
    return true;
  });
  return r.ok() ? Status::ok() : r.status();
}

}  // namespace tonari::store::postgres
