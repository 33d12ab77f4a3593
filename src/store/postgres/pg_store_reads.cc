// The read half of PgStore: pooled connections, prepared statements, one statement per
// call where possible; reads of several statements that must agree share a snapshot.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {
namespace {

// A room as one member sees it, with its last message (as m.*, NULL if none).
#define TONARI_PG_SUMMARY_SELECT                                                             \
  "SELECT " TONARI_PG_ROOM_COLS ", mb.role, " TONARI_PG_READ_SEQ("mb", "r") ","              \
  " r.member_count,"                                                                        \
  " (SELECT count(*) FROM mentions mn WHERE mn.room_id=r.id AND mn.user_id IN (mb.user_id,0)" \
  "    AND mn.seq>" TONARI_PG_READ_SEQ("mb", "r") "),"                                       \
  " (SELECT p.user_id FROM members p WHERE r.kind='direct' AND p.room_id=r.id"              \
  "    AND p.user_id<>mb.user_id LIMIT 1),"                                                 \
  " (SELECT u.name FROM members p JOIN users u ON u.id=p.user_id WHERE r.kind='direct'"     \
  "    AND p.room_id=r.id AND p.user_id<>mb.user_id LIMIT 1), " TONARI_PG_MESSAGE_COLS      \
  " FROM members mb JOIN rooms r ON r.id=mb.room_id"                                        \
  " LEFT JOIN messages m ON m.room_id=r.id AND m.seq=r.msg_seq AND r.msg_seq>0 "

RoomSummary read_summary(const Row& row) {
  RoomSummary out;
  out.room = read_room(row);
  const int c = TONARI_PG_ROOM_NCOLS;
  out.role = member_role(row.view(c));
  out.read_seq = row.i64(c + 1);
  out.member_count = row.i64(c + 2);
  out.mention_unread = row.i64(c + 3);
  out.peer = row.i64(c + 4);
  out.display_name = out.room.kind == RoomKind::direct ? row.text(c + 5) : out.room.name;
  if (!row.is_null(c + 6)) out.last_message = read_message(row, c + 6);
  return out;
}

// What the summary row's last message has in other tables (none if there is none).
MessageParts last_message_parts(const Row& row) {
  const int c = TONARI_PG_ROOM_NCOLS + 6;
  return row.is_null(c) ? MessageParts{} : parts_of(row, c);
}

// Gives the last messages of `summaries` their files: one query for all of them.
void fill_last_files(PgConn& db, const std::vector<RoomSummary*>& summaries) {
  if (summaries.empty()) return;
  std::vector<std::int64_t> rooms, seqs;
  std::unordered_map<RoomId, Message*> by_room;
  for (RoomSummary* s : summaries) {
    rooms.push_back(s->room.id);
    seqs.push_back(s->last_message->seq);
    by_room.emplace(s->room.id, &*s->last_message);
  }
  PgResult r = db.exec("SELECT " TONARI_PG_FILE_COLS " FROM unnest($1::bigint[], $2::bigint[])"
                       " AS k(room, seq) JOIN files f ON f.room_id=k.room AND f.seq=k.seq"
                       " WHERE NOT f.deleted ORDER BY f.room_id, f.seq, f.pos",
                       Params().ids(rooms).ids(seqs));
  for (int i = 0; i < r.rows(); ++i) {
    FileInfo f = read_file(r.row(i));
    if (auto it = by_room.find(f.room); it != by_room.end() && !it->second->deleted) {
      it->second->files.push_back(std::move(f));
    }
  }
}

// The room's read positions past `lo`, for counting the readers of messages after `lo`:
// one scan of the room's members, then a binary search per message.
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

ReadPositions read_positions(PgConn& db, RoomId room, Seq lo) {
  ReadPositions out;
  PgResult rows = db.exec(
      "SELECT mb.user_id, " TONARI_PG_READ_SEQ("mb", "r") " FROM members mb"
      " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=$1"
      " AND " TONARI_PG_READ_SEQ("mb", "r") ">$2",
      Params().i64(room).i64(lo));
  for (int i = 0; i < rows.rows(); ++i) {
    out.sorted.push_back(rows.row(i).i64(1));
    out.by_user.emplace(rows.row(i).i64(0), rows.row(i).i64(1));
  }
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

std::optional<Member> member_of(const Row& row, int c, UserId user) {
  if (row.is_null(c)) return std::nullopt;
  return Member{user, member_role(row.view(c)), row.i64(c + 1)};
}

}  // namespace

Result<Tenant> PgStore::tenant_by_code(std::string_view code) {
  return read<Tenant>([&](PgConn& db) -> Result<Tenant> {
    PgResult r = db.exec("SELECT id, code, name FROM tenants WHERE code=$1", Params().text(code));
    if (r.empty()) return not_found("no municipality with that code");
    return Tenant{r.row(0).i64(0), r.row(0).text(1), r.row(0).text(2)};
  });
}

Result<Tenant> PgStore::tenant(TenantId id) {
  return read<Tenant>([&](PgConn& db) -> Result<Tenant> {
    PgResult r = db.exec("SELECT id, code, name FROM tenants WHERE id=$1", Params().i64(id));
    if (r.empty()) return not_found("no such municipality");
    return Tenant{r.row(0).i64(0), r.row(0).text(1), r.row(0).text(2)};
  });
}

Result<std::vector<Department>> PgStore::departments(TenantId tenant) {
  return read<std::vector<Department>>([&](PgConn& db) -> Result<std::vector<Department>> {
    PgResult r = db.exec("SELECT id, tenant_id, coalesce(parent_id,0), name, reading, code"
                         " FROM departments WHERE tenant_id=$1 ORDER BY id",
                         Params().i64(tenant));
    std::vector<Department> out;
    for (int i = 0; i < r.rows(); ++i) {
      Row row = r.row(i);
      out.push_back({row.i64(0), row.i64(1), row.i64(2), row.text(3), row.text(4), row.text(5), {}});
    }
    return out;
  });
}

Result<User> PgStore::user(UserId id) {
  return read<User>([&](PgConn& db) -> Result<User> {
    PgResult r = db.exec("SELECT " TONARI_PG_USER_COLS TONARI_PG_USER_FROM "WHERE u.id=$1",
                         Params().i64(id));
    if (r.empty()) return not_found("user " + std::to_string(id) + " not found");
    return read_user(r.row(0));
  });
}

Result<Credentials> PgStore::credentials(TenantId tenant, std::string_view login) {
  return read<Credentials>([&](PgConn& db) -> Result<Credentials> {
    PgResult r = db.exec("SELECT " TONARI_PG_USER_COLS ", u.password_hash" TONARI_PG_USER_FROM
                         "WHERE u.tenant_id=$1 AND u.login=$2",
                         Params().i64(tenant).text(login));
    if (r.empty()) return not_found("no such login");
    return Credentials{read_user(r.row(0)), r.row(0).text(TONARI_PG_USER_NCOLS)};
  });
}

Result<std::vector<User>> PgStore::find_users(TenantId tenant, std::string_view folded_query,
                                              const std::vector<DeptId>& depts, int limit) {
  return read<std::vector<User>>([&](PgConn& db) -> Result<std::vector<User>> {
    std::vector<User> out;
    PgResult r = depts.empty()
        ? db.exec("SELECT " TONARI_PG_USER_COLS TONARI_PG_USER_FROM
                  "WHERE u.tenant_id=$1 AND NOT u.disabled AND strpos(u.search_key, $2)>0"
                  " ORDER BY " TONARI_PG_USER_ORDER " LIMIT $3",
                  Params().i64(tenant).text(folded_query).i64(limit))
        : db.exec("SELECT " TONARI_PG_USER_COLS TONARI_PG_USER_FROM
                  "WHERE u.tenant_id=$1 AND NOT u.disabled AND strpos(u.search_key, $2)>0"
                  " AND u.dept_id = ANY($3::bigint[])"
                  " ORDER BY " TONARI_PG_USER_ORDER " LIMIT $4",
                  Params().i64(tenant).text(folded_query).ids(depts).i64(limit));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r.row(i)));
    return out;
  });
}

