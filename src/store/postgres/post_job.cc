#include "store/postgres/post_job.h"

#include <algorithm>

#include <boost/json.hpp>

#include "core/stamps.h"
#include "core/text_limits.h"
#include "store/action_rules.h"
#include "store/file_rules.h"
#include "store/postgres/search_docs.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {
namespace {

// One call of tonari_post (schema.cc): a message with a reply, mentions or no name; and
// ($15: indexing on) its row in search_pending if the call inserted it: the indexer writes
// its document (search_docs.h).
constexpr const char* kPostOne =
    "WITH p AS MATERIALIZED (SELECT * FROM tonari_post($1,$2,$3,$4,$5,$6,$7::bigint[],$8,$9,$10,"
    "   $11,$12,$13,$14)),"
    " d AS (INSERT INTO search_pending(message_id, room_id, doc_id)"
    "   SELECT (p.msg).id, (p.msg).room_id, nextval('search_docs_id_seq') FROM p"
    "   WHERE p.created AND $15)"
    " SELECT p.code, p.detail, p.created, p.read_before,"
    " (p.room).id, (p.room).tenant_id, (p.room).kind, (p.room).name, (p.room).created_by,"
    " (p.room).created_at, (p.room).msg_seq, (p.room).ev, (p.room).last_activity,"
    " (p.room).description, (p.room).announcement, (p.room).official,"
    " (p.room).members_invite, (p.room).members_edit, (p.room).sync_kind, (p.room).sync_dept,"
    " (p.room).sync_subtree,"
    " (p.msg).id, (p.msg).room_id, (p.msg).seq, (p.msg).sender_id, (p.msg).sender_name,"
    " (p.msg).client_id, (p.msg).body, (p.msg).reply_seq, (p.msg).reply_sender,"
    " (p.msg).reply_sender_name, (p.msg).reply_body, (p.msg).mentions, (p.msg).mention_all,"
    " (p.msg).created_at, coalesce((p.msg).edited_at, 0), (p.msg).deleted, (p.msg).kind,"
    " (p.msg).reply_edited, coalesce((p.msg).nfiles, 0), coalesce((p.msg).stamp, ''),"
    " coalesce((p.msg).reaction_keys, 0), coalesce((p.msg).has_action, false),"
    " coalesce((p.msg).ack_required, false), coalesce((p.msg).ack_count, 0)"
    " FROM p";

// The plain messages of a batch, in two statements. The first locks their rooms, in id
// order as every batch does, so that the second's snapshot, taken after the locks, sees
// each room and its members as the last write left them. The second applies the rules of
// tonari_post to all of them at once: a message is refused (code 1) if the room is not
// the sender's, or (code 6, unless one with its key is stored) if the sender is a plain
// member of an announcement room and not a tenant admin; one whose (room, sender, client_id) exists, stored or earlier in the batch,
// answers with that message (created false); the others are numbered in batch order per
// room, inserted, and move their room's counters and last sender (the sender before, if
// someone else, keeps in their member row what that gave them), and ($11: indexing on)
// those not stamps get their rows in search_pending, in message id order. One row per
// message, in batch order: its ordinal, then the columns of kPostOne, the room as it is
// after that message.
constexpr const char* kLockRooms =
    "SELECT 1 FROM rooms WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE";

constexpr const char* kPostMany = R"sql(
WITH inp AS (
  SELECT t.i, t.room, t.sender, t.name, t.client_id, t.body, t.now_ms, t.tenant, t.tenant_admin,
         t.stamp, t.quote_text
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                $7::bigint[], $8::bigint[], $9::text[], $10::text[])
         WITH ORDINALITY AS t(room, sender, name, client_id, body, now_ms, tenant, tenant_admin,
                              stamp, quote_text, i)),
