// Read receipts without O(members²) traffic: read-position changes are noted per room and
// flushed at most once per period per room, as one `reads` event to each sender of the
// room's most recent affected messages, carrying the new counts of their own messages
// (the 既読 a sender waits for, as LINE shows it: an all-staff announcement's reads go
// back to the announcer, not to every member twice a second). Other members see counts
// in history and reader lists, computed on demand (Messages).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <mutex>
#include <unordered_map>

#include "services/context.h"

namespace tonari::services {

class ReadReceipts {
 public:
  explicit ReadReceipts(Context& ctx) : ctx_(ctx) {}

  // A member's read position in `room` (of municipality `tenant`) moved from `old_seq` to
  // `new_seq`.
  void note(RoomId room, TenantId tenant, Seq old_seq, Seq new_seq);
  // Publishes `reads` for every noted room whose last flush is at least one period ago: to
  // each sender of an affected message who is still a member, the counts of theirs.
  // Called by a timer (the app runs it every 10 ms while active(), every 100 ms otherwise).
  // Returns the number of rooms flushed.
  std::size_t flush_due();
  // Whether changes are pending or were noted within the last period: while read receipts
  // flow, rooms fall due one by one, and flushing each soon after it does spreads the
  // flushes out (see the app's ticker).
  bool active();

  static constexpr int kMaxCountsPerEvent = 100;

 private:
  struct Pending {
    Seq lo = 0;  // counts of messages with seq in (lo, hi] changed
    Seq hi = 0;
    TenantId tenant = 0;  // the room's: where the `reads` events go
  };
  Context& ctx_;
  std::mutex mu_;
  std::unordered_map<RoomId, Pending> pending_;     // guarded by mu_
  std::unordered_map<RoomId, TimeMs> last_flush_;   // guarded by mu_
  TimeMs last_noted_ = 0;                           // guarded by mu_
};

}  // namespace tonari::services
