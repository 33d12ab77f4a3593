#include "services/remind_slots.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace tonari::services {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr TimeMs kMin = 60 * 1000;

TEST(RemindSlotsTest, OnePerKeyPerPeriodWithTheWait) {
  RemindSlots<std::pair<int, int>> slots(10 * kMin, "a message");
  ASSERT_TRUE(slots.take({1, 1}, kT0).is_ok());
  Status again = slots.take({1, 1}, kT0 + 3 * kMin + 1);
  EXPECT_EQ(again.code(), Code::rate_limited);
  EXPECT_EQ(again.retry_after_ms(), 7 * kMin - 1);
  EXPECT_EQ(again.message(), "a message may be reminded once every 10 minutes; try again in 7 min");
  // Another key, and the same key once the period is over.
  EXPECT_TRUE(slots.take({1, 2}, kT0 + 1).is_ok());
  EXPECT_TRUE(slots.take({1, 1}, kT0 + 10 * kMin).is_ok());
}

TEST(RemindSlotsTest, AFailedReminderGivesItsSlotBack) {
  RemindSlots<int> slots(5 * kMin, "a safety confirmation");
  ASSERT_TRUE(slots.take(7, kT0).is_ok());
  slots.give_back(7, kT0);
  ASSERT_TRUE(slots.take(7, kT0 + 1).is_ok());
  // Giving back an older take does not free the newer one.
  slots.give_back(7, kT0);
  EXPECT_EQ(slots.take(7, kT0 + 2).code(), Code::rate_limited);
}

TEST(RemindSlotsTest, TwoAtTheSameMomentMakeOne) {
  RemindSlots<int> slots(5 * kMin, "a question");
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += slots.take(1, kT0).is_ok() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1);
}

TEST(RemindSlotsTest, KeysAreFreeAgainAfterThePeriodAcrossASweep) {
  RemindSlots<int> slots(kMin, "a question");
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(slots.take(i, kT0).is_ok());
  // Past 4,096 keys the expired ones are swept; every key is free again after the period.
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(slots.take(i, kT0 + kMin).is_ok());
}

}  // namespace
}  // namespace tonari::services
