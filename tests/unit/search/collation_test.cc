#include "search/collation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace tonari::search {
namespace {

bool key_less(const std::string& a, const std::string& b) {
  // Byte order as the database compares BLOBs (memcmp, then length).
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c != 0 ? c < 0 : a.size() < b.size();
}

int sign(int v) { return (v > 0) - (v < 0); }

TEST(CompareJa, GojuonOrderOfHiraganaReadings) {
  EXPECT_LT(compare_ja("いとう", "うえだ"), 0);
  EXPECT_LT(compare_ja("うえだ", "おおつか"), 0);
  EXPECT_LT(compare_ja("おおつか", "わたなべ"), 0);
  EXPECT_LT(compare_ja("いとう", "わたなべ"), 0);
  EXPECT_GT(compare_ja("わたなべ", "いとう"), 0);
  EXPECT_GT(compare_ja("おおつか", "うえだ"), 0);
}

TEST(CompareJa, EqualStringsCompareEqual) {
  EXPECT_EQ(compare_ja("たなか", "たなか"), 0);
  EXPECT_EQ(compare_ja("", ""), 0);
}

TEST(CompareJa, KatakanaAndHiraganaReadingsOrderTogether) {
  // Mixed scripts still sort by sound, not by code point (katakana code points are all
  // above hiragana ones, so a code-point order would put every katakana name last).
  EXPECT_LT(compare_ja("イトウ", "うえだ"), 0);
  EXPECT_LT(compare_ja("いとう", "ウエダ"), 0);
  EXPECT_LT(compare_ja("ウエダ", "おおつか"), 0);
  EXPECT_LT(compare_ja("オオツカ", "わたなべ"), 0);
  EXPECT_GT(compare_ja("わたなべ", "オオツカ"), 0);
  EXPECT_LT(compare_ja("ｲﾄｳ", "うえだ"), 0);  // half-width katakana too
  // たなか / タナカ differ only at the tertiary level: never on opposite sides of a
  // different name.
  EXPECT_LT(compare_ja("たなか", "ちば"), 0);
  EXPECT_LT(compare_ja("タナカ", "ちば"), 0);
  EXPECT_GT(compare_ja("たなか", "すずき"), 0);
  EXPECT_GT(compare_ja("タナカ", "すずき"), 0);
}

// Readings in 五十音 order, mixing hiragana and katakana.
const std::vector<std::string> kOrdered = {
    "あおき", "アベ", "いとう", "いのうえ", "うえだ", "エンドウ", "おおつか", "かとう",
    "きむら", "コバヤシ", "さとう", "すずき", "たなか", "ナカムラ", "はやし", "まつもと",
    "やまだ", "わたなべ",
};

std::vector<std::string> shuffled() {
  // A fixed permutation (no randomness): reversed, then every other one rotated.
  std::vector<std::string> v(kOrdered.rbegin(), kOrdered.rend());
  std::rotate(v.begin(), v.begin() + 7, v.end());
  return v;
}

TEST(CompareJa, SortsAListIntoGojuonOrder) {
  auto v = shuffled();
  ASSERT_NE(v, kOrdered);
  std::sort(v.begin(), v.end(),
            [](const std::string& a, const std::string& b) { return compare_ja(a, b) < 0; });
  EXPECT_EQ(v, kOrdered);
}

TEST(SortKeyJa, ByteOrderSortsAListIntoGojuonOrder) {
  auto v = shuffled();
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
    return key_less(sort_key_ja(a), sort_key_ja(b));
  });
  EXPECT_EQ(v, kOrdered);
}

TEST(SortKeyJa, AgreesWithCompareJaOnEveryPair) {
  std::vector<std::string> all = kOrdered;
  // Pairs that differ only in script, width or voicing as well.
  for (const char* s : {"たなか", "タナカ", "ﾀﾅｶ", "だなか", "かとう", "がとう", "あべ"})
    all.push_back(s);
  for (const auto& a : all) {
    for (const auto& b : all) {
      const std::string ka = sort_key_ja(a), kb = sort_key_ja(b);
      const int by_key = key_less(ka, kb) ? -1 : (key_less(kb, ka) ? 1 : 0);
      EXPECT_EQ(by_key, sign(compare_ja(a, b))) << a << " vs " << b;
    }
  }
}

// Voicing (さとう/さどう) and small kana (はった/はつた) are differences below the first
// level: a key of the reading and the name together lets the name's kanji, a difference at
// the first level, decide before them. People are ordered by the reading's key alone, and
// by the name's only among equal readings (the store keeps them as two columns).
TEST(SortKeyJa, AReadingsLesserDifferencesComeBeforeAnyDifferenceInTheName) {
  EXPECT_LT(compare_ja("さとう はなこ", "さどう はなこ"), 0);
  EXPECT_LT(compare_ja("はった", "はつた"), 0);
  EXPECT_TRUE(key_less(sort_key_ja("さとう はなこ"), sort_key_ja("さどう はなこ")));
  EXPECT_TRUE(key_less(sort_key_ja("はった"), sort_key_ja("はつた")));
  // What a key of "reading name" does instead: 佐渡 before 佐藤, 初田 before 八田.
  EXPECT_TRUE(key_less(sort_key_ja("さどう はなこ 佐渡 花子"), sort_key_ja("さとう はなこ 佐藤 花子")));
  EXPECT_TRUE(key_less(sort_key_ja("はつた 初田"), sort_key_ja("はった 八田")));
}

TEST(SortKeyJa, KeysAreStableAndHaveNoTerminatingNul) {
  const std::string k = sort_key_ja("わたなべ");
  ASSERT_FALSE(k.empty());
  EXPECT_EQ(k, sort_key_ja("わたなべ"));
  EXPECT_NE(k.back(), '\0');
  EXPECT_NE(k, sort_key_ja("わたなべ　"));
}

TEST(SortKeyJa, LongStringsGetCompleteKeys) {
  // Longer than the initial 64-byte key buffer: the key must still distinguish the last
  // character.
  std::string a(200, 'a');
  std::string b = a;
  a += "あ";
  b += "い";
  const std::string ka = sort_key_ja(a), kb = sort_key_ja(b);
  EXPECT_GT(ka.size(), 64u);
  EXPECT_TRUE(key_less(ka, kb));
  EXPECT_FALSE(key_less(kb, ka));
}

}  // namespace
}  // namespace tonari::search
