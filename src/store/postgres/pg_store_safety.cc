// 安否確認 and 確認必須 (issue 23) on PostgreSQL: the SQLite store's statements
// (sqlite_store_safety.cc) in this dialect. Safety writes run on the writer of no room (0),
// acknowledgements on their room's; a target's row is locked (FOR UPDATE) while its answer
// is written, so that two answers at once count once.
#include <algorithm>
#include <map>

#include "store/postgres/store_impl.h"
#include "store/postgres/write_helpers.h"

namespace tonari::store::postgres {
namespace {

#define TONARI_PG_SAFETY_COLS                                                              \
  "c.id,c.tenant_id,c.title,c.template,c.training,c.questions,c.scope,c.internet_answer,"   \
  "c.started_by,c.started_at,c.closed_at,c.closed_by,c.origin,c.webhook_event,c.targets,"   \
  "c.answered"
#define TONARI_PG_SAFETY_NCOLS 16
#define TONARI_PG_TARGET_COLS                                                              \
  TONARI_PG_USER_COLS ",t.dept_id,t.answered_at,t.answered_by,t.proxy,t.answer,t.sort_key"
#define TONARI_PG_TARGET_FROM                                                              \
  " FROM safety_targets t JOIN users u ON u.id=t.user_id"                                   \
  " LEFT JOIN departments d ON d.id=u.dept_id "
// The department $N and its subtree, as `sub`.
#define TONARI_PG_SUBTREE(n)                                                               \
  "WITH RECURSIVE sub(id) AS (SELECT $" n "::bigint UNION SELECT d2.id FROM departments d2" \
  " JOIN sub ON d2.parent_id=sub.id) "
#define TONARI_PG_ANSWER_SELECT                                                            \
  "SELECT a.check_id,a.user_id,a.by_id,coalesce(u.name,''),a.proxy,a.at,a.answer,a.client_id" \
  " FROM safety_answers a LEFT JOIN users u ON u.id=a.by_id "

SafetyCheck read_check(const Row& r, int c = 0) {
  SafetyCheck k;
  k.id = r.i64(c);
  k.tenant = r.i64(c + 1);
  k.title = r.text(c + 2);
  k.template_key = r.text(c + 3);
  k.training = r.boolean(c + 4);
  k.questions = r.text(c + 5);
  k.scope = split_ids(r.view(c + 6));
  k.internet_answer = r.boolean(c + 7);
  k.started_by = r.i64(c + 8);
  k.started_at = r.i64(c + 9);
  k.closed_at = r.i64(c + 10);
  k.closed_by = r.i64(c + 11);
  k.origin = r.text(c + 12);
  k.webhook_event = r.text(c + 13);
  k.targets = r.i64(c + 14);
  k.answered = r.i64(c + 15);
  return k;
}

SafetyTarget read_target(const Row& r, int c = 0) {
  SafetyTarget t;
  t.user = read_user(r, c);
  c += TONARI_PG_USER_NCOLS;
  t.dept = r.i64(c);
  t.answered_at = r.i64(c + 1);
  t.answered_by = r.i64(c + 2);
  t.proxy = r.boolean(c + 3);
  t.answer = r.text(c + 4);
  return t;
}

SafetyAnswer read_answer(const Row& r) {
  return SafetyAnswer{r.i64(0), r.i64(1), r.i64(2), r.text(3), r.boolean(4), r.i64(5),
                      r.text(6), r.text(7)};
}

std::optional<SafetyCheck> load_check(PgConn& db, SafetyId id, bool lock = false) {
  PgResult r = db.exec(lock ? "SELECT " TONARI_PG_SAFETY_COLS " FROM safety_checks c WHERE c.id=$1 FOR UPDATE"
                            : "SELECT " TONARI_PG_SAFETY_COLS " FROM safety_checks c WHERE c.id=$1",
                       Params().i64(id));
  if (r.empty()) return std::nullopt;
  return read_check(r.row(0));
}

Status no_check(SafetyId id) {
  return not_found("safety check " + std::to_string(id) + " not found");
}
Status not_target(SafetyId id, UserId user) {
  return not_found("user " + std::to_string(user) + " is not a target of safety check " +
                   std::to_string(id));
}

// The room, locked, if `user` is a member (and, with `tenant`, it is of that municipality).
Result<Room> member_room(PgConn& db, RoomId room, UserId user, TenantId tenant) {
  auto r = load_room(db, room);
  if (!r || (tenant != 0 && r->tenant != tenant) || !is_member(db, room, user)) {
    return room_hidden(room);
  }
  return *r;
}

}  // namespace

void PgStore::set_user_flags(UserId user, bool crisis, bool dept_head, Callback<User> done) {
  write<User>(0, [=](PgConn& db) -> Result<User> {
    db.exec("UPDATE users SET crisis=$1, dept_head=$2 WHERE id=$3",
            Params().boolean(crisis).boolean(dept_head).i64(user));
    auto u = load_user(db, user);
    if (!u) return not_found("user " + std::to_string(user) + " not found");
    return *u;
  }, std::move(done));
}

// ---- 確認必須 ---------------------------------------------------------------------------

void PgStore::ack_message(RoomId room_id, Seq seq, UserId user, TenantId tenant, TimeMs now,
                          Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, user, tenant);
    if (!room.ok()) return room.status();
    PgResult m = db.exec("SELECT deleted, ack_required, ack_count FROM messages"
                         " WHERE room_id=$1 AND seq=$2 FOR UPDATE",
                         Params().i64(room_id).i64(seq));
    if (m.empty() || m.row(0).boolean(0)) return not_found("message " + std::to_string(seq) + " not found");
    if (!m.row(0).boolean(1)) return invalid_argument("not ack required");
    RoomChange out;
    out.room = *room;
    out.count = m.row(0).i64(2);
    PgResult ins = db.exec("INSERT INTO message_acks(room_id, seq, user_id, at) VALUES($1,$2,$3,$4)"
                           " ON CONFLICT DO NOTHING",
                           Params().i64(room_id).i64(seq).i64(user).i64(now));
    if (ins.affected() == 0) {  // acknowledged already: a retry
      out.created = false;
      return out;
    }
    db.exec("UPDATE messages SET ack_count=ack_count+1 WHERE room_id=$1 AND seq=$2",
            Params().i64(room_id).i64(seq));
    out.count += 1;
    return out;
  }, std::move(done));
}

