// 安否確認 (issue 23) on SQLite: safety_checks, safety_targets, safety_picks and
// safety_answers (schema migration 14). Every write is one job (one transaction); reads
// are one snapshot each. A department filter is a recursive `sub` CTE over the org tree,
// read in the statement that uses it.
#include <algorithm>
#include <map>

#include "store/sqlite/store_impl.h"
#include "store/sqlite/write_helpers.h"

namespace tonari::store::sqlite {
namespace {

#define TONARI_SAFETY_COLS                                                                 \
  "c.id,c.tenant_id,c.title,c.template,c.training,c.questions,c.scope,c.internet_answer,"   \
  "c.started_by,c.started_at,c.closed_at,c.closed_by,c.origin,c.webhook_event,c.targets,"   \
  "c.answered"
#define TONARI_SAFETY_NCOLS 16
// A target's row after TONARI_USER_COLS; its sort key last (the page's cursor).
#define TONARI_TARGET_COLS                                                                 \
  TONARI_USER_COLS ",t.dept_id,t.answered_at,t.answered_by,t.proxy,t.answer,t.sort_key"
#define TONARI_TARGET_FROM                                                                 \
  " FROM safety_targets t JOIN users u ON u.id=t.user_id"                                   \
  " LEFT JOIN departments d ON d.id=u.dept_id "
// The department ?N and its subtree, as `sub`.
#define TONARI_SUBTREE(n)                                                                  \
  "WITH RECURSIVE sub(id) AS (SELECT ?" n " UNION SELECT d2.id FROM departments d2"         \
  " JOIN sub ON d2.parent_id=sub.id) "

SafetyCheck read_check(const Stmt& s, int c = 0) {
  SafetyCheck k;
  k.id = s.i64(c);
  k.tenant = s.i64(c + 1);
  k.title = s.text(c + 2);
  k.template_key = s.text(c + 3);
  k.training = s.i64(c + 4) != 0;
  k.questions = s.text(c + 5);
  k.scope = split_ids(s.text(c + 6));
  k.internet_answer = s.i64(c + 7) != 0;
  k.started_by = s.i64(c + 8);
  k.started_at = s.i64(c + 9);
  k.closed_at = s.i64(c + 10);
  k.closed_by = s.i64(c + 11);
  k.origin = s.text(c + 12);
  k.webhook_event = s.text(c + 13);
  k.targets = s.i64(c + 14);
  k.answered = s.i64(c + 15);
  return k;
}

SafetyTarget read_target(const Stmt& s, int c = 0) {
  SafetyTarget t;
  t.user = read_user(s, c);
  c += TONARI_USER_NCOLS;
  t.dept = s.i64(c);
  t.answered_at = s.i64(c + 1);
  t.answered_by = s.i64(c + 2);
  t.proxy = s.i64(c + 3) != 0;
  t.answer = s.text(c + 4);
  return t;
}

std::optional<SafetyCheck> load_check(Connection& db, SafetyId id) {
  Stmt s = db.q("SELECT " TONARI_SAFETY_COLS " FROM safety_checks c WHERE c.id=?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_check(s);
}

Status no_check(SafetyId id) {
  return not_found("safety check " + std::to_string(id) + " not found");
}

SafetyAnswer read_answer(const Stmt& s) {
  SafetyAnswer a;
  a.check = s.i64(0);
  a.user = s.i64(1);
  a.by = s.i64(2);
  a.by_name = s.text(3);
  a.proxy = s.i64(4) != 0;
  a.at = s.i64(5);
  a.answer = s.text(6);
  a.client_id = s.text(7);
  return a;
}

#define TONARI_ANSWER_SELECT                                                               \
  "SELECT a.check_id,a.user_id,a.by_id,coalesce(u.name,''),a.proxy,a.at,a.answer,a.client_id" \
  " FROM safety_answers a LEFT JOIN users u ON u.id=a.by_id "

}  // namespace

void SqliteStore::set_user_flags(UserId user, bool crisis, bool dept_head, Callback<User> done) {
  write<User>([=](Connection& db) -> Result<User> {
    db.q("UPDATE users SET crisis=?, dept_head=? WHERE id=?")
        .bind(1, crisis).bind(2, dept_head).bind(3, user).run();
    auto u = load_user(db, user);
    if (!u) return not_found("user " + std::to_string(user) + " not found");
    return std::move(*u);
  }, std::move(done));
}

void SqliteStore::start_safety(SafetyStart st, Callback<SafetyStarted> done) {
  write<SafetyStarted>([st = std::move(st)](Connection& db) -> Result<SafetyStarted> {
    {
      Stmt s = db.q("SELECT 1 FROM tenants WHERE id=?");
      s.bind(1, st.tenant);
      if (!s.step()) return not_found("tenant " + std::to_string(st.tenant) + " not found");
    }
    SafetyStarted out;
    if (!st.webhook_event.empty()) {  // a replayed webhook: the check it started
      Stmt s = db.q("SELECT " TONARI_SAFETY_COLS " FROM safety_checks c"
                    " WHERE c.tenant_id=? AND c.webhook_event=?");
      s.bind(1, st.tenant).bind(2, st.webhook_event);
      if (s.step()) {
        out.check = read_check(s);
        out.created = false;
        return out;
      }
    }
    for (DeptId d : st.scope) {
      Stmt s = db.q("SELECT 1 FROM departments WHERE id=? AND tenant_id=?");
      s.bind(1, d).bind(2, st.tenant);
      if (!s.step()) {
        return invalid_argument("scope: department " + std::to_string(d) +
                                " is not one of this municipality's");
      }
    }
    const std::string scope = join_ids(st.scope);
    db.q("INSERT INTO safety_checks(tenant_id, title, template, training, questions, scope,"
         " internet_answer, started_by, started_at, origin, webhook_event)"
         " VALUES(?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, st.tenant).bind(2, st.title).bind(3, st.template_key).bind(4, st.training)
        .bind(5, st.questions).bind(6, scope).bind(7, st.internet_answer).bind(8, st.by)
        .bind(9, st.now).bind(10, st.origin).bind(11, st.webhook_event).run();
    const SafetyId id = db.last_insert_id();
    // Every target in one statement, their order key copied as members have it: 20,000
    // users take tens of milliseconds (measured in the conformance suite's comment).
    db.q("WITH RECURSIVE sub(id) AS (SELECT value FROM json_each(?3) UNION"
         " SELECT d.id FROM departments d JOIN sub ON d.parent_id=sub.id)"
         " INSERT INTO safety_targets(check_id, user_id, dept_id, sort_key)"
         " SELECT ?1, u.id, coalesce(u.dept_id,0),"
         " CAST(u.reading_key || x'00' || u.name_key AS BLOB) FROM users u"
         " WHERE u.tenant_id=?2 AND u.disabled=0"
         " AND (?4 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub))")
        .bind(1, id).bind(2, st.tenant).bind(3, json_ids(st.scope)).bind(4, st.scope.empty())
        .run();
    const std::int64_t targets = db.changes();
    db.q("UPDATE safety_checks SET targets=? WHERE id=?").bind(1, targets).bind(2, id).run();
    {
      Stmt s = db.q("SELECT user_id FROM safety_targets WHERE check_id=? ORDER BY user_id");
      s.bind(1, id);
      out.targets.reserve(static_cast<std::size_t>(targets));
      while (s.step()) out.targets.push_back(s.i64(0));
    }
    out.check = *load_check(db, id);
    return out;
  }, std::move(done));
}

void SqliteStore::answer_safety(SafetyAnswerWrite a, Callback<SafetyAnswered> done) {
  write<SafetyAnswered>([a = std::move(a)](Connection& db) -> Result<SafetyAnswered> {
    if (a.client_id.empty()) return invalid_argument("client_id is required");
    auto check = load_check(db, a.check);
    if (!check || (a.tenant != 0 && check->tenant != a.tenant)) return no_check(a.check);
    DeptId dept = 0;
    TimeMs answered_before = 0;
    {
      Stmt s = db.q("SELECT dept_id, answered_at FROM safety_targets WHERE check_id=? AND user_id=?");
      s.bind(1, a.check).bind(2, a.user);
      if (!s.step()) {
        return not_found("user " + std::to_string(a.user) + " is not a target of safety check " +
                         std::to_string(a.check));
      }
      dept = s.i64(0);
      answered_before = s.i64(1);
    }
    SafetyAnswered out;
    {
      // A retry (the phone did not hear the reply): the answer as stored, even once closed.
      Stmt s = db.q(TONARI_ANSWER_SELECT "WHERE a.check_id=? AND a.user_id=? AND a.client_id=?");
      s.bind(1, a.check).bind(2, a.user).bind(3, a.client_id);
      if (s.step()) {
        out.answer = read_answer(s);
        out.created = false;
        return out;
      }
    }
    if (check->closed_at != 0) return conflict("closed");
    for (std::size_t i = 0; i < a.picks.size(); ++i) {
      const SafetyPick& p = a.picks[i];
      if (p.question < 0 || p.option < 0) return invalid_argument("picks: negative index");
      for (std::size_t j = 0; j < i; ++j) {
        if (a.picks[j].question == p.question) {
          return invalid_argument("picks: question " + std::to_string(p.question) + " twice");
        }
      }
    }
    const bool proxy = a.by != a.user;
    db.q("INSERT INTO safety_answers(check_id, user_id, by_id, proxy, at, answer, client_id)"
         " VALUES(?,?,?,?,?,?,?)")
        .bind(1, a.check).bind(2, a.user).bind(3, a.by).bind(4, proxy).bind(5, a.now)
        .bind(6, a.answer).bind(7, a.client_id).run();
    db.q("UPDATE safety_targets SET answered_at=?, answered_by=?, proxy=?, answer=?"
         " WHERE check_id=? AND user_id=?")
        .bind(1, a.now).bind(2, a.by).bind(3, proxy).bind(4, a.answer).bind(5, a.check)
        .bind(6, a.user).run();
    if (answered_before == 0) {
      db.q("UPDATE safety_checks SET answered=answered+1 WHERE id=?").bind(1, a.check).run();
    }
    db.q("DELETE FROM safety_picks WHERE check_id=? AND user_id=?")
        .bind(1, a.check).bind(2, a.user).run();
    for (const SafetyPick& p : a.picks) {
      db.q("INSERT INTO safety_picks(check_id, user_id, question, option, dept_id)"
           " VALUES(?,?,?,?,?)")
          .bind(1, a.check).bind(2, a.user).bind(3, p.question).bind(4, p.option)
          .bind(5, dept).run();
    }
    out.answer = SafetyAnswer{a.check, a.user, a.by, name_of(db, a.by), proxy, a.now, a.answer,
                              a.client_id};
    return out;
  }, std::move(done));
}

void SqliteStore::close_safety(SafetyId id, TenantId tenant, UserId by, TimeMs now,
                               Callback<SafetyCheck> done) {
  write<SafetyCheck>([=](Connection& db) -> Result<SafetyCheck> {
    auto check = load_check(db, id);
    if (!check || (tenant != 0 && check->tenant != tenant)) return no_check(id);
    if (check->closed_at != 0) return conflict("closed");
    db.q("UPDATE safety_checks SET closed_at=?, closed_by=? WHERE id=?")
        .bind(1, now).bind(2, by).bind(3, id).run();
    check->closed_at = now;
    check->closed_by = by;
    return std::move(*check);
  }, std::move(done));
}

Result<SafetyCheck> SqliteStore::safety_check(SafetyId id) {
  return read<SafetyCheck>([&](Connection& db) -> Result<SafetyCheck> {
    auto check = load_check(db, id);
    if (!check) return no_check(id);
    return std::move(*check);
  });
}

Result<std::optional<SafetyCheck>> SqliteStore::safety_check_by_event(TenantId tenant,
                                                                      std::string_view event) {
  using Out = std::optional<SafetyCheck>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT " TONARI_SAFETY_COLS " FROM safety_checks c"
                  " WHERE c.tenant_id=? AND c.webhook_event=? AND c.webhook_event<>''");
    s.bind(1, tenant).bind(2, event);
    if (!s.step()) return Out{};
    return Out{read_check(s)};
  });
}

