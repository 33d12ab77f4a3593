#include "core/text_limits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tonari::text {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(ValidUtf8, AcceptsAsciiJapaneseAndFourByteSequences) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("hello, world"));
  EXPECT_TRUE(valid_utf8("了解しました　田中"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(valid_utf8("\xC2\x80"));          // U+0080, the first two-byte code point
  EXPECT_TRUE(valid_utf8("\xEF\xBF\xBD"));      // U+FFFD
}

TEST(ValidUtf8, RejectsNulBytes) {
  EXPECT_FALSE(valid_utf8("a\0b"sv));
  EXPECT_FALSE(valid_utf8("\0"sv));
}

TEST(ValidUtf8, RejectsMalformedSequences) {
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(valid_utf8("\xE3\x81"));          // truncated three-byte sequence
  EXPECT_FALSE(valid_utf8("abc\xE3"));           // truncated at the end
  EXPECT_FALSE(valid_utf8("\xE3\x41\x82"));      // non-continuation inside a sequence
  EXPECT_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));  // five-byte form
  EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(ValidUtf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xC1\xBF"));          // overlong U+007F
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong '/' in three bytes
  EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));  // overlong '/' in four bytes
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // U+D800 (surrogate)
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));      // U+DFFF (surrogate)
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
}

TEST(CharCount, CountsCodePointsNotBytes) {
  EXPECT_EQ(char_count(""), 0u);
  EXPECT_EQ(char_count("abc"), 3u);
  EXPECT_EQ(char_count("日本語abc"), 6u);
  EXPECT_EQ(char_count("\xF0\x9F\x98\x80x"), 2u);
  EXPECT_EQ(char_count("ｶﾞ"), 2u);  // half-width ka + half-width voiced mark
}

// The definition, decoded code point by code point: what the word-at-a-time versions must
// agree with.
bool reference_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += len;
  }
  return true;
}

std::size_t reference_char_count(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Strings of pieces likely to sit at the edges of the rules (and of 8-byte words), at every
// alignment: the same verdict and count as the definition.
TEST(ValidUtf8, AgreesWithTheDefinitionOnGeneratedStrings) {
  const std::vector<std::string> pieces = {
      "a", "hello, w", "\0"s, "\x7F", "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xC2\x80",
      "\xDF\xBF", "\xE0\x9F\xBF", "\xE0\xA0\x80", "\xE3\x81\x82", "\xED\x9F\xBF",
      "\xED\xA0\x80", "\xEF\xBF\xBF", "\xF0\x8F\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
      "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xE3\x81", "\xF0\x9F\x98", "了解しました",
      "\"", "\\", "\n", "\x01", " "};
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    ASSERT_EQ(valid_utf8(s), reference_valid_utf8(s)) << testing::PrintToString(s);
    ASSERT_EQ(char_count(s), reference_char_count(s)) << testing::PrintToString(s);
  }
}

TEST(Trim, RemovesAsciiWhiteSpaceAndIdeographicSpaceAtBothEnds) {
  EXPECT_EQ(trim("  \t abc \r\n"), "abc");
  EXPECT_EQ(trim("\xE3\x80\x80\xE3\x80\x80あ い\xE3\x80\x80"), "あ い");
  EXPECT_EQ(trim(" \xE3\x80\x80 \t田中\xE3\x80\x80 "), "田中");
  EXPECT_EQ(trim("a　b"), "a　b");  // inner spaces stay
  EXPECT_EQ(trim("no-space"), "no-space");
}

TEST(Trim, AllWhiteSpaceBecomesEmpty) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim("\xE3\x80\x80 \xE3\x80\x80"), "");
}

TEST(Trim, DoesNotTouchOtherUnicodeSpaces) {
  // U+00A0 (no-break space) is not trimmed.
  EXPECT_EQ(trim("\xC2\xA0x"), "\xC2\xA0x");
}

TEST(Cut, KeepsShortStringsUnchanged) {
  EXPECT_EQ(cut("あいう", 3), "あいう");
  EXPECT_EQ(cut("abc", 10), "abc");
  EXPECT_EQ(cut("", 0), "");
}

TEST(Cut, CutsAtCodePointBoundaryAndAppendsEllipsis) {
  EXPECT_EQ(cut("あいうえお", 3), "あいう…");
  EXPECT_EQ(cut("abcdef", 4), "abcd…");
  EXPECT_EQ(cut("a\xF0\x9F\x98\x80" "bc", 2), "a\xF0\x9F\x98\x80…");
  EXPECT_EQ(cut("abc", 0), "…");
}

TEST(Cut, ExactlyMaxCharsIsNotCut) {
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "字";
  EXPECT_EQ(cut(hundred, 100), hundred);
  std::string cut_to_99 = cut(hundred, 99);
  EXPECT_EQ(char_count(cut_to_99), 100u);  // 99 characters + "…"
  EXPECT_EQ(cut_to_99.substr(cut_to_99.size() - 3), "…");
}

}  // namespace
}  // namespace tonari::text

namespace tonari::text {
namespace {

TEST(Printable, KeepsWellFormedTextAndReplacesTheRest) {
  EXPECT_EQ(printable("/api/rooms/42"), "/api/rooms/42");
  EXPECT_EQ(printable("田中"), "田中");
  EXPECT_EQ(printable("/api/\xff"), "/api/\xEF\xBF\xBD");
  EXPECT_EQ(printable("a\xE3\x81z"), "a\xEF\xBF\xBD\xEF\xBF\xBDz");  // a truncated sequence
  EXPECT_EQ(printable(std::string_view("a\0b\r\n", 5)),
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(printable("\xE3"), "\xEF\xBF\xBD");  // cut at the end
  EXPECT_TRUE(valid_utf8(printable("\xC0\x80\xED\xA0\x80\xF5\x80\x80\x80")));
}

TEST(Printable, CutsLongInput) {
  EXPECT_EQ(printable(std::string(100, 'x'), 4), "xxxx…");
  EXPECT_EQ(printable("あいうえお", 2), "あい…");
  EXPECT_EQ(printable("abcd", 4), "abcd");
}

}  // namespace
}  // namespace tonari::text