Result<std::pair<std::int64_t, std::int64_t>> PgStore::ack_counts(RoomId room, Seq seq,
                                                                  UserId sender) {
  using Out = std::pair<std::int64_t, std::int64_t>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT count(a.user_id), count(*) - count(a.user_id) FROM members mb"
                         " LEFT JOIN message_acks a ON a.room_id=mb.room_id AND a.seq=$2"
                         " AND a.user_id=mb.user_id WHERE mb.room_id=$1 AND mb.user_id<>$3",
                         Params().i64(room).i64(seq).i64(sender));
    return Out{r.row(0).i64(0), r.row(0).i64(1)};
  });
}

void PgStore::remind_ack(RoomId room_id, Seq seq, UserId by, DeptId dept, TimeMs now,
                         AuthorRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    PgResult m = db.exec("SELECT deleted, ack_required, sender_id FROM messages"
                         " WHERE room_id=$1 AND seq=$2",
                         Params().i64(room_id).i64(seq));
    if (m.empty() || m.row(0).boolean(0)) return not_found("message " + std::to_string(seq) + " not found");
    if (!m.row(0).boolean(1)) return invalid_argument("not ack required");
    const UserId sender = m.row(0).i64(2);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by, sender));
    // MemberFilter::unacked, in member-list order.
    PgResult pending = db.exec(
        TONARI_PG_SUBTREE("4")
        "SELECT mb.user_id, u.name FROM members mb JOIN users u ON u.id=mb.user_id"
        " WHERE mb.room_id=$1 AND mb.user_id<>$3"
        " AND ($4=0 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub))"
        " AND NOT EXISTS(SELECT 1 FROM message_acks a WHERE a.room_id=$1 AND a.seq=$2"
        " AND a.user_id=mb.user_id) ORDER BY mb.sort_key, mb.user_id",
        Params().i64(room_id).i64(seq).i64(sender).i64(dept));
    if (pending.rows() == 0) return conflict("everyone has acknowledged");
    wire::SystemNote n = note_of("ack_reminded");
    n.seq = seq;
    n.count = pending.rows();
    std::vector<UserId> all, first;
    for (int i = 0; i < pending.rows(); ++i) {
      all.push_back(pending.row(i).i64(0));
      if (first.size() < wire::kMaxUsersPerSystemNote) {
        first.push_back(all.back());
        n.users.emplace_back(all.back(), pending.row(i).text(1));
      }
    }
    RoomChange out;
    out.room = *room;
    const Seq reminder = room->msg_seq + 1;
    out.message = append_system_message(db, out, by, n, now, first);
    // Every one of them has it as a mention (mention_unread), not only those it names.
    db.exec("INSERT INTO mentions(room_id, user_id, seq) SELECT $1, x, $2 FROM unnest($3::bigint[]) x",
            Params().i64(room_id).i64(reminder).ids(all));
    out.count = n.count;
    return out;
  }, std::move(done));
}

