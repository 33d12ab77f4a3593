// sanitize_file()'s decisions before any family sanitizer: type by content, executables,
// names that contradict the content, formats without a sanitizer; and text/CSV.
#include <gtest/gtest.h>

#include <string>

#include "checks.h"
#include "sanitize/sanitize.h"

namespace tonari::sanitize {
namespace {

using test::TempDir;
using namespace std::string_literals;

Result sanitize_bytes(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string in = dir.file("input");
  test::write_file(in, bytes);
  return sanitize_file(test::job(in, name, dir));
}

void expect_refused(const Result& r, Outcome outcome, const std::string& reason, const TempDir& dir,
                    std::size_t files_before = 0) {
  EXPECT_EQ(r.outcome, outcome) << r.detail;
  EXPECT_EQ(r.reason, reason) << r.detail;
  EXPECT_TRUE(r.output.empty());
  EXPECT_TRUE(r.thumbnail.empty());
  EXPECT_EQ(dir.entries().size(), files_before);
}

TEST(SanitizeDispatch, ExecutableNamedJpegIsBlocked) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("invoice.jpg"), "invoice.jpg", dir));
  expect_refused(r, Outcome::blocked, "executable", dir);
  EXPECT_EQ(r.family, "other");
}

TEST(SanitizeDispatch, NativeProgramsAndScriptsAreBlockedWhateverTheirName) {
  TempDir dir;
  const std::string elf = test::read_file("/bin/true");
  ASSERT_EQ(elf.substr(0, 4), "\x7f" "ELF");
  expect_refused(sanitize_bytes(dir, "photo.png", elf), Outcome::blocked, "executable", dir, 1);
  expect_refused(sanitize_bytes(dir, "notes.txt", "#!/bin/sh\nrm -rf ~\n"), Outcome::blocked, "executable", dir, 1);
}

TEST(SanitizeDispatch, ExecutableExtensionsAreBlockedEvenForText) {
  TempDir dir;
  for (const char* name : {"setup.bat", "run.cmd", "a.ps1", "b.vbs", "c.js", "d.hta", "report.pdf.exe"})
    expect_refused(sanitize_bytes(dir, name, "echo hello\r\n"), Outcome::blocked, "executable", dir, 1);
}

TEST(SanitizeDispatch, ContentOfAnotherFamilyThanTheNameIsBlocked) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("clean.pdf"), "photo.jpg", dir));
  expect_refused(r, Outcome::blocked, "type_mismatch", dir);
  EXPECT_EQ(r.detected_type, "application/pdf");
  const Result csv = sanitize_file(test::job(test::fixture("clean.png"), "list.csv", dir));
  expect_refused(csv, Outcome::blocked, "type_mismatch", dir);
}

TEST(SanitizeDispatch, NameCaseAndMissingExtensionDoNotMatter) {
  TempDir dir;
  EXPECT_EQ(sanitize_file(test::job(test::fixture("clean.pdf"), "SCAN.PDF", dir)).outcome, Outcome::sanitized);
  const Result r = sanitize_file(test::job(test::fixture("clean.pdf"), "scan", dir));
  EXPECT_EQ(r.outcome, Outcome::sanitized);
  EXPECT_EQ(r.output_name, "scan.pdf");
}

TEST(SanitizeDispatch, LegacyOfficeIsWithheld) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("legacy.doc"), "legacy.doc", dir));
  expect_refused(r, Outcome::withheld, "legacy_format", dir);
  EXPECT_EQ(r.family, "office");
}

TEST(SanitizeDispatch, LzhIsWithheld) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("minutes.lzh"), "minutes.lzh", dir));
  expect_refused(r, Outcome::withheld, "unsupported_type", dir);
  EXPECT_EQ(r.family, "archive");
}

TEST(SanitizeDispatch, HtmlAndUnknownBinaryAreWithheld) {
  TempDir dir;
  expect_refused(sanitize_bytes(dir, "page.html", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
                 Outcome::withheld, "script", dir, 1);
  expect_refused(sanitize_bytes(dir, "page.txt", "<html><head><script>alert(1)</script></head></html>\n"),
                 Outcome::withheld, "script", dir, 1);
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919 + 13) % 251);
  expect_refused(sanitize_bytes(dir, "data.bin", noise), Outcome::withheld, "unsupported_type", dir, 1);
}

