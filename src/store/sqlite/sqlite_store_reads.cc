// The read half of SqliteStore: pooled read-only connections, one statement per call where
// possible.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/sqlite/store_impl.h"

namespace tonari::store::sqlite {
namespace {

#define TONARI_SUMMARY_SELECT                                                               \
  "SELECT " TONARI_ROOM_COLS ", mb.role, " TONARI_READ_SEQ("mb", "r") ","                    \
  " r.member_count,"                                                                       \
  " (SELECT count(*) FROM mentions mn WHERE mn.room_id=r.id AND mn.user_id IN (mb.user_id,0)" \
  "    AND mn.seq>" TONARI_READ_SEQ("mb", "r") "),"                                         \
  " (SELECT p.user_id FROM members p WHERE r.kind='direct' AND p.room_id=r.id"              \
  "    AND p.user_id!=mb.user_id),"                                                         \
  " (SELECT u.name FROM members p JOIN users u ON u.id=p.user_id WHERE r.kind='direct'"     \
  "    AND p.room_id=r.id AND p.user_id!=mb.user_id)"                                       \
  " FROM members mb JOIN rooms r ON r.id=mb.room_id "

RoomSummary read_summary(Connection& db, const Stmt& s) {
  RoomSummary out;
  out.room = read_room(s);
  const int c = TONARI_ROOM_NCOLS;
  out.role = read_role(s, c);
  out.read_seq = s.i64(c + 1);
  out.member_count = s.i64(c + 2);
  out.mention_unread = s.i64(c + 3);
  out.peer = s.i64(c + 4);
  out.display_name = out.room.kind == RoomKind::direct ? s.text(c + 5) : out.room.name;
  return out;
}

void attach_last_message(Connection& db, RoomSummary& s) {
  if (s.room.msg_seq == 0) return;
  Stmt q = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m WHERE m.room_id=? AND m.seq=?");
  q.bind(1, s.room.id).bind(2, s.room.msg_seq);
  if (!q.step()) return;
  s.last_message = read_message(q);
  if (has_files(q)) fill_files(db, s.room.id, {&*s.last_message});
  fill_collab(db, s.room.id, {&*s.last_message});
}

// The messages of `msgs` (ascending seq) whose seq is one of `seqs` (ascending).
std::vector<Message*> with_seqs(std::vector<Message>& msgs, const std::vector<Seq>& seqs) {
  std::vector<Message*> out;
  std::size_t i = 0;
  for (Message& m : msgs) {
    while (i < seqs.size() && seqs[i] < m.seq) ++i;
    if (i < seqs.size() && seqs[i] == m.seq) out.push_back(&m);
  }
  return out;
}

// The room's read positions past `lo`, for counting the readers of messages after `lo`:
// one scan of the room's members (its primary-key range), then a binary search per message.
struct ReadPositions {
  std::vector<Seq> sorted;
  std::unordered_map<UserId, Seq> by_user;

  // Members who have read `seq`, not counting its sender (the one rule for 既読 counts).
  std::int64_t count(Seq seq, UserId sender) const {
    auto n = static_cast<std::int64_t>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), seq));
    auto it = by_user.find(sender);
    if (it != by_user.end() && it->second >= seq) --n;
    return n;
  }
};

ReadPositions read_positions(Connection& db, RoomId room, Seq lo) {
  ReadPositions out;
  Stmt s = db.q("SELECT mb.user_id, " TONARI_READ_SEQ("mb", "r") " AS pos FROM members mb"
                " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=? AND pos>?");
  s.bind(1, room).bind(2, lo);
  while (s.step()) {
    out.sorted.push_back(s.i64(1));
    out.by_user.emplace(s.i64(0), s.i64(1));
  }
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

}  // namespace

Status SqliteStore::ping() {
  auto r = read<bool>([](Connection& db) -> Result<bool> {
    Stmt s = db.q("SELECT count(*) FROM tenants");
    return s.step();
  });
  return r.ok() ? Status::ok() : r.status();
}

Result<Tenant> SqliteStore::tenant_by_code(std::string_view code) {
  return read<Tenant>([&](Connection& db) -> Result<Tenant> {
    Stmt s = db.q("SELECT id, code, name FROM tenants WHERE code=?");
    s.bind(1, code);
    if (!s.step()) return not_found("no municipality with that code");
    return Tenant{s.i64(0), s.text(1), s.text(2)};
  });
}