Result<std::vector<std::pair<SafetyCheck, SafetyTarget>>> SqliteStore::open_safety_checks_for(
    UserId user) {
  using Out = std::vector<std::pair<SafetyCheck, SafetyTarget>>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    // Along safety_targets_user (user_id, check_id), newest check first.
    Stmt s = db.q("SELECT " TONARI_SAFETY_COLS "," TONARI_TARGET_COLS TONARI_TARGET_FROM
                  " JOIN safety_checks c ON c.id=t.check_id"
                  " WHERE t.user_id=? AND c.closed_at=0 ORDER BY t.check_id DESC");
    s.bind(1, user);
    Out out;
    while (s.step()) {
      SafetyCheck c = read_check(s);
      c.targets = c.answered = 0;  // not this read's business (store.h)
      out.emplace_back(std::move(c), read_target(s, TONARI_SAFETY_NCOLS));
    }
    return out;
  });
}

Result<SafetyCheckPage> SqliteStore::safety_checks(TenantId tenant, SafetyId before, int limit) {
  return read<SafetyCheckPage>([&](Connection& db) -> Result<SafetyCheckPage> {
    Stmt s = db.q("SELECT " TONARI_SAFETY_COLS " FROM safety_checks c WHERE c.tenant_id=?"
                  " AND (?2=0 OR c.id<?2) ORDER BY c.id DESC LIMIT ?3");
    s.bind(1, tenant).bind(2, before).bind(3, limit + 1);
    SafetyCheckPage out;
    while (s.step()) {
      if (static_cast<int>(out.checks.size()) == limit) {
        out.next = out.checks.back().id;
        break;
      }
      out.checks.push_back(read_check(s));
    }
    return out;
  });
}