vis AS (
  SELECT inp.*, r.tenant_id, r.kind, r.name AS room_name, r.created_by, r.created_at AS room_created,
         r.msg_seq AS base_seq, r.ev AS base_ev, r.last_sender AS base_last,
         r.last_activity AS base_activity, r.description, r.announcement, r.official,
         r.members_invite, r.members_edit, r.sync_kind, r.sync_dept, r.sync_subtree,
         mb.read_seq AS stored_read,
         mb.user_id IS NOT NULL AND (inp.tenant = 0 OR r.tenant_id = inp.tenant) AS visible,
         r.announcement AND mb.role = 'member' AND inp.tenant_admin = 0 AS silenced,
         e.id AS e_id, e.seq AS e_seq, e.sender_name AS e_sender_name, e.body AS e_body,
         e.reply_seq AS e_reply_seq, e.reply_sender AS e_reply_sender,
         e.reply_sender_name AS e_reply_sender_name, e.reply_body AS e_reply_body,
         e.mentions AS e_mentions, e.mention_all AS e_mention_all, e.created_at AS e_created_at,
         e.edited_at AS e_edited_at, e.deleted AS e_deleted, e.kind AS e_kind,
         e.reply_edited AS e_reply_edited, e.nfiles AS e_nfiles, e.stamp AS e_stamp,
         e.reaction_keys AS e_reaction_keys, e.has_action AS e_has_action,
         e.ack_required AS e_ack_required, e.ack_count AS e_ack_count,
         min(inp.i) OVER (PARTITION BY inp.room, inp.sender, inp.client_id) AS first_i
    FROM inp
    LEFT JOIN rooms r ON r.id = inp.room
    LEFT JOIN members mb ON mb.room_id = inp.room AND mb.user_id = inp.sender
    LEFT JOIN messages e ON e.client_id = inp.client_id AND e.sender_id = inp.sender
                        AND e.room_id = inp.room),
chk AS (
  SELECT vis.*, CASE WHEN NOT visible THEN 1 WHEN silenced AND e_id IS NULL THEN 6 ELSE 0 END AS code
    FROM vis),
run AS (
  SELECT chk.*, code = 0 AND e_id IS NULL AND i = first_i AS inserts,
         count(*) FILTER (WHERE code = 0 AND e_id IS NULL AND i = first_i)
           OVER (PARTITION BY room ORDER BY i) AS upto,
         max(now_ms) FILTER (WHERE code = 0 AND e_id IS NULL AND i = first_i)
           OVER (PARTITION BY room ORDER BY i) AS upto_activity
    FROM chk),
new AS (
  SELECT run.*, base_seq + upto AS seq, base_ev + upto AS ev,
         coalesce(lag(sender) OVER (PARTITION BY room ORDER BY i), base_last) AS prev_sender
    FROM run WHERE inserts),
own AS (
  SELECT new.*, max(seq) OVER (PARTITION BY room, sender ORDER BY i
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS own_before
    FROM new),
ins AS (
  INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev,
                       stamp, quote_text)
  SELECT room, seq, sender, name, client_id, body, now_ms, ev, stamp, quote_text FROM new
   ORDER BY room, seq
  RETURNING id, room_id, seq, stamp),
rooms_up AS (
  UPDATE rooms r SET msg_seq = x.seq, ev = x.ev, last_activity = x.now_ms, last_sender = x.sender
    FROM (SELECT DISTINCT ON (room) room, seq, ev, now_ms, sender FROM new ORDER BY room, i DESC) x
   WHERE r.id = x.room),
readers_up AS (
  UPDATE members m SET read_seq = greatest(m.read_seq, x.pos)
    FROM (SELECT room, prev_sender, max(seq) - 1 AS pos FROM new
           WHERE prev_sender <> 0 AND prev_sender <> sender GROUP BY room, prev_sender) x
   WHERE m.room_id = x.room AND m.user_id = x.prev_sender),
pending AS (
  INSERT INTO search_pending(message_id, room_id, doc_id)
  SELECT id, room_id, nextval('search_docs_id_seq')
    FROM (SELECT id, room_id FROM ins WHERE $11 AND stamp = '' ORDER BY id) o)
SELECT c.i, c.code, 0, coalesce(o.i = c.i, false),
       CASE WHEN o.i IS DISTINCT FROM c.i THEN 0
            WHEN o.prev_sender = o.sender THEN o.seq - 1
            ELSE greatest(c.stored_read, CASE WHEN c.base_last = c.sender THEN c.base_seq ELSE 0 END,
                          coalesce(o.own_before, 0)) END,
       c.room, c.tenant_id, c.kind, c.room_name, c.created_by, c.room_created,
       c.base_seq + c.upto, c.base_ev + c.upto, coalesce(c.upto_activity, c.base_activity),
       c.description, c.announcement, c.official, c.members_invite, c.members_edit, c.sync_kind,
       c.sync_dept, c.sync_subtree,
       coalesce(c.e_id, ins.id), c.room, coalesce(c.e_seq, o.seq), c.sender,
       coalesce(c.e_sender_name, o.name), c.client_id, coalesce(c.e_body, o.body),
       c.e_reply_seq, c.e_reply_sender, c.e_reply_sender_name, c.e_reply_body,
       coalesce(c.e_mentions, ''), coalesce(c.e_mention_all, false),
       coalesce(c.e_created_at, o.now_ms), coalesce(c.e_edited_at, 0), coalesce(c.e_deleted, false),
       coalesce(c.e_kind, 'text'), coalesce(c.e_reply_edited, false), coalesce(c.e_nfiles, 0),
       coalesce(c.e_stamp, o.stamp, ''), coalesce(c.e_reaction_keys, 0),
       coalesce(c.e_has_action, false), coalesce(c.e_ack_required, false),
       coalesce(c.e_ack_count, 0)
  FROM run c
  LEFT JOIN own o ON o.room = c.room AND o.i = c.first_i
  LEFT JOIN ins ON ins.room_id = o.room AND ins.seq = o.seq
 ORDER BY c.i
)sql";