Result<std::vector<User>> PgStore::users_in_tenant(TenantId tenant,
                                                   const std::vector<UserId>& ids) {
  return read<std::vector<User>>([&](PgConn& db) -> Result<std::vector<User>> {
    PgResult r = db.exec("SELECT " TONARI_PG_USER_COLS TONARI_PG_USER_FROM
                         "WHERE u.tenant_id=$1 AND NOT u.disabled AND u.id = ANY($2::bigint[])"
                         " ORDER BY " TONARI_PG_USER_ORDER,
                         Params().i64(tenant).ids(ids));
    std::vector<User> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r.row(i)));
    return out;
  });
}

Result<Session> PgStore::session(std::string_view token_hash) {
  return read<Session>([&](PgConn& db) -> Result<Session> {
    PgResult r = db.exec("SELECT token_hash, user_id, csrf, created_at, expires_at FROM sessions"
                         " WHERE token_hash=$1",
                         Params().text(token_hash));
    if (r.empty()) return unauthenticated("no such session");
    Row row = r.row(0);
    return Session{row.text(0), row.i64(1), row.text(2), row.i64(3), row.i64(4)};
  });
}

Result<std::vector<Revocation>> PgStore::revocations_after(std::int64_t after, int limit) {
  return read<std::vector<Revocation>>([&](PgConn& db) -> Result<std::vector<Revocation>> {
    PgResult r = db.exec("SELECT id, user_id FROM revocations WHERE id>$1 ORDER BY id LIMIT $2",
                         Params().i64(after).i64(limit));
    std::vector<Revocation> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(Revocation{r.row(i).i64(0), r.row(i).i64(1)});
    return out;
  });
}