// ---- 安否確認 ---------------------------------------------------------------------------

void PgStore::start_safety(SafetyStart st, Callback<SafetyStarted> done) {
  write<SafetyStarted>(0, [st = std::move(st)](PgConn& db) -> Result<SafetyStarted> {
    if (db.exec("SELECT 1 FROM tenants WHERE id=$1", Params().i64(st.tenant)).empty()) {
      return not_found("tenant " + std::to_string(st.tenant) + " not found");
    }
    SafetyStarted out;
    if (!st.webhook_event.empty()) {  // a replayed webhook: the check it started
      PgResult r = db.exec("SELECT " TONARI_PG_SAFETY_COLS " FROM safety_checks c"
                           " WHERE c.tenant_id=$1 AND c.webhook_event=$2",
                           Params().i64(st.tenant).text(st.webhook_event));
      if (!r.empty()) {
        out.check = read_check(r.row(0));
        out.created = false;
        return out;
      }
    }
    if (!st.scope.empty()) {
      PgResult bad = db.exec("SELECT min(x) FROM unnest($1::bigint[]) x WHERE NOT EXISTS("
                             "SELECT 1 FROM departments d WHERE d.id=x AND d.tenant_id=$2)",
                             Params().ids(st.scope).i64(st.tenant));
      if (!bad.row(0).is_null(0)) {
        return invalid_argument("scope: department " + std::to_string(bad.row(0).i64(0)) +
                                " is not one of this municipality's");
      }
    }
    PgResult ins = db.exec(
        "INSERT INTO safety_checks(tenant_id, title, template, training, questions, scope,"
        " internet_answer, started_by, started_at, origin, webhook_event)"
        " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
        Params().i64(st.tenant).text(st.title).text(st.template_key).boolean(st.training)
            .text(st.questions).text(join_ids(st.scope)).boolean(st.internet_answer)
            .i64(st.by).i64(st.now).text(st.origin).text(st.webhook_event));
    const SafetyId id = ins.row(0).i64(0);
    // Every target in one statement, returning their ids.
    PgResult targets = db.exec(
        "WITH RECURSIVE sub(id) AS (SELECT unnest($3::bigint[]) UNION"
        " SELECT d.id FROM departments d JOIN sub ON d.parent_id=sub.id)"
        " INSERT INTO safety_targets(check_id, user_id, dept_id, sort_key)"
        " SELECT $1, u.id, coalesce(u.dept_id,0), u.reading_key || '\\x00'::bytea || u.name_key"
        " FROM users u WHERE u.tenant_id=$2 AND NOT u.disabled"
        " AND ($4 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub)) RETURNING user_id",
        Params().i64(id).i64(st.tenant).ids(st.scope).boolean(st.scope.empty()));
    out.targets.reserve(static_cast<std::size_t>(targets.rows()));
    for (int i = 0; i < targets.rows(); ++i) out.targets.push_back(targets.row(i).i64(0));
    std::sort(out.targets.begin(), out.targets.end());
    db.exec("UPDATE safety_checks SET targets=$1 WHERE id=$2",
            Params().i64(static_cast<std::int64_t>(out.targets.size())).i64(id));
    out.check = *load_check(db, id);
    return out;
  }, std::move(done));
}