TEST(SanitizeDispatch, MissingInputIsASanitizerFailure) {
  TempDir dir;
  const Result r = sanitize_file(test::job(dir.file("nothing"), "x.pdf", dir));
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "sanitizer_failed");
}

TEST(SanitizeText, ShiftJisCsvPassesByteForByte) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("voters-sjis.csv"), "voters-sjis.csv", dir));
  EXPECT_EQ(r.outcome, Outcome::clean) << r.detail;
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.detected_type, "text/csv");
  EXPECT_EQ(r.family, "text");
  EXPECT_NE(r.detail.find("shift_jis"), std::string::npos);
  EXPECT_TRUE(r.output.empty());  // the original is the file
  EXPECT_EQ(r.output_name, "voters-sjis.csv");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{});
}

TEST(SanitizeText, Utf8CsvWithFormulasPassesAsAFile) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("formula.csv"), "formula.csv", dir));
  EXPECT_EQ(r.outcome, Outcome::clean) << r.detail;
  EXPECT_NE(r.detail.find("utf-8"), std::string::npos);
  EXPECT_EQ(r.detected_type, "text/csv");
}

TEST(SanitizeText, PlainJapaneseTextInBothEncodings) {
  TempDir dir;
  const Result utf8 = sanitize_bytes(dir, "memo.txt", "\xef\xbb\xbf議事録\n令和8年度 予算\n");
  EXPECT_EQ(utf8.outcome, Outcome::clean);
  EXPECT_EQ(utf8.detected_type, "text/plain");
  // 議事録 in Shift_JIS, with 0x5C as a second byte (表 = 0x95 0x5C).
  const Result sjis = sanitize_bytes(dir, "memo.txt", "\x8b\x63\x8e\x96\x98\x5e \x95\x5c\r\n"s);
  EXPECT_EQ(sjis.outcome, Outcome::clean) << sjis.detail;
  EXPECT_NE(sjis.detail.find("shift_jis"), std::string::npos);
}

TEST(SanitizeText, BinaryBehindATextNameIsWithheld) {
  TempDir dir;
  expect_refused(sanitize_bytes(dir, "list.csv", "a,b\n1,\0\n"s), Outcome::withheld, "unsupported_type", dir, 1);
  expect_refused(sanitize_bytes(dir, "list.txt", "\x81\x20\xff\xfe\x80\x81\xa0"s), Outcome::withheld,
                 "unsupported_type", dir, 1);
}

// libmagic reads the first 4 KiB: HTML whose tags come later is "text/plain" to it. Text
// passes byte-for-byte only under a name nothing renders or runs.
TEST(SanitizeDispatch, LateHtmlAndActionableTextAreNotPassedAsText) {
  TempDir dir;
  const std::string late_script = std::string(5000, 'x') + "\n<script>alert(1)</script>\n";
  Result r = sanitize_bytes(dir, "a.html", late_script);
  EXPECT_NE(r.outcome, Outcome::clean) << r.detail;
  EXPECT_EQ(r.reason, "script") << r.detail;
  std::string prose;
  for (int i = 0; i < 200; ++i) prose += "本日の会議は午後三時から第二会議室で行います。\n";
  r = sanitize_bytes(dir, "notice.htm", prose + "<img src=x onerror=alert(1)>\n");
  EXPECT_EQ(r.reason, "script") << r.detail;
  r = sanitize_bytes(dir, "remote.rdp", "full address:s:192.0.2.1\n");
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "unsupported_type") << r.detail;
  r = sanitize_bytes(dir, "query.iqy", "WEB\n1\nhttp://192.0.2.1/x\n");
  EXPECT_EQ(r.outcome, Outcome::withheld);
  // The same bytes as a .txt are text: Notepad runs nothing.
  EXPECT_EQ(sanitize_bytes(dir, "a.txt", late_script).outcome, Outcome::clean);
}

}  // namespace
}  // namespace tonari::sanitize
