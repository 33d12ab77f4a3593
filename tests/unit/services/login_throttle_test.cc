#include "services/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

#include "services/crypto.h"

namespace tonari::services {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr TimeMs kS = 1000;
constexpr TimeMs kMin = 60 * kS;

class LoginThrottleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(init_crypto()); }

  static LoginAttempt from(std::string_view login, std::string_view address,
                           std::string_view device = {}) {
    return LoginAttempt{"131001", login, address, device};
  }
  // One attempt that is admitted and fails; the test fails if it is refused.
  static void fail(LoginThrottle& t, const LoginAttempt& a, TimeMs now) {
    Admission adm = t.admit(a, now);
    ASSERT_TRUE(adm.admitted) << "refused, retry " << adm.retry_ms << " ms";
    t.failed(adm, now);
  }
};

TEST_F(LoginThrottleTest, DelaysGrowAfterTheFreeFailuresUpToTheCap) {
  ThrottlePolicy p;
  p.pair_free = 5;
  p.pair_forgive_ms = 24 * 60 * kMin;  // nothing forgiven meanwhile
  LoginThrottle t(p);
  const auto a = from("tanaka", "10.0.0.1");
  TimeMs now = kT0;
  for (int i = 0; i < 4; ++i) fail(t, a, now);
  // The fifth failure starts the delays: 1 s, then 2 s, 4 s … from each failure.
  fail(t, a, now);
  Admission r = t.admit(a, now);
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.retry_ms, 1 * kS);
  EXPECT_EQ(r.scope, ThrottleScope::pair);
  TimeMs expected = kS;
  for (int i = 0; i < 12; ++i) {
    now += expected;
    fail(t, a, now);
    expected = std::min<TimeMs>(expected * 2, p.max_delay_ms);
    r = t.admit(a, now);
    ASSERT_FALSE(r.admitted);
    EXPECT_EQ(r.retry_ms, expected) << "after failure " << 6 + i;
    EXPECT_FALSE(t.admit(a, now + expected - 1).admitted);
  }
  EXPECT_EQ(expected, 15 * kMin);  // capped
}

TEST_F(LoginThrottleTest, RefusedAttemptsCountNothing) {
  LoginThrottle t(ThrottlePolicy{});
  const auto a = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 5; ++i) fail(t, a, kT0);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(t.admit(a, kT0 + 500).admitted);
  fail(t, a, kT0 + kS);  // the sixth failure: 2 s, not more
  EXPECT_EQ(t.admit(a, kT0 + kS).retry_ms, 2 * kS);
}

TEST_F(LoginThrottleTest, ParallelAttemptsAreCountedWhenAdmitted) {
  LoginThrottle t(ThrottlePolicy{});
  const auto a = from("tanaka", "10.0.0.1");
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += t.admit(a, kT0).admitted;
  EXPECT_EQ(admitted, 5);
}

TEST_F(LoginThrottleTest, SuccessClearsThePairButAThrottledPairIsRefusedEvenWithTheRightPassword) {
  LoginThrottle t(ThrottlePolicy{});
  const auto a = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 6; ++i) fail(t, a, kT0 + i * 10 * kS);
  const TimeMs last = kT0 + 50 * kS;
  // Refused whatever the password: the throttle decides before any check.
  EXPECT_FALSE(t.admit(a, last + kS).admitted);
  Admission ok = t.admit(a, last + 2 * kS);
  ASSERT_TRUE(ok.admitted);
  t.succeeded(ok);
  for (int i = 0; i < 4; ++i) fail(t, a, last + 3 * kS);
  EXPECT_TRUE(t.admit(a, last + 3 * kS).admitted) << "the count started over";
}

TEST_F(LoginThrottleTest, FailuresAreForgivenOneAtATime) {
  ThrottlePolicy p;
  LoginThrottle t(p);
  const auto a = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 5; ++i) fail(t, a, kT0);
  // One failure forgiven per pair_forgive_ms: after one period, 4 left, no delay.
  const TimeMs later = kT0 + p.pair_forgive_ms;
  fail(t, a, later);  // back to 5: 1 s
  EXPECT_EQ(t.admit(a, later).retry_ms, kS);
  // After five periods of quiet, all forgiven, and the entry is swept.
  t.sweep(later + 5 * p.pair_forgive_ms);
  EXPECT_EQ(t.size(), 0u);
}

