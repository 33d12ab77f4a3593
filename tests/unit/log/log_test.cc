#include "log/log.h"

#include <gtest/gtest.h>

namespace tonari::log {
namespace {

constexpr std::int64_t kTime = 1796544000123;  // 2026-12-06T08:00:00.123Z

TEST(Log, JsonLineHasTimeLevelEventAndFields) {
  std::string line = format_line(Level::warn, "login.throttled",
                                 {{"tenant", "999001"}, {"retry_ms", 1500}, {"ok", false}},
                                 kTime, true);
  EXPECT_EQ(line,
            R"({"ts":"2026-12-06T08:00:00.123Z","level":"warn","event":"login.throttled",)"
            R"("tenant":"999001","retry_ms":1500,"ok":false})");
}

TEST(Log, HostileStringsCannotBreakOrForgeALine) {
  std::string line = format_line(Level::info, "x", {{"v", "a\"b\\c\nd\x01\xff\xc3("}}, kTime, true);
  EXPECT_NE(line.find(R"("v":"a\"b\\c\nd\u0001)"
                      "\xEF\xBF\xBD\xEF\xBF\xBD("
                      R"("})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, JapaneseTextIsKept) {
  std::string line = format_line(Level::info, "x", {{"name", "さくら市"}}, kTime, true);
  EXPECT_NE(line.find("\"name\":\"さくら市\""), std::string::npos);
}

TEST(Log, LogfmtQuotesOnlyWhatNeedsIt) {
  std::string line = format_line(Level::error, "http.5xx",
                                 {{"path", "/api/rooms"}, {"msg", "disk full"}, {"status", 503}},
                                 kTime, false);
  EXPECT_EQ(line,
            "ts=2026-12-06T08:00:00.123Z level=error event=http.5xx path=/api/rooms "
            "msg=\"disk full\" status=503");
}

TEST(Log, LevelsParse) {
  Level l;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::debug);
  EXPECT_TRUE(parse_level("error", l));
  EXPECT_EQ(l, Level::error);
  EXPECT_FALSE(parse_level("verbose", l));
}

}  // namespace
}  // namespace tonari::log
