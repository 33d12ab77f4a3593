#include "app/csv.h"

#include <gtest/gtest.h>

namespace tonari::app {
namespace {

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTest, PlainRowsWithCrlfAndLf) {
  EXPECT_EQ(parse_csv("a,b\r\nc,d\ne,f"), (Rows{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
}

TEST(CsvTest, QuotedFieldsKeepCommasNewlinesAndQuotes) {
  EXPECT_EQ(parse_csv("\"田中, 太郎\",\"二行\n目\",\"引用\"\"符\"\n"),
            (Rows{{"田中, 太郎", "二行\n目", "引用\"符"}}));
}

TEST(CsvTest, EmptyFieldsAndBlankLines) {
  EXPECT_EQ(parse_csv("a,,c\n\n,\n"), (Rows{{"a", "", "c"}, {"", ""}}));
}

TEST(CsvTest, EmptyInputHasNoRows) { EXPECT_TRUE(parse_csv("").empty()); }

}  // namespace
}  // namespace tonari::app