void PgStore::answer_safety(SafetyAnswerWrite a, Callback<SafetyAnswered> done) {
  write<SafetyAnswered>(0, [a = std::move(a)](PgConn& db) -> Result<SafetyAnswered> {
    if (a.client_id.empty()) return invalid_argument("client_id is required");
    auto check = load_check(db, a.check);
    if (!check || (a.tenant != 0 && check->tenant != a.tenant)) return no_check(a.check);
    PgResult t = db.exec("SELECT dept_id, answered_at FROM safety_targets"
                         " WHERE check_id=$1 AND user_id=$2 FOR UPDATE",
                         Params().i64(a.check).i64(a.user));
    if (t.empty()) return not_target(a.check, a.user);
    const DeptId dept = t.row(0).i64(0);
    const TimeMs answered_before = t.row(0).i64(1);
    SafetyAnswered out;
    {
      // A retry (the phone did not hear the reply): the answer as stored, even once closed.
      PgResult r = db.exec(TONARI_PG_ANSWER_SELECT
                           "WHERE a.check_id=$1 AND a.user_id=$2 AND a.client_id=$3",
                           Params().i64(a.check).i64(a.user).text(a.client_id));
      if (!r.empty()) {
        out.answer = read_answer(r.row(0));
        out.created = false;
        return out;
      }
    }
    if (check->closed_at != 0) return conflict("closed");
    std::vector<std::int64_t> questions, options;
    for (const SafetyPick& p : a.picks) {
      if (p.question < 0 || p.option < 0) return invalid_argument("picks: negative index");
      if (std::find(questions.begin(), questions.end(), p.question) != questions.end()) {
        return invalid_argument("picks: question " + std::to_string(p.question) + " twice");
      }
      questions.push_back(p.question);
      options.push_back(p.option);
    }
    const bool proxy = a.by != a.user;
    db.exec("INSERT INTO safety_answers(check_id, user_id, by_id, proxy, at, answer, client_id)"
            " VALUES($1,$2,$3,$4,$5,$6,$7)",
            Params().i64(a.check).i64(a.user).i64(a.by).boolean(proxy).i64(a.now).text(a.answer)
                .text(a.client_id));
    db.exec("UPDATE safety_targets SET answered_at=$1, answered_by=$2, proxy=$3, answer=$4"
            " WHERE check_id=$5 AND user_id=$6",
            Params().i64(a.now).i64(a.by).boolean(proxy).text(a.answer).i64(a.check).i64(a.user));
    if (answered_before == 0) {
      db.exec("UPDATE safety_checks SET answered=answered+1 WHERE id=$1", Params().i64(a.check));
    }
    db.exec("DELETE FROM safety_picks WHERE check_id=$1 AND user_id=$2",
            Params().i64(a.check).i64(a.user));
    if (!questions.empty()) {
      db.exec("INSERT INTO safety_picks(check_id, user_id, question, option, dept_id)"
              " SELECT $1, $2, q, o, $5 FROM unnest($3::bigint[], $4::bigint[]) AS x(q, o)",
              Params().i64(a.check).i64(a.user).ids(questions).ids(options).i64(dept));
    }
    auto by = load_user(db, a.by);
    out.answer = SafetyAnswer{a.check, a.user, a.by, by ? by->name : std::string(), proxy,
                              a.now, a.answer, a.client_id};
    return out;
  }, std::move(done));
}

void PgStore::close_safety(SafetyId id, TenantId tenant, UserId by, TimeMs now,
                           Callback<SafetyCheck> done) {
  write<SafetyCheck>(0, [=](PgConn& db) -> Result<SafetyCheck> {
    auto check = load_check(db, id, /*lock=*/true);
    if (!check || (tenant != 0 && check->tenant != tenant)) return no_check(id);
    if (check->closed_at != 0) return conflict("closed");
    db.exec("UPDATE safety_checks SET closed_at=$1, closed_by=$2 WHERE id=$3",
            Params().i64(now).i64(by).i64(id));
    check->closed_at = now;
    check->closed_by = by;
    return std::move(*check);
  }, std::move(done));
}

