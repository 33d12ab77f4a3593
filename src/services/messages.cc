#include "services/messages.h"

#include <algorithm>

#include "core/stamps.h"
#include "core/text_limits.h"
#include "services/access.h"
#include "services/actions.h"
#include "services/events.h"
#include "services/policies.h"

namespace tonari::services {
namespace {

bool valid_client_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Status Messages::check_member(const Actor& actor, RoomId id) {
  return member_room(ctx_, actor, id).status();
}

Status Messages::check_body(std::string_view body, bool may_be_empty) const {
  if (!text::valid_utf8(body)) return invalid_argument("body: not valid UTF-8");
  if (text::trim(body).empty() && !may_be_empty) return invalid_argument("body is empty");
  if (text::char_count(body) > ctx_.limits.max_message_chars) {
    return invalid_argument("body: at most " + std::to_string(ctx_.limits.max_message_chars) +
                            " characters");
  }
  return Status::ok();
}

Result<History> Messages::history(const Actor& actor, RoomId room, Seq after, Seq before,
                                  int limit) {
  TONARI_RETURN_IF_ERROR(check_member(actor, room));
  limit = std::clamp(limit, 1, 200);
  auto msgs = ctx_.store.messages(room, after, before, limit + 1);
  if (!msgs.ok()) return msgs.status();
  History h;
  h.has_more = static_cast<int>(msgs->size()) > limit;
  if (h.has_more) {
    // One more than asked tells whether there is more in the paging direction.
    if (after >= 0) msgs->pop_back(); else msgs->erase(msgs->begin());
  }
  h.messages = std::move(*msgs);  // with their 既読 counts (store: the rule of read_counts)
  TONARI_RETURN_IF_ERROR(for_viewer(actor, room, h.messages));
  return h;
}

Result<History> Messages::around(const Actor& actor, RoomId room, Seq seq, int limit) {
  TONARI_RETURN_IF_ERROR(check_member(actor, room));
  limit = std::clamp(limit, 1, 200);
  seq = std::max<Seq>(seq, 1);  // messages() reads a `before` of 0 as "no upper bound"
  const int before_n = limit / 2, after_n = limit - before_n;
  // One more than asked on each side tells whether there is more beyond it.
  auto older = ctx_.store.messages(room, -1, seq, before_n + 1);
  if (!older.ok()) return older.status();
  auto newer = ctx_.store.messages(room, seq - 1, 0, after_n + 1);
  if (!newer.ok()) return newer.status();
  History h;
  h.has_more = static_cast<int>(older->size()) > before_n;
  if (h.has_more) older->erase(older->begin());
  h.has_more_after = static_cast<int>(newer->size()) > after_n;
  if (h.has_more_after) newer->pop_back();
  h.messages = std::move(*older);
  h.messages.insert(h.messages.end(), std::make_move_iterator(newer->begin()),
                    std::make_move_iterator(newer->end()));
  TONARI_RETURN_IF_ERROR(for_viewer(actor, room, h.messages));
  return h;
}

Result<Message> Messages::get(const Actor& actor, RoomId room, Seq seq) {
  TONARI_RETURN_IF_ERROR(check_member(actor, room));
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return msg.status();
  std::vector<Message> one{std::move(*msg)};
  TONARI_RETURN_IF_ERROR(for_viewer(actor, room, one));
  return std::move(one.front());
}

Status Messages::for_viewer(const Actor& actor, RoomId room, std::vector<Message>& msgs) const {
  Seq lo = 0, hi = 0;
  for (Message& m : msgs) {
    if (m.reactions.empty() && !m.action && !m.ack_required) continue;
    if (!lo) lo = m.seq;
    hi = m.seq;
    blank_for_viewer(actor.user, m);
  }
  if (!lo) return Status::ok();  // nothing to mark: no read (most pages)
  auto marks = ctx_.store.viewer_marks(room, lo, hi, actor.user.id);
  if (!marks.ok()) return marks.status();
  const auto find = [&](Seq seq) -> Message* {
    auto it = std::lower_bound(msgs.begin(), msgs.end(), seq,
                               [](const Message& m, Seq s) { return m.seq < s; });
    return it != msgs.end() && it->seq == seq ? &*it : nullptr;
  };
  for (const auto& [seq, key] : marks->reacted) {
    if (Message* m = find(seq)) {
      for (ReactionCount& r : m->reactions) r.mine |= r.key == key;
    }
  }
  for (auto& [seq, answer] : marks->answered) {
    Message* m = find(seq);
    if (!m || !m->action) continue;
    m->action->mine = std::move(answer.first);
    m->action->mine_at = answer.second;
  }
  for (Seq seq : marks->acked) {
    if (Message* m = find(seq)) m->acked = m->ack_required;
  }
  return Status::ok();
}

Status Messages::check_kind(const Actor& actor, PostRequest& req) const {
  if (req.ack_required && (!req.stamp.empty() || req.action)) {
    return invalid_argument("ack_required: not with a stamp or an action stamp");
  }
  if (!req.stamp.empty()) {
    if (!find_stamp(req.stamp)) return invalid_argument("unknown stamp");
    if (!req.body.empty()) return invalid_argument("body: a stamp message has no text");
    if (!req.files.empty()) return invalid_argument("files: a stamp message has none");
    if (req.action) return invalid_argument("stamp: a message is a stamp or an action stamp, not both");
    return Status::ok();
  }
  if (!req.action) return Status::ok();
  TONARI_RETURN_IF_ERROR(check_action_spec(*req.action, ctx_.clock.now_ms()));
  if (req.action->assignees.empty()) return Status::ok();
  // Whether the assignees are members is told only to a member.
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, req.room).status());
  for (UserId u : req.action->assignees) {
    auto m = ctx_.store.member(req.room, u);
    if (!m.ok()) return m.status();
    if (!*m) {
      return invalid_argument("action.assignees: user " + std::to_string(u) + " is not a member of the room");
    }
  }
  return Status::ok();
}

