#include "services/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace tonari::services {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr TimeMs kWindow = 5 * 60 * 1000;

TEST(RateLimiter, UnknownKeyMayTryNow) {
  RateLimiter rl(3, kWindow);
  EXPECT_EQ(rl.retry_after("tanaka", kT0), 0);
}

TEST(RateLimiter, RefusesAfterLimitFailuresUntilTheWindowEnds) {
  RateLimiter rl(3, kWindow);
  rl.record_failure("tanaka", kT0);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 1), 0);
  rl.record_failure("tanaka", kT0 + 10);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 11), 0);
  rl.record_failure("tanaka", kT0 + 20);
  // The window started at the first failure.
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 20), kWindow - 20);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 1000), kWindow - 1000);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + kWindow - 1), 1);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + kWindow), 0);
}

TEST(RateLimiter, FailuresInAnExpiredWindowDoNotCount) {
  RateLimiter rl(3, kWindow);
  rl.record_failure("tanaka", kT0);
  rl.record_failure("tanaka", kT0 + 1);
  // A new window starts with this failure: 1 failure, not 3.
  rl.record_failure("tanaka", kT0 + kWindow);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + kWindow), 0);
  rl.record_failure("tanaka", kT0 + kWindow + 5);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + kWindow + 5), 0);
  rl.record_failure("tanaka", kT0 + kWindow + 6);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + kWindow + 6), kWindow - 6);
}

TEST(RateLimiter, FurtherFailuresDoNotExtendTheWindow) {
  RateLimiter rl(2, kWindow);
  rl.record_failure("k", kT0);
  rl.record_failure("k", kT0 + 100);
  rl.record_failure("k", kT0 + 200);
  rl.record_failure("k", kT0 + 300);
  EXPECT_EQ(rl.retry_after("k", kT0 + 300), kWindow - 300);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter rl(2, kWindow);
  rl.record_failure("login:tanaka", kT0);
  rl.record_failure("login:tanaka", kT0);
  EXPECT_EQ(rl.retry_after("login:tanaka", kT0), kWindow);
  EXPECT_EQ(rl.retry_after("login:sato", kT0), 0);
  EXPECT_EQ(rl.retry_after("addr:192.0.2.1", kT0), 0);
  rl.record_failure("login:sato", kT0);
  EXPECT_EQ(rl.retry_after("login:sato", kT0), 0);
}

TEST(RateLimiter, ResetForgetsTheFailures) {
  RateLimiter rl(2, kWindow);
  rl.record_failure("tanaka", kT0);
  rl.record_failure("tanaka", kT0);
  ASSERT_EQ(rl.retry_after("tanaka", kT0 + 1), kWindow - 1);
  rl.reset("tanaka");
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 1), 0);
  rl.record_failure("tanaka", kT0 + 2);
  EXPECT_EQ(rl.retry_after("tanaka", kT0 + 2), 0);  // counting starts again from 1
  rl.reset("never-seen");                           // harmless
}

TEST(RateLimiter, LimitOfOneRefusesAfterTheFirstFailure) {
  RateLimiter rl(1, 1000);
  EXPECT_EQ(rl.retry_after("x", kT0), 0);
  rl.record_failure("x", kT0);
  EXPECT_EQ(rl.retry_after("x", kT0 + 400), 600);
}

TEST(RateLimiter, ManyKeysAreSweptWithoutLosingLiveWindows) {
  RateLimiter rl(1, 1000);
  for (int i = 0; i <= 100000; ++i) rl.record_failure("old-" + std::to_string(i), kT0);
  rl.record_failure("live", kT0 + 1500);
  // Triggers the sweep (more than 100000 windows): expired windows go, live ones stay.
  rl.record_failure("another", kT0 + 1600);
  EXPECT_EQ(rl.retry_after("live", kT0 + 1600), 900);
  EXPECT_EQ(rl.retry_after("another", kT0 + 1600), 1000);
  EXPECT_EQ(rl.retry_after("old-7", kT0 + 1600), 0);
}

}  // namespace
}  // namespace tonari::services

namespace tonari::services {
namespace {

TEST(RateLimiterAcquireTest, ParallelAttemptsAreCountedWhenAdmitted) {
  RateLimiter rl(3, 60000);
  const TimeMs t = 1'700'000'000'000;
  // Three attempts in flight at once use up the window before any of them fails.
  EXPECT_EQ(rl.acquire("k", t), 0);
  EXPECT_EQ(rl.acquire("k", t), 0);
  EXPECT_EQ(rl.acquire("k", t), 0);
  EXPECT_EQ(rl.acquire("k", t + 1000), 59000);
  // One of them succeeded: release gives its place back.
  rl.release("k");
  EXPECT_EQ(rl.acquire("k", t + 1000), 0);
  EXPECT_GT(rl.acquire("k", t + 1000), 0);
  // A new window admits again.
  EXPECT_EQ(rl.acquire("k", t + 60000), 0);
}

TEST(RateLimiterAcquireTest, ResetClearsTheKey) {
  RateLimiter rl(1, 60000);
  const TimeMs t = 1'700'000'000'000;
  EXPECT_EQ(rl.acquire("k", t), 0);
  EXPECT_GT(rl.acquire("k", t), 0);
  rl.reset("k");
  EXPECT_EQ(rl.acquire("k", t), 0);
}

}  // namespace
}  // namespace tonari::services