// What a reply quotes of `m` instead of its body (messages.quote_text): a stamp's words,
// an action stamp's title (cut as tonari_post cuts a body).
std::string quote_text(const NewMessage& m) {
  if (m.action) return text::cut(m.action->title, 100);
  if (const StampInfo* s = m.stamp.empty() ? nullptr : find_stamp(m.stamp)) {
    return std::string(s->ja);
  }
  return {};
}

// The row of the action stamp that message `seq`, just posted by `asker`, asks, with an
// empty tally.
void insert_action(PgConn& db, RoomId room, Seq seq, UserId asker, const ActionSpec& a) {
  boost::json::array options;
  for (const std::string& o : a.options) options.emplace_back(o);
  db.exec("INSERT INTO actions(room_id, seq, asker, kind, title, options, multiple, deadline,"
          " results_public, changeable, anonymous, assignees, counts)"
          " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
          Params().i64(room).i64(seq).i64(asker).text(action_kind_name(a.kind)).text(a.title)
              .text(boost::json::serialize(options)).boolean(a.multiple).i64(a.deadline)
              .boolean(a.results_public).boolean(a.changeable).boolean(a.anonymous)
              .text(join_ids(a.assignees))
              .text(join_ids(std::vector<std::int64_t>(action_slots(a), 0))));
}

class PlainPosts final : public JobGroup {
 public:
  std::vector<Piped> statements(const std::vector<PgJob*>& jobs) const override {
    std::vector<std::int64_t> rooms, senders, nows, tenants, tenant_admins;
    std::vector<std::string> names, client_ids, bodies, stamps, quote_texts;
    bool indexed = false;
    for (PgJob* job : jobs) {
      const auto* post = static_cast<PostJob*>(job);
      const NewMessage& m = post->message();
      indexed = indexed || post->indexed();
      rooms.push_back(m.room);
      senders.push_back(m.sender);
      names.push_back(m.sender_name);
      client_ids.push_back(m.client_id);
      bodies.push_back(m.body);
      nows.push_back(m.now);
      tenants.push_back(m.tenant);
      tenant_admins.push_back(m.tenant_admin ? 1 : 0);
      stamps.push_back(m.stamp);
      quote_texts.push_back(quote_text(m));
    }
    std::vector<Piped> out;
    out.push_back(Piped{kLockRooms, Params().ids(rooms), {}, {}});
    Params p;
    p.ids(rooms).ids(senders).texts(names).texts(client_ids).texts(bodies).ids(nows).ids(tenants)
        .ids(tenant_admins).texts(stamps).texts(quote_texts).boolean(indexed);
    out.push_back(Piped{kPostMany, std::move(p), {}, {}});
    return out;
  }
};

const PlainPosts kPlainPosts;

}  // namespace

PostJob::PostJob(NewMessage m, bool index, Callback<RoomChange> done)
    : PgJob(m.room), m_(std::move(m)), index_(index && m_.stamp.empty()), done_(std::move(done)) {}

const JobGroup* PostJob::group_of() const {
  const bool plain = m_.reply_to <= 0 && m_.mentions.empty() && !m_.mention_all &&
                     !m_.sender_name.empty() && m_.files.empty() && !m_.action &&
                     !m_.ack_required;
  return plain ? &kPlainPosts : nullptr;
}

Piped PostJob::statement() {
  Params p;
  p.i64(m_.room).i64(m_.sender).text(m_.sender_name).text(m_.client_id).text(m_.body)
      .i64(m_.reply_to).ids(m_.mentions).boolean(m_.mention_all).i64(m_.now).i64(m_.tenant)
      .boolean(m_.tenant_admin).text(m_.stamp).text(quote_text(m_)).boolean(m_.action.has_value())
      .boolean(index_);
  return Piped{kPostOne, std::move(p), {}, {}};
}