Result<Tenant> SqliteStore::tenant(TenantId id) {
  return read<Tenant>([&](Connection& db) -> Result<Tenant> {
    Stmt s = db.q("SELECT id, code, name FROM tenants WHERE id=?");
    s.bind(1, id);
    if (!s.step()) return not_found("no such municipality");
    return Tenant{s.i64(0), s.text(1), s.text(2)};
  });
}

Result<std::vector<Department>> SqliteStore::departments(TenantId tenant) {
  return read<std::vector<Department>>([&](Connection& db) -> Result<std::vector<Department>> {
    Stmt s = db.q("SELECT id, tenant_id, coalesce(parent_id,0), name, reading, code"
                  " FROM departments WHERE tenant_id=? ORDER BY id");
    s.bind(1, tenant);
    std::vector<Department> out;
    while (s.step()) {
      out.push_back({s.i64(0), s.i64(1), s.i64(2), s.text(3), s.text(4), s.text(5), {}});
    }
    return out;
  });
}

Result<User> SqliteStore::user(UserId id) {
  return read<User>([&](Connection& db) -> Result<User> {
    Stmt s = db.q("SELECT " TONARI_USER_COLS TONARI_USER_FROM "WHERE u.id=?");
    s.bind(1, id);
    if (!s.step()) return not_found("user " + std::to_string(id) + " not found");
    return read_user(s);
  });
}

Result<Credentials> SqliteStore::credentials(TenantId tenant, std::string_view login) {
  return read<Credentials>([&](Connection& db) -> Result<Credentials> {
    Stmt s = db.q("SELECT " TONARI_USER_COLS ", u.password_hash" TONARI_USER_FROM
                  "WHERE u.tenant_id=? AND u.login=?");
    s.bind(1, tenant).bind(2, login);
    if (!s.step()) return not_found("no such login");
    return Credentials{read_user(s), s.text(TONARI_USER_NCOLS)};
  });
}

Result<std::vector<User>> SqliteStore::find_users(TenantId tenant, std::string_view folded_query,
                                                  const std::vector<DeptId>& depts, int limit) {
  return read<std::vector<User>>([&](Connection& db) -> Result<std::vector<User>> {
    std::vector<User> out;
    if (depts.empty()) {
      Stmt s = db.q("SELECT " TONARI_USER_COLS TONARI_USER_FROM
                    "WHERE u.tenant_id=? AND u.disabled=0 AND instr(u.search_key, ?)>0"
                    " ORDER BY " TONARI_USER_ORDER " LIMIT ?");
      s.bind(1, tenant).bind(2, folded_query).bind(3, limit);
      while (s.step()) out.push_back(read_user(s));
    } else {
      Stmt s = db.q("SELECT " TONARI_USER_COLS TONARI_USER_FROM
                    "WHERE u.tenant_id=? AND u.disabled=0 AND instr(u.search_key, ?)>0"
                    " AND u.dept_id IN (SELECT value FROM json_each(?))"
                    " ORDER BY " TONARI_USER_ORDER " LIMIT ?");
      s.bind(1, tenant).bind(2, folded_query).bind(3, json_ids(depts)).bind(4, limit);
      while (s.step()) out.push_back(read_user(s));
    }
    return out;
  });
}

Result<std::vector<User>> SqliteStore::users_in_tenant(TenantId tenant,
                                                       const std::vector<UserId>& ids) {
  return read<std::vector<User>>([&](Connection& db) -> Result<std::vector<User>> {
    Stmt s = db.q("SELECT " TONARI_USER_COLS TONARI_USER_FROM
                  "WHERE u.tenant_id=? AND u.disabled=0 AND u.id IN (SELECT value FROM json_each(?))"
                  " ORDER BY " TONARI_USER_ORDER);
    s.bind(1, tenant).bind(2, json_ids(ids));
    std::vector<User> out;
    while (s.step()) out.push_back(read_user(s));
    return out;
  });
}

Result<Session> SqliteStore::session(std::string_view token_hash) {
  return read<Session>([&](Connection& db) -> Result<Session> {
    Stmt s = db.q("SELECT token_hash, user_id, csrf, created_at, expires_at FROM sessions"
                  " WHERE token_hash=?");
    s.bind(1, token_hash);
    if (!s.step()) return unauthenticated("no such session");
    return Session{s.text(0), s.i64(1), s.text(2), s.i64(3), s.i64(4)};
  });
}

