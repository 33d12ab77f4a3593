#include "services/known_devices.h"

#include <gtest/gtest.h>

#include "services/crypto.h"

namespace tonari::services {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

class KnownDevicesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(init_crypto()); }
  KnownDevices devices_{std::string(40, 'k')};
};

TEST_F(KnownDevicesTest, ATokenNamesItsDeviceForItsAccountOnly) {
  const std::string id = KnownDevices::new_device_id();
  EXPECT_EQ(id.size(), 22u);
  const std::string token = devices_.issue("131001", "tanaka", id, kNow + 1000);
  EXPECT_EQ(devices_.check(token, "131001", "tanaka", kNow), id);
  EXPECT_EQ(devices_.check(token, "131001", "sato", kNow), "");
  EXPECT_EQ(devices_.check(token, "131002", "tanaka", kNow), "");
  EXPECT_EQ(KnownDevices(std::string(40, 'x')).check(token, "131001", "tanaka", kNow), "")
      << "another server key";
}

TEST_F(KnownDevicesTest, ExpiredForgedAndMalformedTokensAreRefused) {
  const std::string id = KnownDevices::new_device_id();
  const std::string token = devices_.issue("131001", "tanaka", id, kNow + 1000);
  EXPECT_EQ(devices_.check(token, "131001", "tanaka", kNow + 1000), "");
  // A later expiry with the old MAC.
  std::string later = token;
  later.replace(id.size() + 1, 13, std::to_string(kNow + 99999));
  EXPECT_EQ(devices_.check(later, "131001", "tanaka", kNow), "");
  std::string other_device = token;
  other_device[0] = other_device[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(devices_.check(other_device, "131001", "tanaka", kNow), "");
  for (const char* bad : {"", ".", "..", "a.b.c", "a.1.", ".1.x", "a b.1.x", "a.-1.x"}) {
    EXPECT_EQ(devices_.check(bad, "131001", "tanaka", kNow), "") << bad;
  }
  EXPECT_EQ(devices_.check(std::string(5000, 'a'), "131001", "tanaka", kNow), "");
}

}  // namespace
}  // namespace tonari::services