Result<SafetyTally> SqliteStore::safety_tally(SafetyId id, DeptId dept) {
  return read<SafetyTally>([&](Connection& db) -> Result<SafetyTally> {
    if (!load_check(db, id)) return no_check(id);
    SafetyTally out;
    std::map<DeptId, std::size_t> row_of;
    {
      Stmt s = db.q(TONARI_SUBTREE("2")
                    "SELECT dept_id, count(*), sum(answered_at<>0) FROM safety_targets"
                    " WHERE check_id=?1 AND (?2=0 OR dept_id IN (SELECT id FROM sub))"
                    " GROUP BY dept_id ORDER BY dept_id");
      s.bind(1, id).bind(2, dept);
      while (s.step()) {
        row_of[s.i64(0)] = out.depts.size();
        out.depts.push_back(SafetyTallyRow{s.i64(0), s.i64(1), s.i64(2), {}});
        out.total.targets += s.i64(1);
        out.total.answered += s.i64(2);
      }
    }
    std::map<std::pair<int, int>, std::int64_t> totals;
    Stmt s = db.q(TONARI_SUBTREE("2")
                  "SELECT dept_id, question, option, count(*) FROM safety_picks"
                  " WHERE check_id=?1 AND (?2=0 OR dept_id IN (SELECT id FROM sub))"
                  " GROUP BY dept_id, question, option ORDER BY dept_id, question, option");
    s.bind(1, id).bind(2, dept);
    while (s.step()) {
      auto row = row_of.find(s.i64(0));
      if (row == row_of.end()) continue;  // cannot be: a pick's dept is its target's
      const int q = static_cast<int>(s.i64(1)), o = static_cast<int>(s.i64(2));
      out.depts[row->second].counts.push_back(SafetyCount{q, o, s.i64(3)});
      totals[{q, o}] += s.i64(3);
    }
    for (const auto& [qo, n] : totals) out.total.counts.push_back(SafetyCount{qo.first, qo.second, n});
    return out;
  });
}