Result<std::vector<Revocation>> SqliteStore::revocations_after(std::int64_t after, int limit) {
  return read<std::vector<Revocation>>([&](Connection& db) -> Result<std::vector<Revocation>> {
    Stmt s = db.q("SELECT id, user_id FROM revocations WHERE id>? ORDER BY id LIMIT ?");
    s.bind(1, after).bind(2, limit);
    std::vector<Revocation> out;
    while (s.step()) out.push_back(Revocation{s.i64(0), s.i64(1)});
    return out;
  });
}

Result<Room> SqliteStore::room(RoomId id) {
  return read<Room>([&](Connection& db) -> Result<Room> {
    Stmt s = db.q("SELECT " TONARI_ROOM_COLS " FROM rooms r WHERE r.id=?");
    s.bind(1, id);
    if (!s.step()) return not_found("room " + std::to_string(id) + " not found");
    return read_room(s);
  });
}

Result<std::optional<Member>> SqliteStore::member(RoomId room, UserId user) {
  return read<std::optional<Member>>([&](Connection& db) -> Result<std::optional<Member>> {
    Stmt s = db.q("SELECT mb.role, " TONARI_READ_SEQ("mb", "r") " FROM members mb"
                  " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=? AND mb.user_id=?");
    s.bind(1, room).bind(2, user);
    if (!s.step()) return std::optional<Member>();
    return std::optional<Member>(Member{
        user, read_role(s, 0), s.i64(1)});
  });
}

Result<std::pair<Room, std::optional<Member>>> SqliteStore::room_and_member(RoomId room,
                                                                           UserId user) {
  using Out = std::pair<Room, std::optional<Member>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT " TONARI_ROOM_COLS ", mb.role, " TONARI_READ_SEQ("mb", "r") " FROM rooms r"
                  " LEFT JOIN members mb ON mb.room_id=r.id AND mb.user_id=? WHERE r.id=?");
    s.bind(1, user).bind(2, room);
    if (!s.step()) return not_found("room " + std::to_string(room) + " not found");
    Out out{read_room(s), std::nullopt};
    if (!s.is_null(TONARI_ROOM_NCOLS)) {
      out.second = Member{user,
                          read_role(s, TONARI_ROOM_NCOLS),
                          s.i64(TONARI_ROOM_NCOLS + 1)};
    }
    return out;
  });
}

Result<std::vector<std::pair<User, Member>>> SqliteStore::members(RoomId room) {
  using Out = std::vector<std::pair<User, Member>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT " TONARI_USER_COLS ", mb.role, " TONARI_READ_SEQ("mb", "r") " FROM members mb"
                  " JOIN rooms r ON r.id=mb.room_id"
                  " JOIN users u ON u.id=mb.user_id LEFT JOIN departments d ON d.id=u.dept_id"
                  " WHERE mb.room_id=? ORDER BY mb.sort_key, mb.user_id");
    s.bind(1, room);
    Out out;
    while (s.step()) {
      User u = read_user(s);
      Member m{u.id,
               read_role(s, TONARI_USER_NCOLS),
               s.i64(TONARI_USER_NCOLS + 1)};
      out.emplace_back(std::move(u), m);
    }
    return out;
  });
}

// A page of a room's members along members_order (room_id, sort_key, user_id), from the
// keyset cursor (?2, ?3) on; one statement per filter, each a string literal (the statement
// cache's key).
#define TONARI_PAGE_SELECT                                                                  \
  "SELECT " TONARI_USER_COLS ", mb.role, " TONARI_READ_SEQ("mb", "r") " AS pos, mb.sort_key" \
  " FROM members mb JOIN rooms r ON r.id=mb.room_id JOIN users u ON u.id=mb.user_id"         \
  " LEFT JOIN departments d ON d.id=u.dept_id"                                              \
  " WHERE mb.room_id=?1 AND (mb.sort_key, mb.user_id) > (?2, ?3) "
#define TONARI_PAGE_ORDER " ORDER BY mb.sort_key, mb.user_id LIMIT ?4"
// acked / unacked: with a department (?7, not 0), only members in its subtree (?7's
// recursive `sub`, read once per statement).
#define TONARI_ACK_PAGE_SELECT                                                              \
  "WITH RECURSIVE sub(id) AS (SELECT ?7 UNION SELECT d2.id FROM departments d2"              \
  " JOIN sub ON d2.parent_id=sub.id) " TONARI_PAGE_SELECT                                   \
  "AND mb.user_id<>?5 AND (?7=0 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub)) "