Result<SafetyCheck> PgStore::safety_check(SafetyId id) {
  return read<SafetyCheck>([&](PgConn& db) -> Result<SafetyCheck> {
    auto check = load_check(db, id);
    if (!check) return no_check(id);
    return std::move(*check);
  });
}

Result<std::optional<SafetyCheck>> PgStore::safety_check_by_event(TenantId tenant,
                                                                  std::string_view event) {
  using Out = std::optional<SafetyCheck>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT " TONARI_PG_SAFETY_COLS " FROM safety_checks c"
                         " WHERE c.tenant_id=$1 AND c.webhook_event=$2 AND c.webhook_event<>''",
                         Params().i64(tenant).text(event));
    if (r.empty()) return Out{};
    return Out{read_check(r.row(0))};
  });
}

Result<std::vector<std::pair<SafetyCheck, SafetyTarget>>> PgStore::open_safety_checks_for(
    UserId user) {
  using Out = std::vector<std::pair<SafetyCheck, SafetyTarget>>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec("SELECT " TONARI_PG_SAFETY_COLS "," TONARI_PG_TARGET_COLS TONARI_PG_TARGET_FROM
                         " JOIN safety_checks c ON c.id=t.check_id"
                         " WHERE t.user_id=$1 AND c.closed_at=0 ORDER BY t.check_id DESC",
                         Params().i64(user));
    Out out;
    for (int i = 0; i < r.rows(); ++i) {
      SafetyCheck c = read_check(r.row(i));
      c.targets = c.answered = 0;  // not this read's business (store.h)
      out.emplace_back(std::move(c), read_target(r.row(i), TONARI_PG_SAFETY_NCOLS));
    }
    return out;
  });
}

Result<SafetyCheckPage> PgStore::safety_checks(TenantId tenant, SafetyId before, int limit) {
  return read<SafetyCheckPage>([&](PgConn& db) -> Result<SafetyCheckPage> {
    PgResult r = db.exec("SELECT " TONARI_PG_SAFETY_COLS " FROM safety_checks c WHERE c.tenant_id=$1"
                         " AND ($2=0 OR c.id<$2) ORDER BY c.id DESC LIMIT $3",
                         Params().i64(tenant).i64(before).i64(limit + 1));
    SafetyCheckPage out;
    for (int i = 0; i < r.rows(); ++i) {
      if (static_cast<int>(out.checks.size()) == limit) {
        out.next = out.checks.back().id;
        break;
      }
      out.checks.push_back(read_check(r.row(i)));
    }
    return out;
  });
}

Result<SafetyTally> PgStore::safety_tally(SafetyId id, DeptId dept) {
  return read_snapshot<SafetyTally>([&](PgConn& db) -> Result<SafetyTally> {
    if (!load_check(db, id)) return no_check(id);
    SafetyTally out;
    std::map<DeptId, std::size_t> row_of;
    const Params p = Params().i64(id).i64(dept);
    PgResult t = db.exec(TONARI_PG_SUBTREE("2")
                         "SELECT dept_id, count(*), count(*) FILTER (WHERE answered_at<>0)"
                         " FROM safety_targets WHERE check_id=$1"
                         " AND ($2=0 OR dept_id IN (SELECT id FROM sub))"
                         " GROUP BY dept_id ORDER BY dept_id",
                         p);
    for (int i = 0; i < t.rows(); ++i) {
      Row row = t.row(i);
      row_of[row.i64(0)] = out.depts.size();
      out.depts.push_back(SafetyTallyRow{row.i64(0), row.i64(1), row.i64(2), {}});
      out.total.targets += row.i64(1);
      out.total.answered += row.i64(2);
    }
    std::map<std::pair<int, int>, std::int64_t> totals;
    PgResult c = db.exec(TONARI_PG_SUBTREE("2")
                         "SELECT dept_id, question, option, count(*) FROM safety_picks"
                         " WHERE check_id=$1 AND ($2=0 OR dept_id IN (SELECT id FROM sub))"
                         " GROUP BY dept_id, question, option ORDER BY dept_id, question, option",
                         p);
    for (int i = 0; i < c.rows(); ++i) {
      Row row = c.row(i);
      auto at = row_of.find(row.i64(0));
      if (at == row_of.end()) continue;  // cannot be: a pick's dept is its target's
      const int q = static_cast<int>(row.i64(1)), o = static_cast<int>(row.i64(2));
      out.depts[at->second].counts.push_back(SafetyCount{q, o, row.i64(3)});
      totals[{q, o}] += row.i64(3);
    }
    for (const auto& [qo, n] : totals) out.total.counts.push_back(SafetyCount{qo.first, qo.second, n});
    return out;
  });
}