void Messages::post(const Actor& actor, PostRequest req, store::Callback<store::RoomChange> done) {
  if (!valid_client_id(req.client_id)) {
    return done(invalid_argument("client_id: 1-64 printable ASCII characters"));
  }
  if (req.files.size() > store::kMaxFilesPerMessage) {
    return done(invalid_argument("files: at most " + std::to_string(store::kMaxFilesPerMessage) +
                                 " per message"));
  }
  if (Status st = check_kind(actor, req); !st.is_ok()) return done(st);
  // A message with files, a stamp or an action stamp may have no text.
  const bool may_be_empty = !req.files.empty() || !req.stamp.empty() || req.action;
  if (Status st = check_body(req.body, may_be_empty); !st.is_ok()) return done(st);
  if (req.mentions.size() > 1000) return done(invalid_argument("mentions: at most 1000 users"));
  if (Status st = ctx_.take_message(actor.user.id); !st.is_ok()) return done(st);
  // policy::can_post (a member, same municipality; an announcement room's rule) is checked
  // by the store inside the transaction that inserts: no read here, and no window between
  // the check and the write.
  store::NewMessage m{req.room,          actor.user.id,          actor.user.name,
                      std::move(req.client_id), std::move(req.body), req.reply_to,
                      std::move(req.mentions), req.mention_all,    ctx_.clock.now_ms(),
                      actor.user.tenant, std::move(req.files),  actor.user.role == Role::admin,
                      std::move(req.stamp), std::move(req.action)};
  m.ack_required = req.ack_required;
  ctx_.store.post_message(std::move(m), [this, done = std::move(done)](Result<store::RoomChange> r) {
    if (r.ok() && r->created) {
      publish_change(ctx_, *r);
      // Posting reads everything before it: the counts of earlier messages may change.
      receipts_.note(r->room.id, r->room.tenant, r->sender_read_before, r->message->seq - 1);
    }
    done(std::move(r));
  });
}

void Messages::edit(const Actor& actor, RoomId room, Seq seq, std::string body,
                    store::Callback<store::RoomChange> done) {
  if (Status st = check_member(actor, room); !st.is_ok()) return done(st);
  if (Status st = check_body(body); !st.is_ok()) return done(st);
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return done(msg.status());
  if (Status st = policy::can_edit_message(actor.user, *msg); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "edit"); !st.is_ok()) return done(st);
  ctx_.store.edit_message(room, seq, actor.user.id, std::move(body), ctx_.clock.now_ms(),
                          [this, done = std::move(done)](Result<store::RoomChange> r) {
                            if (r.ok()) publish_change(ctx_, *r);
                            done(std::move(r));
                          });
}

void Messages::remove(const Actor& actor, RoomId room, Seq seq,
                      store::Callback<store::RoomChange> done) {
  if (Status st = check_member(actor, room); !st.is_ok()) return done(st);
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return done(msg.status());
  if (Status st = policy::can_delete_message(actor.user, *msg); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "delete"); !st.is_ok()) return done(st);
  ctx_.store.delete_message(room, seq, actor.user.id, ctx_.clock.now_ms(),
                            [this, done = std::move(done)](Result<store::RoomChange> r) {
                              if (r.ok() && r->created) publish_change(ctx_, *r);
                              done(std::move(r));
                            });
}

void Messages::mark_read(const Actor& actor, RoomId room, Seq seq,
                         store::Callback<store::ReadChange> done, std::uint64_t origin) {
  // policy::can_read_room is applied by the store, in the write (a separate lookup here cost
  // the I/O thread about 18,600 instructions per read: in the all-staff room, thousands of
  // them per announcement, in the middle of its fanout).
  if (seq < 0) return done(invalid_argument("seq must be >= 0"));
  const UserId user = actor.user.id;
  const TenantId tenant = actor.user.tenant;  // the room's: the store refuses any other
  ctx_.store.mark_read(room, user, seq, tenant,
                       [this, room, user, tenant, origin, done = std::move(done)](Result<store::ReadChange> r) {
    if (r.ok() && r->new_seq > r->old_seq) {
      receipts_.note(room, tenant, r->old_seq, r->new_seq);
      auto frame = std::make_shared<const std::string>(
          R"({"type":"read.self","room":)" + std::to_string(room) + R"(,"read_seq":)" +
          std::to_string(r->new_seq) + "}");
      ctx_.bus.publish(bus::Event{room, 0, tenant, std::move(frame), {}, {}, {user}, origin});
    }
    done(std::move(r));
  });
}

Result<Readers> Messages::readers(const Actor& actor, RoomId room, Seq seq, ReaderList which,
                                  const store::MemberKey& after, int limit) {
  TONARI_RETURN_IF_ERROR(check_member(actor, room));
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return msg.status();
  limit = std::clamp(limit, 1, 500);
  Readers out;
  auto counts = ctx_.store.reader_counts(room, seq, msg->sender);
  if (!counts.ok()) return counts.status();
  out.read_count = counts->first;
  out.unread_count = counts->second;
  for (auto kind : {store::MemberFilter::read, store::MemberFilter::unread}) {
    const bool is_read = kind == store::MemberFilter::read;
    if (which != ReaderList::both && (which == ReaderList::read) != is_read) continue;
    auto page = ctx_.store.members_page(room, after, limit, {kind, seq, msg->sender});
    if (!page.ok()) return page.status();
    (is_read ? out.read : out.unread) = std::move(*page);
  }
  return out;
}

}  // namespace tonari::services