#define TONARI_ACKED \
  "EXISTS(SELECT 1 FROM message_acks a WHERE a.room_id=?1 AND a.seq=?6 AND a.user_id=mb.user_id) "
#define TONARI_UNANSWERED \
  "AND NOT EXISTS(SELECT 1 FROM action_answers a WHERE a.room_id=?1 AND a.user_id=mb.user_id" \
  " AND a.seq=?6) "

Result<MemberPage> SqliteStore::members_page(RoomId room, const MemberKey& after, int limit,
                                             const MemberFilter& filter) {
  return read<MemberPage>([&](Connection& db) -> Result<MemberPage> {
    const char* sql = nullptr;
    std::string assignees;  // a task's, as a JSON array
    switch (filter.kind) {
      case MemberFilter::all: sql = TONARI_PAGE_SELECT TONARI_PAGE_ORDER; break;
      case MemberFilter::read:
        sql = TONARI_PAGE_SELECT "AND mb.user_id<>?5 AND pos>=?6" TONARI_PAGE_ORDER;
        break;
      case MemberFilter::unread:
        sql = TONARI_PAGE_SELECT "AND mb.user_id<>?5 AND pos<?6" TONARI_PAGE_ORDER;
        break;
      case MemberFilter::unanswered: {
        // Along members_order, each member's answer looked up by its key; a task's
        // assignees (?7) only.
        auto action = load_action(db, room, filter.seq);
        if (!action) return not_found("message " + std::to_string(filter.seq) + " asks nothing");
        if (action->state.spec.kind == ActionKind::task) {
          assignees = json_ids(action->state.spec.assignees);
          sql = TONARI_PAGE_SELECT TONARI_UNANSWERED
              "AND mb.user_id IN (SELECT value FROM json_each(?7))" TONARI_PAGE_ORDER;
        } else {
          sql = TONARI_PAGE_SELECT TONARI_UNANSWERED TONARI_PAGE_ORDER;
        }
        break;
      }
      case MemberFilter::acked:
        sql = TONARI_ACK_PAGE_SELECT "AND " TONARI_ACKED TONARI_PAGE_ORDER;
        break;
      case MemberFilter::unacked:
        sql = TONARI_ACK_PAGE_SELECT "AND NOT " TONARI_ACKED TONARI_PAGE_ORDER;
        break;
    }
    Stmt s = db.q(sql);
    // One row more than asked says whether another page follows.
    s.bind(1, room).bind_blob(2, after.sort_key).bind(3, after.user).bind(4, limit + 1);
    if (filter.kind != MemberFilter::all) s.bind(5, filter.sender).bind(6, filter.seq);
    if (!assignees.empty()) s.bind(7, assignees);
    if (filter.kind == MemberFilter::acked || filter.kind == MemberFilter::unacked) {
      s.bind(7, filter.dept);
    }
    MemberPage out;
    std::string last_key;
    while (s.step()) {
      if (static_cast<int>(out.members.size()) == limit) {
        out.next = MemberKey{std::move(last_key), out.members.back().first.id};
        break;
      }
      User u = read_user(s);
      Member m{u.id,
               read_role(s, TONARI_USER_NCOLS),
               s.i64(TONARI_USER_NCOLS + 1)};
      last_key = s.text(TONARI_USER_NCOLS + 2);  // the blob's bytes
      out.members.emplace_back(std::move(u), m);
    }
    return out;
  });
}

Result<std::pair<std::int64_t, std::int64_t>> SqliteStore::reader_counts(RoomId room, Seq seq,
                                                                         UserId sender) {
  using Out = std::pair<std::int64_t, std::int64_t>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT coalesce(sum(pos>=?2),0), coalesce(sum(pos<?2),0) FROM"
                  " (SELECT " TONARI_READ_SEQ("mb", "r") " AS pos FROM members mb"
                  "  JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=?1 AND mb.user_id<>?3)");
    s.bind(1, room).bind(2, seq).bind(3, sender);
    if (!s.step()) return Out{0, 0};
    return Out{s.i64(0), s.i64(1)};
  });
}

