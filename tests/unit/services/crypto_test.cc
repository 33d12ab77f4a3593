#include "services/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tonari::services {
namespace {

constexpr unsigned long long kOps = 1;
constexpr std::size_t kMem = 8192 * 1024;

class CryptoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(init_crypto()); }
};

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST_F(CryptoTest, InitIsIdempotent) {
  EXPECT_TRUE(init_crypto());
  EXPECT_TRUE(init_crypto());
}

TEST_F(CryptoTest, HashedPasswordVerifiesOnlyWithThePassword) {
  const std::string hash = hash_password("正しいパスワード", kOps, kMem);
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_NE(hash.find("m=8192"), std::string::npos) << hash;  // memlimit in KiB
  EXPECT_NE(hash.find("t=1"), std::string::npos) << hash;
  EXPECT_EQ(hash.find("正しいパスワード"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "正しいパスワード"));
  EXPECT_FALSE(verify_password(hash, "間違ったパスワード"));
  EXPECT_FALSE(verify_password(hash, ""));
  EXPECT_FALSE(verify_password(hash, "正しいパスワード "));
}

TEST_F(CryptoTest, SamePasswordHashesDifferentlyEachTime) {
  const std::string a = hash_password("password", kOps, kMem);
  const std::string b = hash_password("password", kOps, kMem);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);  // random salt
  EXPECT_TRUE(verify_password(a, "password"));
  EXPECT_TRUE(verify_password(b, "password"));
}

TEST_F(CryptoTest, EmptyPasswordAndBinaryPasswordsWork) {
  const std::string empty = hash_password("", kOps, kMem);
  ASSERT_FALSE(empty.empty());
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));
  const std::string with_nul("a\0b", 3);
  const std::string h = hash_password(with_nul, kOps, kMem);
  ASSERT_FALSE(h.empty());
  EXPECT_TRUE(verify_password(h, with_nul));
  EXPECT_FALSE(verify_password(h, "a"));
}

TEST_F(CryptoTest, HashingFailureGivesEmptyString) {
  EXPECT_EQ(hash_password("password", 0, kMem), "");  // below argon2id's minimum t
}

TEST_F(CryptoTest, VerifyRejectsMalformedHashes) {
  EXPECT_FALSE(verify_password("", "password"));
  EXPECT_FALSE(verify_password("not-a-hash", "password"));
  std::string hash = hash_password("password", kOps, kMem);
  ASSERT_FALSE(hash.empty());
  char& c = hash[hash.size() - 10];  // inside the digest, away from base64 padding bits
  c = c == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password(hash, "password"));
}

TEST_F(CryptoTest, RandomTokensAreUrlSafe256BitValuesAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string t = random_token();
    ASSERT_EQ(t.size(), 43u);  // 32 bytes, base64 without padding
    ASSERT_EQ(t.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(CryptoTest, TokenHashIsStableHexBlake2b256) {
  // Known BLAKE2b-256 digests.
  EXPECT_EQ(token_hash(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(token_hash("abc"), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");

  const std::string t = random_token();
  const std::string h = token_hash(t);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_TRUE(is_lower_hex(h)) << h;
  EXPECT_EQ(token_hash(t), h);
  EXPECT_NE(token_hash(random_token()), h);
  EXPECT_NE(h, t);
}

TEST_F(CryptoTest, EqualSecret) {
  EXPECT_TRUE(equal_secret("csrf-token-value", "csrf-token-value"));
  EXPECT_TRUE(equal_secret("", ""));
  EXPECT_FALSE(equal_secret("csrf-token-value", "csrf-token-valuf"));
  EXPECT_FALSE(equal_secret("Xsrf-token-value", "csrf-token-value"));
  EXPECT_FALSE(equal_secret("csrf-token-value", "csrf-token-valu"));
  EXPECT_FALSE(equal_secret("csrf", "csrf-token-value"));
  EXPECT_FALSE(equal_secret("", "x"));
  const std::string a("a\0b", 3), b("a\0c", 3);
  EXPECT_FALSE(equal_secret(a, b));
  EXPECT_TRUE(equal_secret(a, std::string("a\0b", 3)));
}

TEST_F(CryptoTest, HmacIsHmacSha256InUrlSafeBase64) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac("Jefe", "what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

TEST_F(CryptoTest, ShortHashDependsOnKeyAndData) {
  const std::string k1 = random_bytes(16), k2 = random_bytes(16);
  EXPECT_EQ(k1.size(), 16u);
  EXPECT_NE(k1, k2);
  EXPECT_EQ(short_hash(k1, "tanaka"), short_hash(k1, "tanaka"));
  EXPECT_NE(short_hash(k1, "tanaka"), short_hash(k1, "tanakb"));
  EXPECT_NE(short_hash(k1, "tanaka"), short_hash(k2, "tanaka"));
}

}  // namespace
}  // namespace tonari::services