Result<Room> PgStore::room(RoomId id) {
  return read<Room>([&](PgConn& db) -> Result<Room> {
    PgResult r = db.exec("SELECT " TONARI_PG_ROOM_COLS " FROM rooms r WHERE r.id=$1",
                         Params().i64(id));
    if (r.empty()) return not_found("room " + std::to_string(id) + " not found");
    return read_room(r.row(0));
  });
}

Result<std::optional<Member>> PgStore::member(RoomId room, UserId user) {
  return read<std::optional<Member>>([&](PgConn& db) -> Result<std::optional<Member>> {
    PgResult r = db.exec("SELECT mb.role, " TONARI_PG_READ_SEQ("mb", "r") " FROM members mb"
                         " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=$1 AND mb.user_id=$2",
                         Params().i64(room).i64(user));
    if (r.empty()) return std::optional<Member>();
    return member_of(r.row(0), 0, user);
  });
}

Result<std::pair<Room, std::optional<Member>>> PgStore::room_and_member(RoomId room,
                                                                       UserId user) {
  using Out = std::pair<Room, std::optional<Member>>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT " TONARI_PG_ROOM_COLS ", mb.role, " TONARI_PG_READ_SEQ("mb", "r")
                         " FROM rooms r LEFT JOIN members mb ON mb.room_id=r.id AND mb.user_id=$1"
                         " WHERE r.id=$2",
                         Params().i64(user).i64(room));
    if (r.empty()) return not_found("room " + std::to_string(room) + " not found");
    return Out{read_room(r.row(0)), member_of(r.row(0), TONARI_PG_ROOM_NCOLS, user)};
  });
}

