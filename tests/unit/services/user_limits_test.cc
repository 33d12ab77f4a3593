// Token buckets (burst, then the sustained rate, per user), their sweep, and the per-user
// connection slots.
#include "services/user_limits.h"

#include <gtest/gtest.h>

namespace tonari::services {
namespace {

TEST(TokenBuckets, BurstThenSustainedRate) {
  TokenBuckets b(3, 2);  // 3 at once, then one per 500 ms
  const TimeMs t0 = 1'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take(7, t0).retry_after_ms, 0) << i;
  auto refused = b.take(7, t0);
  EXPECT_EQ(refused.retry_after_ms, 500);
  EXPECT_TRUE(refused.log);
  EXPECT_FALSE(b.take(7, t0 + 100).log);  // logged once per user per 10 s
  EXPECT_EQ(b.take(7, t0 + 100).retry_after_ms, 400);
  EXPECT_EQ(b.take(7, t0 + 500).retry_after_ms, 0);  // refilled one
  EXPECT_EQ(b.take(7, t0 + 500).retry_after_ms, 500);
  // Another user has a bucket of their own.
  EXPECT_EQ(b.take(8, t0 + 500).retry_after_ms, 0);
  EXPECT_TRUE(b.take(7, t0 + 20'000).retry_after_ms == 0);  // full again after a pause
}

TEST(TokenBuckets, RefusalsTakeNothing) {
  TokenBuckets b(1, 1);
  const TimeMs t0 = 5'000'000;
  EXPECT_EQ(b.take(1, t0).retry_after_ms, 0);
  for (int i = 0; i < 100; ++i) EXPECT_GT(b.take(1, t0 + i).retry_after_ms, 0);
  EXPECT_EQ(b.take(1, t0 + 1000).retry_after_ms, 0);  // the refusals did not dig a hole
}

TEST(TokenBuckets, QuietUsersAreSweptAway) {
  TokenBuckets b(2, 1);
  const TimeMs t0 = 9'000'000;
  for (UserId u = 1; u <= 1000; ++u) EXPECT_EQ(b.take(u, t0).retry_after_ms, 0);
  EXPECT_EQ(b.size(), 1000u);
  // A minute later every bucket is full again; the next take in each shard sweeps it.
  for (UserId u = 1; u <= 64; ++u) b.take(u, t0 + 61'000);
  EXPECT_EQ(b.size(), 64u);
}

TEST(TokenBuckets, ZeroRateMeansNoLimit) {
  TokenBuckets b(30, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(b.take(1, 0).retry_after_ms, 0);
  EXPECT_EQ(b.size(), 0u);
}

TEST(UserLimits, RefusalCarriesTheRetryHint) {
  UserLimits limits(UserLimitsConfig{1, 1, 1, 1, 10});
  EXPECT_TRUE(limits.take_message(1, 0).is_ok());
  Status st = limits.take_message(1, 0);
  EXPECT_EQ(st.code(), Code::rate_limited);
  EXPECT_EQ(st.retry_after_ms(), 1000);
  // Other writes have their own bucket.
  EXPECT_TRUE(limits.take_write(1, 0, "edit").is_ok());
  EXPECT_EQ(limits.take_write(1, 0, "edit").code(), Code::rate_limited);
}

TEST(UserLimits, AClusterSharesTheBucketsThroughNotices) {
  // Two nodes: what a user took on one is charged on the other.
  UserLimits a(UserLimitsConfig{3, 1, 2, 1, 10}), b(UserLimitsConfig{3, 1, 2, 1, 10});
  a.share();
  b.share();
  const TimeMs t0 = 1'000'000;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.take_message(7, t0).is_ok()) << i;
  ASSERT_TRUE(a.take_write(7, t0, "edit").is_ok());
  ASSERT_TRUE(a.take_message(8, t0).is_ok());  // another user
  const std::string notice = a.take_notice();
  EXPECT_EQ(notice.size(), 3u * 13u);  // (7, messages), (8, messages), (7, writes)
  EXPECT_TRUE(a.take_notice().empty());  // drained
  b.apply_notice(notice, t0);
  Status st = b.take_message(7, t0);
  EXPECT_EQ(st.code(), Code::rate_limited) << "the burst was spent on the other node";
  EXPECT_EQ(st.retry_after_ms(), 1000);
  EXPECT_TRUE(b.take_write(7, t0, "edit").is_ok());  // one of two write tokens left
  EXPECT_EQ(b.take_write(7, t0, "edit").code(), Code::rate_limited);
  EXPECT_TRUE(b.take_message(8, t0).is_ok());
  // Refusals are not sent: b's notice holds only what b granted.
  EXPECT_EQ(b.take_notice().size(), 2u * 13u);
  // A flood elsewhere leaves a debt of at most one burst: refilled within burst / rate.
  for (int i = 0; i < 50; ++i) b.apply_notice(notice, t0);
  EXPECT_EQ(b.take_message(7, t0 + 3'999).code(), Code::rate_limited);
  EXPECT_TRUE(b.take_message(7, t0 + 4'000).is_ok());
  // A node that does not share records nothing; a malformed notice changes nothing.
  UserLimits alone(UserLimitsConfig{3, 1, 2, 1, 10});
  ASSERT_TRUE(alone.take_message(9, t0).is_ok());
  EXPECT_TRUE(alone.take_notice().empty());
  alone.apply_notice(notice.substr(0, 20), t0);
  EXPECT_TRUE(alone.take_message(7, t0).is_ok());
}

TEST(UserLimits, SearchesHaveABucketOfTheirOwnSharedInACluster) {
  UserLimits a(UserLimitsConfig{1, 1, 1, 1, 10, 2, 1}), b(UserLimitsConfig{1, 1, 1, 1, 10, 2, 1});
  a.share();
  b.share();
  const TimeMs t0 = 2'000'000;
  ASSERT_TRUE(a.take_search(7, t0).is_ok());
  ASSERT_TRUE(a.take_search(7, t0).is_ok());
  Status st = a.take_search(7, t0);
  EXPECT_EQ(st.code(), Code::rate_limited);
  EXPECT_EQ(st.retry_after_ms(), 1000);
  EXPECT_TRUE(a.take_message(7, t0).is_ok());  // posting is not searching
  const std::string notice = a.take_notice();
  EXPECT_EQ(notice.size(), 2u * 13u);  // (7, searches), (7, messages)
  b.apply_notice(notice, t0);
  EXPECT_EQ(b.take_search(7, t0).code(), Code::rate_limited) << "spent on the other node";
  EXPECT_TRUE(b.take_search(8, t0).is_ok());
}

TEST(ConnectionSlots, CapPerUserAndRelease) {
  ConnectionSlots slots(2);
  bool log = false;
  EXPECT_TRUE(slots.acquire(1, 0, &log));
  EXPECT_TRUE(slots.acquire(1, 0, &log));
  EXPECT_FALSE(slots.acquire(1, 0, &log));
  EXPECT_TRUE(log);
  EXPECT_FALSE(slots.acquire(1, 5, &log));
  EXPECT_FALSE(log);  // once per 10 s
  EXPECT_TRUE(slots.acquire(2, 0, &log));  // another user
  slots.release(1);
  EXPECT_TRUE(slots.acquire(1, 0, &log));
}

}  // namespace
}  // namespace tonari::services
