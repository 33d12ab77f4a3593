// What every service is built from: the store, the bus, the clock, a place to run blocking
// CPU work (password hashing) and the limits from configuration, with the per-user limits
// that enforce some of them.
#pragma once

#include <functional>
#include <string>

#include "bus/bus.h"
#include "core/clock.h"
#include "services/login_throttle.h"
#include "services/user_limits.h"
#include "store/store.h"

namespace tonari::services {

// Logins: the throttle, the known-device tokens and the verification queue.
struct LoginLimits {
  ThrottlePolicy throttle;
  // Password checks run on `verifiers` threads (the node's blocking pool); up to `queue`
  // more wait their turn, while the expected wait is at most `queue_wait_ms` (beyond:
  // unavailable, with a retry time).
  int verifiers = 2;
  std::size_t queue = 512;
  TimeMs queue_wait_ms = 5000;
  TimeMs device_ttl_ms = 90LL * 24 * 3600 * 1000;
  // The known-device tokens' secret (app/node.cc keeps it in the data directory); empty:
  // a random one for this process.
  std::string device_key;
  // The key of the throttle's hashed entries, the same on every node of a cluster (app/
  // node.cc keeps it in the store), so that a failure counted on one counts on all; empty:
  // a random one for this process.
  std::string throttle_key;
};

struct Limits {
  std::size_t max_message_chars = 10000;
  std::size_t max_name_chars = 100;
  std::size_t max_description_chars = 1000;  // a room's 説明
  std::size_t max_status_chars = 100;
  TimeMs session_ttl_ms = 30LL * 24 * 3600 * 1000;
  LoginLimits login;
  TimeMs read_flush_period_ms = 1000;
  // An action stamp's tally goes out at most once per this period (ActionTallies).
  TimeMs tally_flush_period_ms = 1000;
  std::int64_t max_room_members = 20000;
  // add_members and create_group write at most this many members per writer job (each its
  // own transaction and member.joined event).
  std::size_t members_per_batch = 1000;
  unsigned long long pwhash_opslimit = 2;          // argon2id t
  std::size_t pwhash_memlimit = 19 * 1024 * 1024;  // argon2id m (OWASP minimum: 19 MiB)
};

struct Context {
  store::Store& store;
  bus::Bus& bus;
  const Clock& clock;
  // Runs `work` off the I/O threads (e.g. on a thread pool).
  std::function<void(std::function<void()>)> run_blocking;
  Limits limits;
  // Per-user rates and connection counts; null: none (the CLI, tests).
  UserLimits* user_limits = nullptr;

  // ok, or rate_limited with a retry hint: a token of `user`'s message (or other-write)
  // bucket is taken (UserLimits).
  Status take_message(UserId user) const {
    return user_limits ? user_limits->take_message(user, clock.now_ms()) : Status::ok();
  }
  Status take_write(UserId user, const char* what) const {
    return user_limits ? user_limits->take_write(user, clock.now_ms(), what) : Status::ok();
  }
  Status take_search(UserId user) const {
    return user_limits ? user_limits->take_search(user, clock.now_ms()) : Status::ok();
  }
};

// The authenticated caller of a request.
struct Actor {
  User user;
  Tenant tenant;
  std::string token_hash;
  std::string csrf;
};

}  // namespace tonari::services