TEST_F(LoginThrottleTest, OneAddressHammeringOneLoginDelaysNeitherOtherAddressesNorTheLogin) {
  ThrottlePolicy p;
  p.login_free = 20;
  p.address_free = 20;
  LoginThrottle t(p);
  const auto attacker = from("tanaka", "203.0.113.9");
  TimeMs now = kT0;
  // A day of attack, each attempt as soon as it may (forgiven failures included).
  for (int i = 0; i < 100; ++i) {
    Admission adm = t.admit(attacker, now);
    if (!adm.admitted) {
      now += adm.retry_ms;
      adm = t.admit(attacker, now);
      ASSERT_TRUE(adm.admitted);
    }
    t.failed(adm, now);
  }
  EXPECT_GT(now - kT0, 12 * 60 * kMin);
  EXPECT_FALSE(t.admit(attacker, now).admitted);
  // The real tanaka from another address, and another user from the attacker's address.
  EXPECT_TRUE(t.admit(from("tanaka", "10.0.0.7"), now).admitted);
  EXPECT_TRUE(t.admit(from("sato", "203.0.113.9"), now).admitted);
}

TEST_F(LoginThrottleTest, SprayingFromOneAddressDelaysItsUntrustedAttemptsButNotKnownDevices) {
  ThrottlePolicy p;
  p.address_free = 100;
  LoginThrottle t(p);
  const std::string proxy = "192.0.2.1";
  int refused_by_address = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string login = "guess" + std::to_string(i);
    Admission adm = t.admit(from(login, proxy), kT0);
    if (!adm.admitted) {
      EXPECT_EQ(adm.scope, ThrottleScope::address);
      ++refused_by_address;
      continue;
    }
    t.failed(adm, kT0);
  }
  EXPECT_EQ(refused_by_address, 200);
  // Staff behind the same proxy: without a known device, delayed too (the throttle cannot
  // tell them from the attacker); with one, admitted.
  Admission untrusted = t.admit(from("suzuki", proxy), kT0);
  EXPECT_FALSE(untrusted.admitted);
  EXPECT_EQ(untrusted.scope, ThrottleScope::address);
  Admission device = t.admit(from("suzuki", proxy, "dev-1"), kT0);
  EXPECT_TRUE(device.admitted);
  EXPECT_TRUE(device.trusted);
}

TEST_F(LoginThrottleTest, ManyAddressesAgainstOneLoginDelayItsUntrustedAttempts) {
  ThrottlePolicy p;
  p.pair_free = 5;
  p.login_free = 50;
  LoginThrottle t(p);
  for (int addr = 0; addr < 10; ++addr) {
    for (int i = 0; i < 5; ++i) fail(t, from("tanaka", "198.51.100." + std::to_string(addr)), kT0);
  }
  Admission fresh = t.admit(from("tanaka", "10.0.0.7"), kT0);
  EXPECT_FALSE(fresh.admitted);
  EXPECT_EQ(fresh.scope, ThrottleScope::login);
  EXPECT_TRUE(t.admit(from("tanaka", "10.0.0.7", "dev-1"), kT0).admitted);
  EXPECT_TRUE(t.admit(from("sato", "10.0.0.7"), kT0).admitted);
}

TEST_F(LoginThrottleTest, ADeviceHasItsOwnCount) {
  LoginThrottle t(ThrottlePolicy{});
  const auto dev = from("tanaka", "10.0.0.1", "dev-1");
  for (int i = 0; i < 5; ++i) fail(t, dev, kT0);
  Admission r = t.admit(dev, kT0);
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.scope, ThrottleScope::device);
  EXPECT_TRUE(t.admit(from("tanaka", "10.0.0.1", "dev-2"), kT0).admitted);
  EXPECT_TRUE(t.admit(from("tanaka", "10.0.0.1"), kT0).admitted);
}

TEST_F(LoginThrottleTest, CheckCountsNothing) {
  LoginThrottle t(ThrottlePolicy{});
  const auto a = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(t.check(a, kT0).admitted);
  for (int i = 0; i < 5; ++i) fail(t, a, kT0);
  Admission r = t.check(a, kT0);
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.retry_ms, kS);
}

