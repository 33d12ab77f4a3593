// Range requests and Content-Disposition (api/file_response.h).
#include "api/file_response.h"

#include <gtest/gtest.h>

namespace tonari::api {
namespace {

::testing::AssertionResult range_is(std::string_view header, std::uint64_t size,
                                    std::uint64_t offset, std::uint64_t length) {
  auto r = parse_range(header, size);
  if (!r) return ::testing::AssertionFailure() << header << ": ignored";
  if (!r->ok()) return ::testing::AssertionFailure() << header << ": " << r->status().message();
  if ((*r)->offset != offset || (*r)->length != length) {
    return ::testing::AssertionFailure() << header << ": " << (*r)->offset << "+" << (*r)->length;
  }
  return ::testing::AssertionSuccess();
}

TEST(RangeTest, SingleRanges) {
  EXPECT_TRUE(range_is("bytes=0-99", 1000, 0, 100));
  EXPECT_TRUE(range_is("bytes=100-", 1000, 100, 900));
  EXPECT_TRUE(range_is("bytes=-100", 1000, 900, 100));
  EXPECT_TRUE(range_is("bytes=-5000", 1000, 0, 1000));  // a suffix longer than the file
  EXPECT_TRUE(range_is("bytes=990-5000", 1000, 990, 10));  // the end clamped
  EXPECT_TRUE(range_is("bytes=999-999", 1000, 999, 1));
  EXPECT_TRUE(range_is(" bytes= 5 - 9 ", 1000, 5, 5));
}

TEST(RangeTest, UnsatisfiableRanges) {
  for (std::string_view h : {"bytes=1000-", "bytes=1000-1001", "bytes=-0"}) {
    auto r = parse_range(h, 1000);
    ASSERT_TRUE(r) << h;
    ASSERT_FALSE(r->ok()) << h;
    EXPECT_EQ(r->status().code(), Code::range_not_satisfiable) << h;
  }
  EXPECT_FALSE(parse_range("bytes=0-", 0)->ok());  // nothing to give of an empty file
}

TEST(RangeTest, IgnoredHeadersMeanTheWholeFile) {
  for (std::string_view h : {"", "items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "bytes=-",
                             "bytes=1", "bytes=18446744073709551616-"}) {
    EXPECT_FALSE(parse_range(h, 1000)) << h;
  }
}

TEST(ContentDispositionTest, Rfc6266FilenameStar) {
  EXPECT_EQ(content_disposition(false, "破裂箇所.jpg"),
            "attachment; filename=\"file.jpg\"; filename*=UTF-8''%E7%A0%B4%E8%A3%82%E7%AE%87%E6%89%80.jpg");
  EXPECT_EQ(content_disposition(true, "report 2024.pdf"),
            "inline; filename=\"report 2024.pdf\"; filename*=UTF-8''report%202024.pdf");
  // Quotes, backslashes and percent signs never reach the quoted fallback.
  EXPECT_EQ(content_disposition(false, "a\"b\\c%d.txt"),
            "attachment; filename=\"abcd.txt\"; filename*=UTF-8''a%22b%5Cc%25d.txt");
  EXPECT_EQ(content_disposition(false, "議事録"), "attachment; filename=\"file\"; filename*=UTF-8''%E8%AD%B0%E4%BA%8B%E9%8C%B2");
}

TEST(ETagTest, IfNoneMatch) {
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("*", "\"abc\""));
  EXPECT_FALSE(etag_matches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(etag_matches("abc", "\"abc\""));
}

}  // namespace
}  // namespace tonari::api