Result<std::vector<std::pair<User, Member>>> PgStore::members(RoomId room) {
  using Out = std::vector<std::pair<User, Member>>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT " TONARI_PG_USER_COLS ", mb.role, " TONARI_PG_READ_SEQ("mb", "r")
                         " FROM members mb JOIN rooms r ON r.id=mb.room_id"
                         " JOIN users u ON u.id=mb.user_id LEFT JOIN departments d ON d.id=u.dept_id"
                         " WHERE mb.room_id=$1 ORDER BY mb.sort_key, mb.user_id",
                         Params().i64(room));
    Out out;
    for (int i = 0; i < r.rows(); ++i) {
      User u = read_user(r.row(i));
      Member m = *member_of(r.row(i), TONARI_PG_USER_NCOLS, u.id);
      out.emplace_back(std::move(u), m);
    }
    return out;
  });
}

// A page of a room's members along members_order (room_id, sort_key, user_id), from the
// keyset cursor ($2, $3) on.
#define TONARI_PG_PAGE_SELECT                                                                \
  "SELECT " TONARI_PG_USER_COLS ", mb.role, " TONARI_PG_READ_SEQ("mb", "r") ", mb.sort_key"   \
  " FROM members mb JOIN rooms r ON r.id=mb.room_id JOIN users u ON u.id=mb.user_id"          \
  " LEFT JOIN departments d ON d.id=u.dept_id"                                               \
  " WHERE mb.room_id=$1 AND (mb.sort_key, mb.user_id) > ($2::bytea, $3::bigint) "
#define TONARI_PG_PAGE_ORDER " ORDER BY mb.sort_key, mb.user_id LIMIT $4"
// acked / unacked: members other than the sender ($5) who have (not) acknowledged message
// $6; with a department ($7, not 0) only those in its subtree (`sub`).
#define TONARI_PG_ACK_PAGE_SELECT                                                           \
  "WITH RECURSIVE sub(id) AS (SELECT $7::bigint UNION SELECT d2.id FROM departments d2"     \
  " JOIN sub ON d2.parent_id=sub.id) " TONARI_PG_PAGE_SELECT                               \
  "AND mb.user_id<>$5 AND ($7=0 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub)) AND "
#define TONARI_PG_ACKED \
  "EXISTS(SELECT 1 FROM message_acks a WHERE a.room_id=$1 AND a.seq=$6 AND a.user_id=mb.user_id)"