Result<SafetyTargetPage> SqliteStore::safety_targets_page(SafetyId id,
                                                          const SafetyTargetFilter& filter,
                                                          const MemberKey& after, int limit) {
  return read<SafetyTargetPage>([&](Connection& db) -> Result<SafetyTargetPage> {
    if (!load_check(db, id)) return no_check(id);
    // Along safety_targets_order (check_id, sort_key, user_id) from the cursor on.
    Stmt s = db.q(TONARI_SUBTREE("3") "SELECT " TONARI_TARGET_COLS TONARI_TARGET_FROM
                  "WHERE t.check_id=?1 AND (t.sort_key, t.user_id) > (?4, ?5)"
                  " AND (?3=0 OR t.dept_id IN (SELECT id FROM sub))"
                  " AND (?2=0 OR (?2=1 AND t.answered_at<>0) OR (?2=2 AND t.answered_at=0))"
                  " AND (?6<0 OR EXISTS(SELECT 1 FROM safety_picks p WHERE p.check_id=?1"
                  " AND p.user_id=t.user_id AND p.question=?6 AND p.option=?7))"
                  " ORDER BY t.sort_key, t.user_id LIMIT ?8");
    const int state = filter.state == SafetyTargetFilter::State::answered     ? 1
                      : filter.state == SafetyTargetFilter::State::unanswered ? 2
                                                                               : 0;
    s.bind(1, id).bind(2, state).bind(3, filter.dept).bind_blob(4, after.sort_key)
        .bind(5, after.user).bind(6, filter.question).bind(7, filter.option).bind(8, limit + 1);
    SafetyTargetPage out;
    std::string last_key;
    while (s.step()) {
      if (static_cast<int>(out.targets.size()) == limit) {
        out.next = MemberKey{std::move(last_key), out.targets.back().user.id};
        break;
      }
      out.targets.push_back(read_target(s));
      last_key = s.text(TONARI_USER_NCOLS + 5);  // the blob's bytes
    }
    return out;
  });
}

