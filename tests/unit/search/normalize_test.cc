#include "search/normalize.h"

#include <gtest/gtest.h>

namespace tonari::search {
namespace {

TEST(Fold, HalfWidthKatakanaFullWidthKatakanaAndHiraganaFoldEqual) {
  EXPECT_EQ(fold("たなか"), "たなか");
  EXPECT_EQ(fold("タナカ"), "たなか");
  EXPECT_EQ(fold("ﾀﾅｶ"), "たなか");
  EXPECT_EQ(fold("ﾀﾅｶ"), fold("タナカ"));
  EXPECT_EQ(fold("タナカ"), fold("たなか"));
}

TEST(Fold, HalfWidthVoicedMarksCompose) {
  // ｶﾞ (ka + half-width voiced mark) composes to が; ﾊﾟ to ぱ.
  EXPECT_EQ(fold("ｶﾞｯｺｳ"), "がっこう");
  EXPECT_EQ(fold("ﾊﾟﾝ"), "ぱん");
  EXPECT_EQ(fold("ｶﾞｯｺｳ"), fold("ガッコウ"));
}

TEST(Fold, WholeKatakanaBlockRangeMapsToHiragana) {
  EXPECT_EQ(fold("ァ"), "ぁ");  // U+30A1, first of the folded range
  EXPECT_EQ(fold("ヴ"), "ゔ");  // U+30F4
  EXPECT_EQ(fold("ヶ"), "ゖ");  // U+30F6, last of the folded range
  EXPECT_EQ(fold("ラーメン"), "らーめん");  // the prolonged sound mark stays
}

TEST(Fold, FullWidthAndHalfWidthLatinAndCaseFoldEqual) {
  EXPECT_EQ(fold("Tanaka"), "tanaka");
  EXPECT_EQ(fold("TANAKA"), "tanaka");
  EXPECT_EQ(fold("ＴＡＮＡＫＡ"), "tanaka");
  EXPECT_EQ(fold("ｔａｎａｋａ"), "tanaka");
  EXPECT_EQ(fold("Ｔａｎａｋａ"), fold("tAnAkA"));
  EXPECT_EQ(fold("１２３"), "123");
  EXPECT_EQ(fold("Straße"), "strasse");  // full case folding
}

TEST(Fold, WhiteSpaceIsRemoved) {
  EXPECT_EQ(fold("田中 太郎"), "田中太郎");
  EXPECT_EQ(fold("田中　太郎"), "田中太郎");  // U+3000
  EXPECT_EQ(fold(" たなか\tたろう\n"), "たなかたろう");
  EXPECT_EQ(fold("ﾀﾅｶ ﾀﾛｳ"), fold("たなか　たろう"));
  EXPECT_EQ(fold(" \t　\n"), "");
}

TEST(Fold, KanjiAndEmptyPassThrough) {
  EXPECT_EQ(fold(""), "");
  EXPECT_EQ(fold("防災係"), "防災係");
}

TEST(Fold, InvalidUtf8IsReplacedNotRejected) {
  EXPECT_EQ(fold("a\xFF" "b"), "a\xEF\xBF\xBD" "b");  // U+FFFD
}

TEST(Fold, DifferentNamesStayDifferent) {
  EXPECT_NE(fold("たなか"), fold("たなが"));
}

}  // namespace
}  // namespace tonari::search
