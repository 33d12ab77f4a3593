#include "search/encoding.h"

#include <gtest/gtest.h>

namespace tonari::search {
namespace {

TEST(EncodingTest, Utf8PassesThroughAndLosesItsBom) {
  EXPECT_EQ(to_utf8("田中,たなか"), std::optional<std::string>("田中,たなか"));
  EXPECT_EQ(to_utf8("\xEF\xBB\xBFlogin"), std::optional<std::string>("login"));
}

TEST(EncodingTest, ShiftJisIsDecoded) {
  // 田中 太郎 in Windows-31J, with an ASCII comma and a half-width katakana ﾀ.
  const std::string sjis = "\x93\x63\x92\x86\x20\x91\xBE\x98\x59,\xC0";
  EXPECT_EQ(to_utf8(sjis), std::optional<std::string>("田中 太郎,ﾀ"));
}

TEST(EncodingTest, Cp932ExtensionsAreDecoded) {
  // ① (NEC special character row 13) exists in Windows-31J but not in plain Shift_JIS.
  EXPECT_EQ(to_utf8("\x87\x40"), std::optional<std::string>("①"));
}

TEST(EncodingTest, NeitherUtf8NorShiftJisIsRefused) {
  EXPECT_EQ(to_utf8("\x93"), std::nullopt);  // a lead byte without its trail byte
}

}  // namespace
}  // namespace tonari::search