Result<MemberPage> PgStore::members_page(RoomId room, const MemberKey& after, int limit,
                                         const MemberFilter& filter) {
  return read<MemberPage>([&](PgConn& db) -> Result<MemberPage> {
    const char* sql = nullptr;
    switch (filter.kind) {
      case MemberFilter::all: sql = TONARI_PG_PAGE_SELECT TONARI_PG_PAGE_ORDER; break;
      case MemberFilter::read:
        sql = TONARI_PG_PAGE_SELECT "AND mb.user_id<>$5 AND " TONARI_PG_READ_SEQ("mb", "r")
              ">=$6" TONARI_PG_PAGE_ORDER;
        break;
      case MemberFilter::unread:
        sql = TONARI_PG_PAGE_SELECT "AND mb.user_id<>$5 AND " TONARI_PG_READ_SEQ("mb", "r")
              "<$6" TONARI_PG_PAGE_ORDER;
        break;
      case MemberFilter::unanswered:
        sql = TONARI_PG_PAGE_SELECT "AND " TONARI_PG_UNANSWERED("$5") TONARI_PG_PAGE_ORDER;
        break;
      case MemberFilter::acked:
        sql = TONARI_PG_ACK_PAGE_SELECT TONARI_PG_ACKED TONARI_PG_PAGE_ORDER;
        break;
      case MemberFilter::unacked:
        sql = TONARI_PG_ACK_PAGE_SELECT "NOT " TONARI_PG_ACKED TONARI_PG_PAGE_ORDER;
        break;
    }
    // One row more than asked says whether another page follows.
    Params p;
    p.i64(room).bytes(after.sort_key).i64(after.user).i64(limit + 1);
    if (filter.kind == MemberFilter::read || filter.kind == MemberFilter::unread) {
      p.i64(filter.sender).i64(filter.seq);
    } else if (filter.kind == MemberFilter::acked || filter.kind == MemberFilter::unacked) {
      p.i64(filter.sender).i64(filter.seq).i64(filter.dept);
    } else if (filter.kind == MemberFilter::unanswered) {
      // A task's pending are its assignees who have not answered: a handful of members,
      // found by their ids instead of along the whole list.
      PgResult a = db.exec("SELECT a.kind, a.assignees FROM actions a JOIN messages m"
                           " ON m.room_id=a.room_id AND m.seq=a.seq AND NOT m.deleted"
                           " WHERE a.room_id=$1 AND a.seq=$2",
                           Params().i64(room).i64(filter.seq));
      if (a.empty()) return not_found("message " + std::to_string(filter.seq) + " asks no question");
      p.i64(filter.seq);
      if (a.row(0).view(0) == "task") {
        sql = TONARI_PG_PAGE_SELECT "AND " TONARI_PG_UNANSWERED("$5")
              " AND mb.user_id = ANY($6::bigint[])" TONARI_PG_PAGE_ORDER;
        p.ids(split_ids(a.row(0).view(1)));
      }
    }
    PgResult r = db.exec(sql, p);
    MemberPage out;
    std::string last_key;
    for (int i = 0; i < r.rows(); ++i) {
      if (static_cast<int>(out.members.size()) == limit) {
        out.next = MemberKey{std::move(last_key), out.members.back().first.id};
        break;
      }
      Row row = r.row(i);
      User u = read_user(row);
      Member m = *member_of(row, TONARI_PG_USER_NCOLS, u.id);
      last_key = row.bytes(TONARI_PG_USER_NCOLS + 2);
      out.members.emplace_back(std::move(u), m);
    }
    return out;
  });
}

Result<std::pair<std::int64_t, std::int64_t>> PgStore::reader_counts(RoomId room, Seq seq,
                                                                     UserId sender) {
  using Out = std::pair<std::int64_t, std::int64_t>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT count(*) FILTER (WHERE pos>=$2), count(*) FILTER (WHERE pos<$2)"
                         " FROM (SELECT " TONARI_PG_READ_SEQ("mb", "r") " AS pos FROM members mb"
                         "  JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=$1 AND mb.user_id<>$3) t",
                         Params().i64(room).i64(seq).i64(sender));
    if (r.empty()) return Out{0, 0};
    return Out{r.row(0).i64(0), r.row(0).i64(1)};
  });
}

Result<std::vector<RoomSummary>> PgStore::rooms_for_user(UserId user) {
  using Out = std::vector<RoomSummary>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec(TONARI_PG_SUMMARY_SELECT
                         "WHERE mb.user_id=$1 ORDER BY r.last_activity DESC, r.id DESC",
                         Params().i64(user));
    Out out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_summary(r.row(i)));
    std::vector<RoomSummary*> with_files;
    std::vector<Message*> with_reactions, with_action;
    for (int i = 0; i < r.rows(); ++i) {
      RoomSummary& s = out[static_cast<std::size_t>(i)];
      const MessageParts parts = last_message_parts(r.row(i));
      if (parts.files) with_files.push_back(&s);
      if (parts.reactions) with_reactions.push_back(&*s.last_message);
      if (parts.action) with_action.push_back(&*s.last_message);
    }
    fill_last_files(db, with_files);
    fill_reactions(db, with_reactions);
    fill_actions(db, with_action);
    return out;
  });
}

Result<RoomSummary> PgStore::room_summary(RoomId room, UserId user) {
  return read<RoomSummary>([&](PgConn& db) -> Result<RoomSummary> {
    PgResult r = db.exec(TONARI_PG_SUMMARY_SELECT "WHERE mb.user_id=$1 AND mb.room_id=$2",
                         Params().i64(user).i64(room));
    if (r.empty()) return not_found("room " + std::to_string(room) + " not found");
    RoomSummary out = read_summary(r.row(0));
    if (out.last_message) fill_parts(db, room, {&*out.last_message}, {last_message_parts(r.row(0))});
    return out;
  });
}

