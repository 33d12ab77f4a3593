#include "core/text_limits.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tonari::text {
namespace {

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
