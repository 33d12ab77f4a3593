#include "store/sqlite/post_cache.h"

#include <algorithm>

namespace tonari::store::sqlite {

std::optional<PostCache::Hit> PostCache::find(RoomId room, UserId sender) const {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return std::nullopt;
  for (const auto& [user, read_seq] : it->second.senders) {
    if (user == sender) return Hit{it->second.room, it->second.last_sender, read_seq};
  }
  return std::nullopt;
}

void PostCache::remember(const Room& room, UserId last_sender, UserId sender, Seq read_seq) {
  auto it = rooms_.find(room.id);
  if (it == rooms_.end()) {
    if (rooms_.size() >= kMaxRooms) rooms_.clear();
    it = rooms_.emplace(room.id, Entry{room, last_sender, {}}).first;
  } else {
    it->second.room = room;
    it->second.last_sender = last_sender;
  }
  auto& senders = it->second.senders;
  auto s = std::find_if(senders.begin(), senders.end(), [&](const auto& p) { return p.first == sender; });
  if (s != senders.end()) {
    s->second = read_seq;
    return;
  }
  if (senders.size() >= kMaxSendersPerRoom) senders.clear();
  senders.emplace_back(sender, read_seq);
}

}  // namespace tonari::store::sqlite