TEST_F(LoginThrottleTest, TheTableIsBoundedAndEvictsTheLeastRecentlyTouched) {
  ThrottlePolicy p;
  p.max_entries = 100;
  LoginThrottle t(p);
  const auto kept = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 5; ++i) fail(t, kept, kT0);
  for (int i = 0; i < 1000; ++i) {
    Admission adm = t.admit(from("u" + std::to_string(i), "10.0.0." + std::to_string(i % 7)), kT0);
    if (adm.admitted) t.succeeded(adm);
    adm = t.admit(from("v" + std::to_string(i), "10.0.1." + std::to_string(i % 7)), kT0);
    EXPECT_TRUE(adm.admitted);
    if (i % 10 == 0) {
      EXPECT_FALSE(t.admit(kept, kT0).admitted);  // touched: kept
    }
  }
  EXPECT_LE(t.size(), 100u);
  EXPECT_GT(t.evictions(), 0u);
  EXPECT_FALSE(t.admit(kept, kT0).admitted);
}

// The nodes of a cluster: failures counted on one count on the others through the notices
// they send each other, when they share the hash key; guesses spread over two nodes get no
// more than on one.
TEST_F(LoginThrottleTest, NoticesShareCountsBetweenNodesWithTheSameKey) {
  ThrottlePolicy p;
  p.pair_free = 5;
  p.pair_forgive_ms = 24 * 60 * kMin;
  LoginThrottle a(p, "the cluster's key"), b(p, "the cluster's key");
  const auto guess = from("tanaka", "10.0.0.1");
  for (int i = 0; i < 5; ++i) {
    LoginThrottle& node = i % 2 ? b : a;
    LoginThrottle& other = i % 2 ? a : b;
    Admission adm = node.admit(guess, kT0);
    ASSERT_TRUE(adm.admitted) << "attempt " << i;
    node.failed(adm, kT0);
    const std::string notice = LoginThrottle::notice(adm, true);
    EXPECT_EQ(notice.size(), 27u);
    EXPECT_TRUE(other.apply_notice(notice, kT0));
  }
  // Five failures in all, on either node: both delay the sixth.
  EXPECT_FALSE(a.admit(guess, kT0).admitted);
  EXPECT_FALSE(b.admit(guess, kT0).admitted);
  EXPECT_EQ(b.check(guess, kT0).retry_ms, kS);

  // A success on one clears the pair on the other too.
  Admission ok = a.admit(guess, kT0 + kS);
  ASSERT_TRUE(ok.admitted);
  a.succeeded(ok);
  EXPECT_TRUE(b.apply_notice(LoginThrottle::notice(ok, false), kT0 + kS));
  EXPECT_TRUE(b.check(guess, kT0 + kS).admitted);

  // Another key (another cluster, or a node alone) names other entries; garbage is refused.
  LoginThrottle stranger(p, "another key");
  Admission adm = a.admit(from("sato", "10.0.0.2"), kT0);
  for (int i = 0; i < 5; ++i) stranger.apply_notice(LoginThrottle::notice(adm, true), kT0);
  EXPECT_TRUE(stranger.check(from("sato", "10.0.0.2"), kT0).admitted);
  EXPECT_FALSE(b.apply_notice("not a notice", kT0));
  EXPECT_FALSE(b.apply_notice(std::string(27, 'x'), kT0));
}

// A pair's failures also count for its login id and address (while the pair is not itself
// delayed): so do the failures another node reports.
TEST_F(LoginThrottleTest, NoticesCountForTheLoginIdAndAddressToo) {
  ThrottlePolicy p;
  p.login_free = 3;
  p.login_forgive_ms = 24 * 60 * kMin;
  LoginThrottle a(p, "k"), b(p, "k");
  for (int i = 0; i < 3; ++i) {
    // Each from its own address: only the login id's count adds up.
    Admission adm = a.admit(from("tanaka", "10.0.1." + std::to_string(i)), kT0);
    ASSERT_TRUE(adm.admitted);
    a.failed(adm, kT0);
    b.apply_notice(LoginThrottle::notice(adm, true), kT0);
  }
  Admission r = b.admit(from("tanaka", "10.0.2.1"), kT0);
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.scope, ThrottleScope::login);
}

}  // namespace
}  // namespace tonari::services