Result<std::vector<RoomSummary>> SqliteStore::rooms_for_user(UserId user) {
  using Out = std::vector<RoomSummary>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Out out;
    {
      Stmt s = db.q(TONARI_SUMMARY_SELECT
                    "WHERE mb.user_id=? ORDER BY r.last_activity DESC, r.id DESC");
      s.bind(1, user);
      while (s.step()) out.push_back(read_summary(db, s));
    }
    for (auto& summary : out) attach_last_message(db, summary);
    return out;
  });
}

Result<RoomSummary> SqliteStore::room_summary(RoomId room, UserId user) {
  return read<RoomSummary>([&](Connection& db) -> Result<RoomSummary> {
    RoomSummary out;
    {
      Stmt s = db.q(TONARI_SUMMARY_SELECT "WHERE mb.user_id=? AND mb.room_id=?");
      s.bind(1, user).bind(2, room);
      if (!s.step()) return not_found("room " + std::to_string(room) + " not found");
      out = read_summary(db, s);
    }
    attach_last_message(db, out);
    return out;
  });
}

Result<std::vector<std::pair<RoomId, EventNo>>> SqliteStore::room_cursors(UserId user) {
  using Out = std::vector<std::pair<RoomId, EventNo>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    // In the order of the members_user index (user_id, room_id): no sort.
    Stmt s = db.q("SELECT r.id, r.ev FROM members mb JOIN rooms r ON r.id=mb.room_id"
                  " WHERE mb.user_id=? ORDER BY mb.room_id");
    s.bind(1, user);
    Out out;
    while (s.step()) out.emplace_back(s.i64(0), s.i64(1));
    return out;
  });
}

Result<std::vector<std::pair<RoomId, EventNo>>> SqliteStore::room_heads(
    const std::vector<RoomId>& rooms) {
  using Out = std::vector<std::pair<RoomId, EventNo>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Out out;
    out.reserve(rooms.size());
    for (RoomId id : rooms) {
      Stmt s = db.q("SELECT ev FROM rooms WHERE id=?");
      s.bind(1, id);
      if (s.step()) out.emplace_back(id, s.i64(0));
    }
    return out;
  });
}

Result<std::optional<RoomId>> SqliteStore::direct_room(UserId a, UserId b) {
  using Out = std::optional<RoomId>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT id FROM rooms WHERE direct_key=?");
    s.bind(1, std::to_string(std::min(a, b)) + ":" + std::to_string(std::max(a, b)));
    if (!s.step()) return Out();
    return Out(s.i64(0));
  });
}

Result<std::vector<Message>> SqliteStore::messages(RoomId room, Seq after, Seq before, int limit) {
  using Out = std::vector<Message>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Out out;
    // Room for a whole page (the services ask for at most 201): growing the vector moved
    // each Message about once more, 7,000 of a history request's 560,000 instructions.
    out.reserve(static_cast<std::size_t>(std::clamp(limit, 0, 256)));
    const Seq upper = before > 0 ? before : std::numeric_limits<Seq>::max();
    std::vector<Seq> files_of;  // the messages with files (nearly always none)
    if (after >= 0) {
      Stmt s = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m"
                    " WHERE m.room_id=? AND m.seq>? AND m.seq<? ORDER BY m.seq LIMIT ?");
      s.bind(1, room).bind(2, after).bind(3, upper).bind(4, limit);
      while (s.step()) {
        out.push_back(read_message(s));
        if (has_files(s)) files_of.push_back(out.back().seq);
      }
    } else {
      Stmt s = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m"
                    " WHERE m.room_id=? AND m.seq<? ORDER BY m.seq DESC LIMIT ?");
      s.bind(1, room).bind(2, upper).bind(3, limit);
      while (s.step()) {
        out.push_back(read_message(s));
        if (has_files(s)) files_of.push_back(out.back().seq);
      }
      std::reverse(out.begin(), out.end());
      std::reverse(files_of.begin(), files_of.end());
    }
    if (!files_of.empty()) fill_files(db, room, with_seqs(out, files_of));
    std::vector<Message*> all;
    all.reserve(out.size());
    for (Message& m : out) all.push_back(&m);
    fill_collab(db, room, all);
    if (!out.empty()) {
      const ReadPositions readers = read_positions(db, room, out.front().seq - 1);
      for (Message& m : out) {
        if (!m.deleted) m.read_count = readers.count(m.seq, m.sender);
      }
    }
    return out;
  });
}

