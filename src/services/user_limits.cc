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
  Bucket& b = refilled(shard, user, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    if (recording_) ++shard.taken[user];
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

TokenBuckets::Bucket& TokenBuckets::refilled(Shard& shard, UserId user, TimeMs now) {
  auto [it, fresh] = shard.buckets.try_emplace(user, Bucket{burst_, now, -1});
  Bucket& b = it->second;
  if (!fresh && now > b.at) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.at) * per_ms_);
    b.at = now;
  }
  return b;
}

void TokenBuckets::charge(UserId user, std::uint32_t n, TimeMs now) {
  if (burst_ == 0 || n == 0) return;
  Shard& shard = shards_[static_cast<std::uint64_t>(user) % kShards];
  std::lock_guard lock(shard.mu);
  Bucket& b = refilled(shard, user, now);
  b.tokens = std::max(-burst_, b.tokens - static_cast<double>(n));
}

std::vector<std::pair<UserId, std::uint32_t>> TokenBuckets::drain() {
  std::vector<std::pair<UserId, std::uint32_t>> out;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    out.insert(out.end(), s.taken.begin(), s.taken.end());
    s.taken.clear();
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

Status UserLimits::take_search(UserId user, TimeMs now) {
  auto t = searches_.take(user, now);
  if (t.retry_after_ms == 0) return Status::ok();
  if (t.log) {
    log::warn("limits.rate_limited",
              {{"user", user}, {"what", "search"}, {"retry_after_ms", t.retry_after_ms}});
  }
  return rate_limited("too many searches; try again in " + std::to_string(t.retry_after_ms) + " ms",
                      t.retry_after_ms);
}

// A notice: records of 13 bytes, (kind: 'm' messages, 'w' other writes or 's' searches,
// user id as 8 bytes little-endian, count as 4). A node that does not know a kind skips
// its records.
std::string UserLimits::take_notice() {
  std::string out;
  auto put = [&](char kind, const std::vector<std::pair<UserId, std::uint32_t>>& taken) {
    for (auto [user, n] : taken) {
      out += kind;
      for (int i = 0; i < 8; ++i) out += static_cast<char>(static_cast<std::uint64_t>(user) >> (8 * i));
      for (int i = 0; i < 4; ++i) out += static_cast<char>(n >> (8 * i));
    }
  };
  put('m', messages_.drain());
  put('w', writes_.drain());
  put('s', searches_.drain());
  return out;
}

void UserLimits::apply_notice(std::string_view notice, TimeMs now) {
  constexpr std::size_t kRecord = 13;
  if (notice.size() % kRecord != 0) return;
  for (std::size_t at = 0; at < notice.size(); at += kRecord) {
    const auto* p = reinterpret_cast<const unsigned char*>(notice.data() + at);
    std::uint64_t user = 0;
    std::uint32_t n = 0;
    for (int i = 0; i < 8; ++i) user |= std::uint64_t{p[1 + i]} << (8 * i);
    for (int i = 0; i < 4; ++i) n |= std::uint32_t{p[9 + i]} << (8 * i);
    if (p[0] == 'm') {
      messages_.charge(static_cast<UserId>(user), n, now);
    } else if (p[0] == 'w') {
      writes_.charge(static_cast<UserId>(user), n, now);
    } else if (p[0] == 's') {
      searches_.charge(static_cast<UserId>(user), n, now);
    }
  }
}

}  // namespace tonari::services
