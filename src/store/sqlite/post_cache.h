// What posting last read of a room and of its senders' membership, kept on the writer
// thread between jobs, so that a post need not read them again: that read was about a sixth
// of the writer's work per message. It is only valid while no other job has written, so
// the writer drops it before any job but a post, after a rollback, and when another
// connection has committed (WriterOptions::drop_cache).
// Thread safety: none; the writer thread's alone.
#pragma once

#include <cstddef>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/types.h"

namespace tonari::store::sqlite {

class PostCache {
 public:
  struct Hit {
    Room room;
    UserId last_sender;  // who posted the room's last message (rooms.last_sender)
    Seq read_seq;        // the sender's read position
  };
  // The room and `sender`'s read position in it, if both are known (`sender` a member).
  std::optional<Hit> find(RoomId room, UserId sender) const;
  // Remembers `room` as it now stands (its last message posted by `last_sender`), and that
  // `sender` is a member who has read up to `read_seq`.
  void remember(const Room& room, UserId last_sender, UserId sender, Seq read_seq);
  void clear() { rooms_.clear(); }

  // Bounds: past these the cache (or a room's senders) starts over.
  static constexpr std::size_t kMaxRooms = 4096;
  static constexpr std::size_t kMaxSendersPerRoom = 64;

 private:
  struct Entry {
    Room room;
    UserId last_sender;
    std::vector<std::pair<UserId, Seq>> senders;  // a few: a room's recent senders
  };
  std::unordered_map<RoomId, Entry> rooms_;
};

}  // namespace tonari::store::sqlite