Result<Message> SqliteStore::message(RoomId room, Seq seq) {
  return read<Message>([&](Connection& db) -> Result<Message> {
    Stmt s = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m WHERE m.room_id=? AND m.seq=?");
    s.bind(1, room).bind(2, seq);
    if (!s.step()) return not_found("message " + std::to_string(seq) + " not found");
    Message m = read_message(s);
    if (has_files(s)) fill_files(db, room, {&m});
    fill_collab(db, room, {&m});
    return m;
  });
}

namespace {

// The events of a room after `after` (at most `limit`), in order, given the room's event
// and message counters (`room_ev`, `room_seq`). See events_after().
std::vector<RoomEvent> room_events_since(Connection& db, RoomId room, EventNo room_ev, Seq room_seq,
                                         EventNo after, int limit) {
  using Out = std::vector<RoomEvent>;
  Out out;
  if (room_ev <= after || limit <= 0) return out;
  // Two ordered sources: message.created, built from the message rows (created_ev is
  // its place in the room's event order), and every other event, stored as sent. The
  // messages created after `after` are among the room's last (room_ev - after).
  const EventNo missed = room_ev - after;
  Stmt m = db.q("SELECT " TONARI_MESSAGE_COLS ", m.created_ev FROM messages m"
                " WHERE m.room_id=? AND m.seq>? AND m.created_ev>? ORDER BY m.seq LIMIT ?");
  m.bind(1, room).bind(2, std::max<Seq>(0, room_seq - missed)).bind(3, after).bind(4, limit);
  bool has_m = m.step();
  // Most of what a client misses is messages: when the messages account for every event
  // missed, the events table has nothing to add and is not read (a resume after a message
  // in each of 20 rooms read it 20 times for nothing). created_ev rises with seq, so the
  // messages are in event order.
  std::vector<std::pair<Message, EventNo>> msgs;  // with created_ev
  std::vector<std::size_t> files_of;              // those with files (nearly always none)
  while (has_m && static_cast<int>(msgs.size()) < limit) {
    if (has_files(m)) files_of.push_back(msgs.size());
    msgs.emplace_back(read_message(m), m.i64(TONARI_MESSAGE_NCOLS));
    has_m = m.step();
  }
  // message.created carries the files as they are now (their state, as the file.updated
  // events among these have left them).
  if (!files_of.empty()) {
    std::vector<Message*> with;
    for (std::size_t i : files_of) with.push_back(&msgs[i].first);
    fill_files(db, room, with);
  }
  // And its reactions and action stamp as they are now (later events update them).
  {
    std::vector<Message*> all;
    for (auto& [msg, ev] : msgs) all.push_back(&msg);
    fill_collab(db, room, all);
  }
  if (static_cast<EventNo>(msgs.size()) == missed) {  // every missed event a message.created
    for (const auto& [msg, ev] : msgs) out.push_back(message_created_event(msg, ev));
    return out;
  }
  Stmt e = db.q("SELECT ev, frame FROM events WHERE room_id=? AND ev>? ORDER BY ev LIMIT ?");
  e.bind(1, room).bind(2, after).bind(3, limit);
  bool has_e = e.step();
  std::size_t i = 0;
  while ((i < msgs.size() || has_e) && static_cast<int>(out.size()) < limit) {
    if (i < msgs.size() && (!has_e || msgs[i].second < e.i64(0))) {
      out.push_back(message_created_event(msgs[i].first, msgs[i].second));
      ++i;
    } else {
      out.push_back(RoomEvent{room, e.i64(0), std::make_shared<const std::string>(e.text(1))});
      has_e = e.step();
    }
  }
  return out;
}

// The same, reading the room's counters first.
std::vector<RoomEvent> room_events_after(Connection& db, RoomId room, EventNo after, int limit) {
  EventNo room_ev = 0;
  Seq room_seq = 0;
  {
    Stmt s = db.q("SELECT ev, msg_seq FROM rooms WHERE id=?");
    s.bind(1, room);
    if (!s.step()) return {};
    room_ev = s.i64(0);
    room_seq = s.i64(1);
  }
  return room_events_since(db, room, room_ev, room_seq, after, limit);
}

}  // namespace

