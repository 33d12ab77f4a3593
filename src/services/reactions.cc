#include "services/reactions.h"

#include <algorithm>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/stamps.h"
#include "core/text_limits.h"
#include "services/access.h"
#include "services/events.h"
#include "services/policies.h"
#include "services/rooms.h"

namespace tonari::services {
namespace {

constexpr std::size_t kMaxEmojiBytes = 32;

bool is_one_emoji(std::string_view s) {
  if (s.empty() || s.size() > kMaxEmojiBytes || !text::valid_utf8(s)) return false;
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), s.size()));
  // RGI_Emoji: every emoji a keyboard offers, one sequence each (ICU 70+).
  if (u_stringHasBinaryProperty(u.getBuffer(), u.length(), UCHAR_RGI_EMOJI)) return true;
  // One emoji character without its presentation selector (an unqualified ❤ or ☺), or with
  // it; never an ASCII one (digits, '#', '*' have the Emoji property too).
  const UChar32 c = u.char32At(0);
  const int32_t rest = u.moveIndex32(0, 1);
  const bool alone = rest == u.length() || (rest + 1 == u.length() && (u[rest] == 0xFE0F));
  return alone && c > 0x7f && u_hasBinaryProperty(c, UCHAR_EMOJI);
}

}  // namespace

Status check_reaction_key(std::string_view key) {
  if (key.starts_with("s:")) {
    if (!find_stamp(key.substr(2))) return invalid_argument("unknown stamp");
    return Status::ok();
  }
  if (!is_one_emoji(key)) return invalid_argument("not an emoji");
  return Status::ok();
}

void Reactions::react(const Actor& actor, RoomId room, Seq seq, std::string key, bool on,
                      store::Callback<store::RoomChange> done) {
  if (Status st = check_reaction_key(key); !st.is_ok()) return done(st);
  auto access = member_room(ctx_, actor, room);
  if (!access.ok()) return done(access.status());
  if (Status st = policy::can_react(actor.user, access->first, access->second); !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "reaction"); !st.is_ok()) return done(st);
  // Membership, the message and the key limit are checked again by the store, in the write.
  store::NewReaction r{room, seq, actor.user.id, actor.user.tenant, std::move(key), on,
                       ctx_.clock.now_ms()};
  ctx_.store.react(std::move(r), [this, done = std::move(done)](Result<store::RoomChange> c) {
    if (c.ok() && c->created) publish_change(ctx_, *c);
    done(std::move(c));
  });
}

Result<store::UserPage> Reactions::users(const Actor& actor, RoomId room, Seq seq,
                                         const std::string& key, const store::MemberKey& after,
                                         int limit) {
  TONARI_RETURN_IF_ERROR(check_reaction_key(key));
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return msg.status();
  if (msg->deleted) return not_found("message " + std::to_string(seq) + " not found");
  return ctx_.store.reactors_page(room, seq, key, after, std::clamp(limit, 1, kMaxPage));
}

}  // namespace tonari::services