Result<std::vector<std::pair<RoomId, EventNo>>> PgStore::room_cursors(UserId user) {
  using Out = std::vector<std::pair<RoomId, EventNo>>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT r.id, r.ev FROM members mb JOIN rooms r ON r.id=mb.room_id"
                         " WHERE mb.user_id=$1 ORDER BY mb.room_id",
                         Params().i64(user));
    Out out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.row(i).i64(0), r.row(i).i64(1));
    return out;
  });
}

Result<std::vector<std::pair<RoomId, EventNo>>> PgStore::room_heads(
    const std::vector<RoomId>& rooms) {
  using Out = std::vector<std::pair<RoomId, EventNo>>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    Out out;
    if (rooms.empty()) return out;
    PgResult r = db.exec("SELECT id, ev FROM rooms WHERE id = ANY($1::bigint[])",
                         Params().ids(rooms));
    std::unordered_map<RoomId, EventNo> heads;
    for (int i = 0; i < r.rows(); ++i) heads.emplace(r.row(i).i64(0), r.row(i).i64(1));
    out.reserve(rooms.size());
    for (RoomId id : rooms) {
      if (auto it = heads.find(id); it != heads.end()) out.emplace_back(id, it->second);
    }
    return out;
  });
}

Result<std::optional<RoomId>> PgStore::direct_room(UserId a, UserId b) {
  using Out = std::optional<RoomId>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT id FROM rooms WHERE direct_key=$1",
                         Params().text(std::to_string(std::min(a, b)) + ":" +
                                       std::to_string(std::max(a, b))));
    if (r.empty()) return Out();
    return Out(r.row(0).i64(0));
  });
}

Result<std::vector<Message>> PgStore::messages(RoomId room, Seq after, Seq before, int limit) {
  using Out = std::vector<Message>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    Out out;
    out.reserve(static_cast<std::size_t>(std::clamp(limit, 0, 256)));
    const Seq upper = before > 0 ? before : std::numeric_limits<Seq>::max();
    std::vector<MessageParts> parts;
    auto take = [&](const Row& row) {
      out.push_back(read_message(row));
      parts.push_back(parts_of(row));
    };
    if (after >= 0) {
      PgResult r = db.exec("SELECT " TONARI_PG_MESSAGE_COLS " FROM messages m"
                           " WHERE m.room_id=$1 AND m.seq>$2 AND m.seq<$3 ORDER BY m.seq LIMIT $4",
                           Params().i64(room).i64(after).i64(upper).i64(limit));
      for (int i = 0; i < r.rows(); ++i) take(r.row(i));
    } else {
      PgResult r = db.exec("SELECT " TONARI_PG_MESSAGE_COLS " FROM messages m"
                           " WHERE m.room_id=$1 AND m.seq<$2 ORDER BY m.seq DESC LIMIT $3",
                           Params().i64(room).i64(upper).i64(limit));
      for (int i = r.rows(); i-- > 0;) take(r.row(i));
    }
    std::vector<Message*> msgs;
    for (Message& m : out) msgs.push_back(&m);
    fill_parts(db, room, msgs, parts);
    if (!out.empty()) {
      const ReadPositions readers = read_positions(db, room, out.front().seq - 1);
      for (Message& m : out) {
        if (!m.deleted) m.read_count = readers.count(m.seq, m.sender);
      }
    }
    return out;
  });
}

