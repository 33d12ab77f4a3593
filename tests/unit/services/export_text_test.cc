#include "services/export_text.h"

#include <gtest/gtest.h>

namespace tonari::services {
namespace {

TEST(ExportTextTest, CsvCellsAreQuotedAndDefusedAgainstFormulas) {
  EXPECT_EQ(csv_cell("総務課"), "総務課");
  EXPECT_EQ(csv_cell("山田, 太郎"), "\"山田, 太郎\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_cell("-1"), "'-1");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell(""), "");
}

TEST(ExportTextTest, JstMinutes) {
  // 2026-12-06 01:15 UTC is 10:15 in Japan.
  EXPECT_EQ(jst_minutes(1796519700000), "2026/12/06 10:15");
}

TEST(ExportTextTest, FileStemsAreSafeAndShort) {
  EXPECT_EQ(file_stem("地震 震度5弱"), "地震 震度5弱");
  EXPECT_EQ(file_stem("a/b:c*?\"<>|\\d"), "a_b_c_______d");
  EXPECT_EQ(file_stem("..hidden. "), "hidden");
  EXPECT_EQ(file_stem(std::string(60, 'x')), std::string(50, 'x'));
  // Cut on a character boundary: 60 three-byte characters become 50.
  std::string kana;
  for (int i = 0; i < 60; ++i) kana += "あ";
  EXPECT_EQ(file_stem(kana).size(), 150u);
  EXPECT_EQ(file_stem(""), "");
}

TEST(ExportTextTest, CsvEncodings) {
  auto utf8 = encode_csv("氏名\r\n", false);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(*utf8, "\xEF\xBB\xBF氏名\r\n");
  auto sjis = encode_csv("氏名\r\n", true);
  ASSERT_TRUE(sjis.ok());
  EXPECT_EQ(*sjis, "\x8E\x81\x96\xBC\r\n");
}

}  // namespace
}  // namespace tonari::services
