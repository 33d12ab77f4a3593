// Reactions on messages: a stamp ("s:" and an id of core/stamps.h) or one emoji, put or
// taken away by any member (announcement rooms too: reacting is how members acknowledge),
// and who put one, in 五十音 order. Each change is a stored room event (reaction.updated).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "services/context.h"

namespace tonari::services {

// ok if `key` names a reaction: "s:" and a stamp id, or one emoji (an RGI emoji sequence
// — flags, keycaps, skin tones, ZWJ sequences — or a single non-ASCII emoji character), at
// most 32 bytes. invalid_argument "unknown stamp" / "not an emoji" otherwise.
Status check_reaction_key(std::string_view key);

class Reactions {
 public:
  explicit Reactions(Context& ctx) : ctx_(ctx) {}

  // Puts (`on`) or takes away the actor's reaction `key` on message `seq`. RoomChange.count:
  // the key's count after it (created=false: it already was so). Refusals: not_found (a
  // room the actor is not in, an unknown or deleted message), invalid_argument (the key, a
  // system message), conflict (a new key beyond store::kMaxReactionKeysPerMessage),
  // rate_limited (the per-user write rate).
  void react(const Actor& actor, RoomId room, Seq seq, std::string key, bool on,
             store::Callback<store::RoomChange> done);
  // Who put `key` on message `seq`, in 五十音 order, after `after`, at most `limit`
  // (clamped to 1..kMaxPage).
  Result<store::UserPage> users(const Actor& actor, RoomId room, Seq seq, const std::string& key,
                                const store::MemberKey& after, int limit);

 private:
  Context& ctx_;
};

}  // namespace tonari::services