Result<SafetyTargetPage> PgStore::safety_targets_page(SafetyId id, const SafetyTargetFilter& filter,
                                                      const MemberKey& after, int limit) {
  return read_snapshot<SafetyTargetPage>([&](PgConn& db) -> Result<SafetyTargetPage> {
    if (!load_check(db, id)) return no_check(id);
    const int state = filter.state == SafetyTargetFilter::State::answered     ? 1
                      : filter.state == SafetyTargetFilter::State::unanswered ? 2
                                                                               : 0;
    // Along safety_targets_order (check_id, sort_key, user_id) from the cursor on.
    PgResult r = db.exec(
        TONARI_PG_SUBTREE("3") "SELECT " TONARI_PG_TARGET_COLS TONARI_PG_TARGET_FROM
        "WHERE t.check_id=$1 AND (t.sort_key, t.user_id) > ($4::bytea, $5::bigint)"
        " AND ($3=0 OR t.dept_id IN (SELECT id FROM sub))"
        " AND ($2=0 OR ($2=1 AND t.answered_at<>0) OR ($2=2 AND t.answered_at=0))"
        " AND ($6<0 OR EXISTS(SELECT 1 FROM safety_picks p WHERE p.check_id=$1"
        " AND p.user_id=t.user_id AND p.question=$6 AND p.option=$7))"
        " ORDER BY t.sort_key, t.user_id LIMIT $8",
        Params().i64(id).i64(state).i64(filter.dept).bytes(after.sort_key).i64(after.user)
            .i64(filter.question).i64(filter.option).i64(limit + 1));
    SafetyTargetPage out;
    std::string last_key;
    for (int i = 0; i < r.rows(); ++i) {
      if (static_cast<int>(out.targets.size()) == limit) {
        out.next = MemberKey{std::move(last_key), out.targets.back().user.id};
        break;
      }
      out.targets.push_back(read_target(r.row(i)));
      last_key = r.row(i).bytes(TONARI_PG_USER_NCOLS + 5);
    }
    return out;
  });
}

Result<SafetyTarget> PgStore::safety_target(SafetyId id, UserId user) {
  return read<SafetyTarget>([&](PgConn& db) -> Result<SafetyTarget> {
    PgResult r = db.exec("SELECT " TONARI_PG_TARGET_COLS TONARI_PG_TARGET_FROM
                         "WHERE t.check_id=$1 AND t.user_id=$2",
                         Params().i64(id).i64(user));
    if (r.empty()) return not_target(id, user);
    return read_target(r.row(0));
  });
}

Result<std::vector<SafetyAnswer>> PgStore::safety_answer_history(SafetyId id, UserId user) {
  using Out = std::vector<SafetyAnswer>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec(TONARI_PG_ANSWER_SELECT "WHERE a.check_id=$1 AND a.user_id=$2 ORDER BY a.id",
                         Params().i64(id).i64(user));
    Out out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_answer(r.row(i)));
    return out;
  });
}

Result<std::vector<UserId>> PgStore::safety_unanswered_ids(SafetyId id, DeptId dept) {
  using Out = std::vector<UserId>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec(TONARI_PG_SUBTREE("2")
                         "SELECT user_id FROM safety_targets WHERE check_id=$1 AND answered_at=0"
                         " AND ($2=0 OR dept_id IN (SELECT id FROM sub)) ORDER BY user_id",
                         Params().i64(id).i64(dept));
    Out out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.row(i).i64(0));
    return out;
  });
}

}  // namespace tonari::store::postgres