Result<SafetyTarget> SqliteStore::safety_target(SafetyId id, UserId user) {
  return read<SafetyTarget>([&](Connection& db) -> Result<SafetyTarget> {
    Stmt s = db.q("SELECT " TONARI_TARGET_COLS TONARI_TARGET_FROM
                  "WHERE t.check_id=? AND t.user_id=?");
    s.bind(1, id).bind(2, user);
    if (!s.step()) {
      return not_found("user " + std::to_string(user) + " is not a target of safety check " +
                       std::to_string(id));
    }
    return read_target(s);
  });
}

Result<std::vector<SafetyAnswer>> SqliteStore::safety_answer_history(SafetyId id, UserId user) {
  using Out = std::vector<SafetyAnswer>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q(TONARI_ANSWER_SELECT "WHERE a.check_id=? AND a.user_id=? ORDER BY a.id");
    s.bind(1, id).bind(2, user);
    Out out;
    while (s.step()) out.push_back(read_answer(s));
    return out;
  });
}

Result<std::vector<UserId>> SqliteStore::safety_unanswered_ids(SafetyId id, DeptId dept) {
  using Out = std::vector<UserId>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q(TONARI_SUBTREE("2")
                  "SELECT user_id FROM safety_targets WHERE check_id=?1 AND answered_at=0"
                  " AND (?2=0 OR dept_id IN (SELECT id FROM sub)) ORDER BY user_id");
    s.bind(1, id).bind(2, dept);
    Out out;
    while (s.step()) out.push_back(s.i64(0));
    return out;
  });
}

}  // namespace tonari::store::sqlite