bool PostJob::apply(PgConn& db) {
  Piped call = statement();
  PgResult rows = db.exec(call.sql, call.params);
  if (rows.empty()) {
    result_.emplace(internal_error("tonari_post returned no row"));
    return false;
  }
  Result<RoomChange> out = decode(rows.row(0), 0);
  if (out.ok() && out->created) {
    if (Status attached = attach_files(db, *out); !attached.is_ok()) {
      result_.emplace(std::move(attached));
      return false;  // the message goes too
    }
    if (m_.action) {
      insert_action(db, m_.room, out->message->seq, m_.sender, *m_.action);
      out->message->action = load_action(db, m_.room, out->message->seq);
    }
    if (m_.ack_required) {
      db.exec("UPDATE messages SET ack_required=true WHERE room_id=$1 AND seq=$2",
              Params().i64(m_.room).i64(out->message->seq));
      out->message->ack_required = true;
    }
  } else if (out.ok()) {
    // A retry: the first message, with its parts.
    fill_parts(db, m_.room, {&*out->message}, {parts_of(rows.row(0), 4 + TONARI_PG_ROOM_NCOLS)});
  }
  result_.emplace(std::move(out));
  return result_->ok();
}

Status PostJob::attach_files(PgConn& db, RoomChange& out) const {
  if (m_.files.empty()) return Status::ok();
  if (m_.files.size() > kMaxFilesPerMessage) return too_many_files();
  Message& msg = *out.message;
  for (std::size_t i = 0; i < m_.files.size(); ++i) {
    const FileId id = m_.files[i];
    PgResult r = db.exec("SELECT uploader_id, room_id, seq, deleted, state FROM files"
                         " WHERE id=$1 FOR UPDATE",
                         Params().i64(id));
    const bool twice = std::find(m_.files.begin(), m_.files.begin() + static_cast<std::ptrdiff_t>(i),
                                 id) != m_.files.begin() + static_cast<std::ptrdiff_t>(i);
    if (r.empty() || twice || r.row(0).i64(0) != m_.sender || r.row(0).i64(1) != m_.room ||
        r.row(0).i64(2) != 0 || r.row(0).boolean(3) || r.row(0).view(4) == "blocked") {
      return cannot_attach(id);
    }
    db.exec("UPDATE files SET seq=$1, pos=$2, updated_at=$3 WHERE id=$4",
            Params().i64(msg.seq).i64(static_cast<std::int64_t>(i)).i64(m_.now).i64(id));
  }
  db.exec("UPDATE messages SET nfiles=$1 WHERE room_id=$2 AND seq=$3",
          Params().i64(static_cast<std::int64_t>(m_.files.size())).i64(m_.room).i64(msg.seq));
  if (index_) index_new_files(db, m_.room, msg.seq, msg.created_at);
  // In the order given (pos), as every read gives them.
  fill_files(db, m_.room, {&msg});
  return Status::ok();
}

void PostJob::take(const PgResult& rows) {
  if (rows.empty()) {
    result_.emplace(internal_error("tonari_post returned no row"));
    return;
  }
  result_.emplace(decode(rows.row(0), 0));
}

void PostJob::take_row(const Row& row) { result_.emplace(decode(row, 1)); }

Result<RoomChange> PostJob::decode(const Row& row, int c) const {
  switch (row.i64(c)) {
    case 0: break;
    case 1: return not_found("room " + std::to_string(m_.room) + " not found");
    case 2: return not_found("sender not found");
    case 3:
      return invalid_argument("reply_to: no message " + std::to_string(m_.reply_to) +
                              " in this room");
    case 4: return invalid_argument("reply_to: that message was deleted");
    case 5:
      return invalid_argument("mentions: user " + std::to_string(row.i64(c + 1)) +
                              " is not a member of this room");
    case 6:
      return permission_denied("only the owners and admins of an announcement room post in it");
    case 7: return invalid_argument("reply_to: a system message cannot be quoted");
    default: return internal_error("posting: unknown code " + row.text(c));
  }
  RoomChange out;
  out.created = row.boolean(c + 2);
  out.sender_read_before = row.i64(c + 3);
  out.room = read_room(row, c + 4);
  out.message = read_message(row, c + 4 + TONARI_PG_ROOM_NCOLS);
  return out;
}

void PostJob::finish(bool committed) {
  if (!result_ || (!committed && result_->ok())) result_.emplace(database_unavailable());
  Result<RoomChange> r = std::move(*result_);
  if (r.ok() && r->created) r->events.push_back(message_created_event(*r->message, r->room.ev));
  done_(std::move(r));
}

}  // namespace tonari::store::postgres
