#include "services/user_limits.h"

#include <algorithm>
#include <cmath>

#include "log/log.h"

namespace tonari::services {
namespace {

constexpr TimeMs kLogEveryMs = 10'000;
constexpr TimeMs kSweepEveryMs = 60'000;

}  // namespace

TokenBuckets::TokenBuckets(double burst, double per_second)
    : burst_(burst >= 1 && per_second > 0 ? burst : 0), per_ms_(per_second / 1000.0) {}

TokenBuckets::Taken TokenBuckets::take(UserId user, TimeMs now) {
  if (burst_ == 0) return {};
  Shard& shard = shards_[static_cast<std::uint64_t>(user) % kShards];
  std::lock_guard lock(shard.mu);
  if (now - shard.swept_at >= kSweepEveryMs) {
    shard.swept_at = now;
    // A bucket full again is the same as none.
    std::erase_if(shard.buckets, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(now - kv.second.at) * per_ms_ >= burst_;
    });
  }
  auto [it, fresh] = shard.buckets.try_emplace(user, Bucket{burst_, now, -1});
  Bucket& b = it->second;
  if (!fresh && now > b.at) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.at) * per_ms_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return {};
  }
  Taken out;
  out.retry_after_ms = std::max<TimeMs>(1, static_cast<TimeMs>(std::ceil((1 - b.tokens) / per_ms_)));
  if (b.logged_at < 0 || now - b.logged_at >= kLogEveryMs) {
    b.logged_at = now;
    out.log = true;
  }
  return out;
}

std::size_t TokenBuckets::size() {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

bool ConnectionSlots::acquire(UserId user, TimeMs now, bool* log) {
  std::lock_guard lock(mu_);
  int& n = open_[user];
  if (per_user_ <= 0 || n < per_user_) {
    ++n;
    return true;
  }
  if (logged_.size() > 10000) {
    std::erase_if(logged_, [&](const auto& kv) { return now - kv.second >= kLogEveryMs; });
  }
  auto [it, fresh] = logged_.try_emplace(user, now);
  *log = fresh || now - it->second >= kLogEveryMs;
  if (*log) it->second = now;
  return false;
}

void ConnectionSlots::release(UserId user) {
  std::lock_guard lock(mu_);
  auto it = open_.find(user);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

Status UserLimits::take_message(UserId user, TimeMs now) {
  auto t = messages_.take(user, now);
  if (t.retry_after_ms == 0) return Status::ok();
  if (t.log) {
    log::warn("limits.rate_limited",
              {{"user", user}, {"what", "message"}, {"retry_after_ms", t.retry_after_ms}});
  }
  return rate_limited("too many messages; try again in " + std::to_string(t.retry_after_ms) + " ms",
                      t.retry_after_ms);
}

Status UserLimits::take_write(UserId user, TimeMs now, const char* what) {
  auto t = writes_.take(user, now);
  if (t.retry_after_ms == 0) return Status::ok();
  if (t.log) {
    log::warn("limits.rate_limited",
              {{"user", user}, {"what", what}, {"retry_after_ms", t.retry_after_ms}});
  }
  return rate_limited("too many changes; try again in " + std::to_string(t.retry_after_ms) + " ms",
                      t.retry_after_ms);
}

}  // namespace tonari::services
