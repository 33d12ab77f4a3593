// Per-user abuse limits: token buckets on writes (one for posting messages, one for the
// other writes: edits, deletions, rooms and members), one on full-text searches (each a
// scan of the index, dearer than other reads) and the count of each user's open
// WebSockets on this node. One user flooding is refused with rate_limited and a retry
// hint; everyone else goes on as before. In a cluster the buckets are the cluster's: each
// node sends the tokens its users took, every 100 ms, as a bus notice (take_notice), and
// the others charge them to their own buckets (apply_notice), so that a user spreading
// requests over the nodes gets no more than on one.
// Thread safety: all methods may be called from any thread. A take() locks one of 64
// shards (by user id) for one hash-map lookup: the posting hot path pays no more.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

// A token bucket per user: `burst` tokens at most, refilled at `per_second`. Buckets of
// users who have been quiet long enough to be full again are swept (at most once a minute
// per shard), so memory follows the users active in the last minute.
class TokenBuckets {
 public:
  // per_second <= 0 or burst < 1: no limit (take() always succeeds).
  TokenBuckets(double burst, double per_second);

  struct Taken {
    TimeMs retry_after_ms = 0;  // 0: a token was taken; else the wait for the next one
    bool log = false;           // a refusal to log: the first for this user in 10 s
  };
  // Takes a token from `user`'s bucket at time `now`, or says how long until there is one
  // (nothing is taken then).
  Taken take(UserId user, TimeMs now);
  // Takes `n` tokens that `user` took on another node; the bucket may go below zero (to
  // -burst at most): this node then refuses until it has refilled.
  void charge(UserId user, std::uint32_t n, TimeMs now);
  // With recording on, take() counts what each user took; drain() hands the counts over and
  // starts again.
  void record_takes() { recording_ = true; }
  std::vector<std::pair<UserId, std::uint32_t>> drain();
  // Buckets held now (for tests).
  std::size_t size();

 private:
  struct Bucket {
    double tokens = 0;
    TimeMs at = 0;         // when `tokens` was counted
    TimeMs logged_at = -1;  // the last refusal logged
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::unordered_map<UserId, Bucket> buckets;  // guarded by mu
    TimeMs swept_at = 0;                         // guarded by mu
    std::unordered_map<UserId, std::uint32_t> taken;  // since the last drain; guarded by mu
  };
  // The bucket of `user` refilled up to `now`. Requires shard.mu.
  Bucket& refilled(Shard& shard, UserId user, TimeMs now);
  static constexpr std::size_t kShards = 64;

  const double burst_;
  const double per_ms_;
  bool recording_ = false;  // set before use
  std::array<Shard, kShards> shards_;
};

// How many WebSockets each user has open on this node, against a cap.
class ConnectionSlots {
 public:
  explicit ConnectionSlots(int per_user) : per_user_(per_user) {}
  // Takes a slot for `user`: false if they already hold `per_user` (nothing taken); then
  // `*log` says whether to log it (the first refusal of this user in 10 s).
  bool acquire(UserId user, TimeMs now, bool* log);
  // Gives back a slot taken by acquire().
  void release(UserId user);
  int per_user() const { return per_user_; }

 private:
  const int per_user_;
  std::mutex mu_;
  std::unordered_map<UserId, int> open_;        // guarded by mu_
  std::unordered_map<UserId, TimeMs> logged_;   // guarded by mu_: last refusal logged
};

struct UserLimitsConfig {
  double message_burst = 30;
  double messages_per_second = 5;
  double write_burst = 20;
  double writes_per_second = 2;
  int ws_per_user = 10;
  double search_burst = 20;
  double searches_per_second = 2;
};

// The limits of one node, shared by the services (posting, other writes) and the API
// (WebSocket upgrades).
class UserLimits {
 public:
  explicit UserLimits(const UserLimitsConfig& c)
      : messages_(c.message_burst, c.messages_per_second),
        writes_(c.write_burst, c.writes_per_second),
        searches_(c.search_burst, c.searches_per_second), ws_(c.ws_per_user) {}

  // ok, or rate_limited with the wait before `user` may post again (logged as
  // limits.rate_limited, at most once per user per 10 s).
  Status take_message(UserId user, TimeMs now);
  // The same for the other writes (`what` names the kind in the log line).
  Status take_write(UserId user, TimeMs now, const char* what);
  // The same for full-text searches (each page of results is one).
  Status take_search(UserId user, TimeMs now);
  ConnectionSlots& ws_slots() { return ws_; }

  // A cluster: from now on the tokens taken here are recorded for take_notice().
  void share() {
    messages_.record_takes();
    writes_.record_takes();
    searches_.record_takes();
  }
  // The tokens taken here since the last call, as a notice for the other nodes (empty if
  // none were).
  std::string take_notice();
  // Charges what another node's notice says its users took. A malformed notice is ignored.
  void apply_notice(std::string_view notice, TimeMs now);

 private:
  TokenBuckets messages_;
  TokenBuckets writes_;
  TokenBuckets searches_;
  ConnectionSlots ws_;
};

}  // namespace tonari::services