Result<std::vector<RoomEvent>> SqliteStore::events_after(RoomId room, EventNo after, int limit) {
  return read<std::vector<RoomEvent>>([&](Connection& db) -> Result<std::vector<RoomEvent>> {
    return room_events_after(db, room, after, limit);
  });
}

Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> SqliteStore::events_after_as_member(
    UserId user, const std::vector<std::pair<RoomId, EventNo>>& after, int limit) {
  using Out = std::vector<std::pair<RoomId, std::vector<RoomEvent>>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Out out;
    if (after.empty()) return out;
    // Membership and each room's counters, for all the rooms at once: one scan of the
    // user's memberships (members_user) from the lowest room id wanted to the highest,
    // which costs a third of a lookup per row (a resume is usually behind in many rooms;
    // for one room it is that lookup).
    struct Counters {
      RoomId room;
      EventNo ev;
      Seq seq;
    };
    std::vector<Counters> member_of;
    {
      RoomId lo = after.front().first, hi = lo;
      for (const auto& [room, from] : after) lo = std::min(lo, room), hi = std::max(hi, room);
      Stmt s = db.q("SELECT r.id, r.ev, r.msg_seq FROM members mb JOIN rooms r ON r.id=mb.room_id"
                    " WHERE mb.user_id=? AND mb.room_id BETWEEN ? AND ? ORDER BY mb.room_id");
      s.bind(1, user).bind(2, lo).bind(3, hi);
      while (s.step()) member_of.push_back(Counters{s.i64(0), s.i64(1), s.i64(2)});
    }
    for (const auto& [room, from] : after) {
      auto c = std::lower_bound(member_of.begin(), member_of.end(), room,
                                [](const Counters& m, RoomId r) { return m.room < r; });
      if (c == member_of.end() || c->room != room) continue;  // not (or no longer) a member
      out.emplace_back(room, room_events_since(db, room, c->ev, c->seq, from, limit));
    }
    return out;
  });
}

Result<std::vector<Room>> SqliteStore::synced_rooms(TenantId tenant) {
  return read<std::vector<Room>>([&](Connection& db) -> Result<std::vector<Room>> {
    Stmt s = db.q("SELECT " TONARI_ROOM_COLS " FROM rooms r WHERE r.tenant_id=?"
                  " AND r.sync_kind<>'none' AND r.kind='group' ORDER BY r.id");
    s.bind(1, tenant);
    std::vector<Room> out;
    while (s.step()) out.push_back(read_room(s));
    return out;
  });
}

Result<std::vector<ReadCount>> SqliteStore::read_counts(RoomId room, Seq lo, Seq hi) {
  using Out = std::vector<ReadCount>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    const ReadPositions readers = read_positions(db, room, lo);
    Stmt s = db.q("SELECT m.seq, m.sender_id, EXISTS(SELECT 1 FROM members mb"
                  " WHERE mb.room_id=m.room_id AND mb.user_id=m.sender_id)"
                  " FROM messages m WHERE m.room_id=? AND m.seq>? AND m.seq<=? AND m.deleted=0"
                  " ORDER BY m.seq");
    s.bind(1, room).bind(2, lo).bind(3, hi);
    Out out;
    while (s.step()) {
      out.push_back(ReadCount{s.i64(0), s.i64(1), s.i64(2) != 0, readers.count(s.i64(0), s.i64(1))});
    }
    return out;
  });
}

Result<FileInfo> SqliteStore::file(FileId id) {
  return read<FileInfo>([&](Connection& db) -> Result<FileInfo> {
    Stmt s = db.q("SELECT " TONARI_FILE_COLS " FROM files f WHERE f.id=?");
    s.bind(1, id);
    if (!s.step()) return not_found("file " + std::to_string(id) + " not found");
    return read_file(s);
  });
}

Result<std::int64_t> SqliteStore::tenant_file_bytes(TenantId tenant) {
  return read<std::int64_t>([&](Connection& db) -> Result<std::int64_t> {
    Stmt s = db.q("SELECT file_bytes FROM tenant_usage WHERE tenant_id=?");
    s.bind(1, tenant);
    return s.step() ? s.i64(0) : 0;
  });
}

Result<std::optional<std::string>> SqliteStore::tenant_setting(TenantId tenant,
                                                               std::string_view key) {
  using Out = std::optional<std::string>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT value FROM tenant_settings WHERE tenant_id=? AND key=?");
    s.bind(1, tenant).bind(2, key);
    if (!s.step()) return Out();
    return Out(s.text(0));
  });
}

}  // namespace tonari::store::sqlite