Result<Message> PgStore::message(RoomId room, Seq seq) {
  return read<Message>([&](PgConn& db) -> Result<Message> {
    PgResult r = db.exec("SELECT " TONARI_PG_MESSAGE_COLS " FROM messages m"
                         " WHERE m.room_id=$1 AND m.seq=$2",
                         Params().i64(room).i64(seq));
    if (r.empty()) return not_found("message " + std::to_string(seq) + " not found");
    Message m = read_message(r.row(0));
    fill_parts(db, room, {&m}, {parts_of(r.row(0))});
    return m;
  });
}

namespace {

// The events of a room after `after` (at most `limit`), in order, given the room's event
// and message counters (`room_ev`, `room_seq`): message.created built from the message
// rows (created_ev is its place in the room's event order) merged with every other event,
// stored as sent. The messages created after `after` are among the room's last
// (room_ev - after).
std::vector<RoomEvent> room_events_since(PgConn& db, RoomId room, EventNo room_ev, Seq room_seq,
                                         EventNo after, int limit) {
  std::vector<RoomEvent> out;
  if (room_ev <= after || limit <= 0) return out;
  const EventNo missed = room_ev - after;
  PgResult m = db.exec("SELECT " TONARI_PG_MESSAGE_COLS ", m.created_ev FROM messages m"
                       " WHERE m.room_id=$1 AND m.seq>$2 AND m.created_ev>$3 ORDER BY m.seq LIMIT $4",
                       Params().i64(room).i64(std::max<Seq>(0, room_seq - missed)).i64(after).i64(limit));
  std::vector<std::pair<Message, EventNo>> msgs;  // with created_ev
  std::vector<Message*> ptrs;
  std::vector<MessageParts> parts;
  msgs.reserve(static_cast<std::size_t>(m.rows()));
  for (int i = 0; i < m.rows(); ++i) {
    msgs.emplace_back(read_message(m.row(i)), m.row(i).i64(TONARI_PG_MESSAGE_NCOLS));
    ptrs.push_back(&msgs.back().first);
    parts.push_back(parts_of(m.row(i)));
  }
  // message.created carries the message's parts as they are now (its files' state as the
  // file.updated events among these have left them; its reactions and action stamp as the
  // later reaction.updated and action.updated events leave them).
  fill_parts(db, room, ptrs, parts);
  // Most of what a client misses is messages: when they account for every event missed,
  // the events table has nothing to add and is not read.
  if (static_cast<EventNo>(msgs.size()) == missed) {
    for (const auto& [msg, ev] : msgs) out.push_back(message_created_event(msg, ev));
    return out;
  }
  PgResult e = db.exec("SELECT ev, frame FROM events WHERE room_id=$1 AND ev>$2 ORDER BY ev LIMIT $3",
                       Params().i64(room).i64(after).i64(limit));
  std::size_t i = 0;
  int k = 0;
  while ((i < msgs.size() || k < e.rows()) && static_cast<int>(out.size()) < limit) {
    const bool take_message =
        i < msgs.size() && (k >= e.rows() || msgs[i].second < e.row(k).i64(0));
    if (take_message) {
      out.push_back(message_created_event(msgs[i].first, msgs[i].second));
      ++i;
    } else {
      out.push_back(RoomEvent{room, e.row(k).i64(0),
                              std::make_shared<const std::string>(e.row(k).text(1))});
      ++k;
    }
  }
  return out;
}

}  // namespace

Result<std::vector<RoomEvent>> PgStore::events_after(RoomId room, EventNo after, int limit) {
  return read_snapshot<std::vector<RoomEvent>>([&](PgConn& db) -> Result<std::vector<RoomEvent>> {
    PgResult r = db.exec("SELECT ev, msg_seq FROM rooms WHERE id=$1", Params().i64(room));
    if (r.empty()) return std::vector<RoomEvent>{};
    return room_events_since(db, room, r.row(0).i64(0), r.row(0).i64(1), after, limit);
  });
}

Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> PgStore::events_after_as_member(
    UserId user, const std::vector<std::pair<RoomId, EventNo>>& after, int limit) {
  using Out = std::vector<std::pair<RoomId, std::vector<RoomEvent>>>;
  if (after.empty()) return Out{};
  return read_snapshot<Out>([&](PgConn& db) -> Result<Out> {
    Out out;
    // Membership and each room's counters, for all the rooms at once.
    std::vector<RoomId> ids;
    ids.reserve(after.size());
    for (const auto& [room, from] : after) ids.push_back(room);
    PgResult r = db.exec("SELECT r.id, r.ev, r.msg_seq FROM members mb JOIN rooms r ON r.id=mb.room_id"
                         " WHERE mb.user_id=$1 AND mb.room_id = ANY($2::bigint[])",
                         Params().i64(user).ids(ids));
    std::unordered_map<RoomId, std::pair<EventNo, Seq>> counters;
    for (int i = 0; i < r.rows(); ++i) {
      counters.emplace(r.row(i).i64(0), std::make_pair(r.row(i).i64(1), r.row(i).i64(2)));
    }
    for (const auto& [room, from] : after) {
      auto c = counters.find(room);
      if (c == counters.end()) continue;  // not (or no longer) a member
      out.emplace_back(room, room_events_since(db, room, c->second.first, c->second.second,
                                               from, limit));
    }
    return out;
  });
}

Result<std::vector<Room>> PgStore::synced_rooms(TenantId tenant) {
  return read<std::vector<Room>>([&](PgConn& db) -> Result<std::vector<Room>> {
    PgResult r = db.exec("SELECT " TONARI_PG_ROOM_COLS " FROM rooms r WHERE r.tenant_id=$1"
                         " AND r.sync_kind<>'none' AND r.kind='group' ORDER BY r.id",
                         Params().i64(tenant));
    std::vector<Room> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_room(r.row(i)));
    return out;
  });
}

Result<std::vector<ReadCount>> PgStore::read_counts(RoomId room, Seq lo, Seq hi) {
  using Out = std::vector<ReadCount>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    const ReadPositions readers = read_positions(db, room, lo);
    PgResult r = db.exec("SELECT m.seq, m.sender_id, EXISTS(SELECT 1 FROM members mb"
                         " WHERE mb.room_id=m.room_id AND mb.user_id=m.sender_id)"
                         " FROM messages m WHERE m.room_id=$1 AND m.seq>$2 AND m.seq<=$3"
                         " AND NOT m.deleted ORDER BY m.seq",
                         Params().i64(room).i64(lo).i64(hi));
    Out out;
    for (int i = 0; i < r.rows(); ++i) {
      const Row row = r.row(i);
      out.push_back(ReadCount{row.i64(0), row.i64(1), row.boolean(2),
                              readers.count(row.i64(0), row.i64(1))});
    }
    return out;
  });
}

Result<FileInfo> PgStore::file(FileId id) {
  return read<FileInfo>([&](PgConn& db) -> Result<FileInfo> {
    PgResult r = db.exec("SELECT " TONARI_PG_FILE_COLS " FROM files f WHERE f.id=$1",
                         Params().i64(id));
    if (r.empty()) return not_found("file " + std::to_string(id) + " not found");
    return read_file(r.row(0));
  });
}

Result<std::int64_t> PgStore::tenant_file_bytes(TenantId tenant) {
  return read<std::int64_t>([&](PgConn& db) -> Result<std::int64_t> {
    PgResult r = db.exec("SELECT file_bytes FROM tenant_usage WHERE tenant_id=$1",
                         Params().i64(tenant));
    return r.empty() ? 0 : r.row(0).i64(0);
  });
}

Result<std::optional<std::string>> PgStore::tenant_setting(TenantId tenant, std::string_view key) {
  using Out = std::optional<std::string>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT value FROM tenant_settings WHERE tenant_id=$1 AND key=$2",
                         Params().i64(tenant).text(key));
    if (r.empty()) return Out();
    return Out(r.row(0).text(0));
  });
}

}  // namespace tonari::store::postgres
