#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zip.h>

#include <chrono>

#include "sanitize/sanitize.h"
#include "sanitize/sanitize_test_util.h"

namespace tonari::sanitize {
namespace {

using namespace test_util;

Result sanitize(const std::string& in, const std::string& name, const TempDir& dir) {
  return sanitize_zip(job_for(in, name, dir));
}

// Python's zipfile reading the central directory: "name|flag bit 11|size|sha256" a line.
std::string listing(const std::string& zip) {
  return run(python() + " -c " +
             quote("import hashlib,sys,zipfile\n"
                   "for i in zipfile.ZipFile(sys.argv[1]).infolist():\n"
                   "  d=zipfile.ZipFile(sys.argv[1]).read(i)\n"
                   "  print('%s|%d|%d|%s'%(i.filename,(i.flag_bits>>11)&1,len(d),hashlib.sha256(d).hexdigest()[:16]))") +
             " " + quote(zip));
}

long max_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void expect_withheld(const Result& r, const std::string& reason) {
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, reason) << r.detail;
  EXPECT_TRUE(r.output.empty());
  EXPECT_EQ(r.family, "archive");
}

TEST(SanitizeZip, Cp932NamesAreDecodedAndRebuiltAsUtf8) {
  TempDir dir;
  Result r = sanitize(fixture("names-cp932.zip"), "names-cp932.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_EQ(r.output_name, "names-cp932.zip");
  EXPECT_EQ(r.output_type, "application/zip");
  std::string out = listing(r.output);
  // The contents, entry by entry, are those of the original (read by index).
  std::string in = listing(fixture("names-cp932.zip"));
  auto hashes = [](const std::string& l) {
    std::string h;
    for (std::size_t at = 0, nl; (nl = l.find('\n', at)) != std::string::npos; at = nl + 1) {
      std::string line = l.substr(at, nl - at);
      h += line.substr(line.find('|', line.find('|') + 1)) + "\n";
    }
    return h;
  };
  EXPECT_EQ(hashes(out), hashes(in));
  EXPECT_TRUE(contains(out, "議事録/|1|0|")) << out;
  EXPECT_TRUE(contains(out, "議事録/予定表.txt|1|24|")) << out;
  EXPECT_TRUE(contains(out, "議事録/ソフト一覧.txt|1|18|")) << out;
  EXPECT_TRUE(contains(out, "能力評価.csv|1|19|")) << out;
  EXPECT_EQ(run(python() + " -c " + quote("import sys,zipfile;print(zipfile.ZipFile(sys.argv[1]).testzip())") +
                " " + quote(r.output)),
            "None\n");
  EXPECT_EQ(tree_files(dir.out()), 1u);  // the members' temporary directory is gone
}

TEST(SanitizeZip, BombIsRefusedFromTheCentralDirectory) {
  TempDir dir;
  long rss_before = max_rss_kb();
  auto start = std::chrono::steady_clock::now();
  Result r = sanitize(fixture("bomb.zip"), "bomb.zip", dir);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  expect_withheld(r, "archive_limits");
  EXPECT_LT(ms.count(), 1000);
  EXPECT_EQ(tree_bytes(dir.out()), 0u);
  EXPECT_LT(max_rss_kb() - rss_before, 32 * 1024);
}

TEST(SanitizeZip, BombIsRefusedByItsRatioUnderAGenerousSizeLimit) {
  TempDir dir;
  Job job = job_for(fixture("bomb.zip"), "bomb.zip", dir);
  job.limits.max_total_bytes = 4ll << 30;
  Result r = sanitize_zip(job);
  expect_withheld(r, "archive_limits");
  EXPECT_TRUE(contains(r.detail, "ratio")) << r.detail;
  EXPECT_EQ(tree_bytes(dir.out()), 0u);
}

TEST(SanitizeZip, LyingSizeIsStoppedWhileInflating) {
  TempDir dir;
  Result r = sanitize(dir.variant("lying-size.zip"), "lying.zip", dir);
  expect_withheld(r, "archive_limits");
  EXPECT_TRUE(contains(r.detail, "declared")) << r.detail;
  EXPECT_EQ(tree_bytes(dir.out()), 0u);
}

TEST(SanitizeZip, PasswordArchiveIsWithheld) {
  TempDir dir;
  Result r = sanitize(fixture("ppap.zip"), "ppap.zip", dir);
  expect_withheld(r, "encrypted");
  EXPECT_TRUE(contains(r.detail, "見積書.pdf")) << r.detail;
}

TEST(SanitizeZip, AesEncryptedEntryIsWithheld) {
  if (!zip_encryption_method_supported(ZIP_EM_AES_256, 1)) GTEST_SKIP() << "libzip without AES";
  TempDir dir;
  std::string path = dir.path() + "/aes.zip";
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(za, nullptr);
  static const char kData[] = "秘密の内容\n";
  zip_source_t* src = zip_source_buffer(za, kData, sizeof kData - 1, 0);
  zip_int64_t i = zip_file_add(za, "secret.txt", src, 0);
  ASSERT_GE(i, 0);
  ASSERT_EQ(zip_file_set_encryption(za, static_cast<zip_uint64_t>(i), ZIP_EM_AES_256, "tonari2026"), 0);
  ASSERT_EQ(zip_close(za), 0);
  expect_withheld(sanitize(path, "aes.zip", dir), "encrypted");
}

TEST(SanitizeZip, NestingDeeperThanTheLimitIsWithheld) {
  TempDir dir;
  Result r = sanitize(dir.variant("nested-5.zip"), "nested.zip", dir);
  expect_withheld(r, "archive_nesting");
  EXPECT_TRUE(contains(r.detail, "level3.zip")) << r.detail;
  EXPECT_EQ(tree_bytes(dir.out()), 0u);
}

TEST(SanitizeZip, NestingWithinTheLimitIsRebuiltAtEveryLevel) {
  TempDir dir;
  Result r = sanitize(dir.variant("nested-2.zip"), "nested.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  // nested.zip holds level0.zip, which holds level1.zip, which holds inner.txt.
  std::string inner = dir.path() + "/level0.zip";
  run("unzip -p " + quote(r.output) + " level0.zip > " + quote(inner));
  std::string innermost = dir.path() + "/level1.zip";
  run("unzip -p " + quote(inner) + " level1.zip > " + quote(innermost));
  EXPECT_EQ(run("unzip -p " + quote(innermost) + " inner.txt"), "いちばん内側\n");
  // Rebuilt, not copied: every level carries the fixed attributes of the writer.
  EXPECT_TRUE(contains(run("zipinfo " + quote(innermost)), "6.3 unx"));
}

TEST(SanitizeZip, EntryLimitCountsEveryNestingLevel) {
  TempDir dir;
  Job job = job_for(dir.variant("two-levels-7-entries.zip"), "t.zip", dir);
  job.limits.max_entries = 5;  // 4 outside, 3 in inner.zip
  Result r = sanitize_zip(job);
  expect_withheld(r, "archive_limits");
  EXPECT_TRUE(contains(r.detail, "inner.zip")) << r.detail;
  job.limits.max_entries = 7;
  EXPECT_EQ(sanitize_zip(job).outcome, Outcome::sanitized);
}

TEST(SanitizeZip, EscapingNamesAreRefused) {
  for (const char* variant : {"slip-parent.zip", "slip-inner-parent.zip", "slip-absolute.zip",
                              "slip-drive.zip", "slip-backslash.zip"}) {
    TempDir dir;
    Result r = sanitize(dir.variant(variant), "x.zip", dir);
    expect_withheld(r, "unsafe_path");
    EXPECT_EQ(tree_files(dir.out()), 0u) << variant;
  }
}

TEST(SanitizeZip, TwentyThousandEntriesAreRefusedBeforeInflating) {
  TempDir dir;
  std::string in = dir.variant("many-entries.zip");
  auto start = std::chrono::steady_clock::now();
  Result r = sanitize(in, "many.zip", dir);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  expect_withheld(r, "archive_limits");
  EXPECT_TRUE(contains(r.detail, "20000 entries")) << r.detail;
  EXPECT_LT(ms.count(), 2000);
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeZip, MacroDocumentInsideIsRebuiltAsDocx) {
  TempDir dir;
  Result r = sanitize(dir.variant("docm-inside.zip"), "資料.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  std::string names = listing(r.output);
  EXPECT_TRUE(contains(names, "資料/macro.docx|1|")) << names;
  EXPECT_FALSE(contains(names, "macro.docm")) << names;
  EXPECT_TRUE(contains(names, "資料/メモ.txt|1|")) << names;
  std::string docx = dir.path() + "/macro.docx";
  run("unzip -p " + quote(r.output) + " " + quote("資料/macro.docx") + " > " + quote(docx));
  EXPECT_FALSE(contains(zip_names(docx), "vbaProject"));
  EXPECT_EQ(check_opc(docx), "ok\n");
  EXPECT_TRUE(contains(zip_part(docx, "word/document.xml"), "例規審査会 資料"));
}

TEST(SanitizeZip, MemberThatCannotBeSanitizedWithholdsTheArchive) {
  TempDir dir;
  Result r = sanitize(dir.variant("exe-inside.zip"), "x.zip", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_FALSE(r.reason.empty());
  EXPECT_TRUE(contains(r.detail, "写真/invoice.jpg")) << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeZip, Utf8NamesWithoutTheFlagStayUtf8) {
  TempDir dir;
  std::string in = dir.variant("utf8-noflag.zip");
  ASSERT_TRUE(contains(listing(in), "|0|"));  // the variant really lacks the flag
  Result r = sanitize(in, "u.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_TRUE(contains(listing(r.output), "報告書.txt|1|")) << listing(r.output);
}

TEST(SanitizeZip, StreamedArchiveWithDataDescriptorsIsRebuilt) {
  TempDir dir;
  Result r = sanitize(dir.variant("streamed.zip"), "s.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_EQ(run("unzip -p " + quote(r.output) + " " + quote("報告.txt")), "ストリームで書いた報告\n");
}

TEST(SanitizeZip, DirectoriesAndEmptyFilesAreKept) {
  TempDir dir;
  Result r = sanitize(dir.variant("dirs.zip"), "d.zip", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_EQ(zip_names(r.output), "空/\n空/.keep\na.txt\n");
}

TEST(SanitizeZip, OfficePackageUnderAnOfficeNameIsSanitizedAsOffice) {
  TempDir dir;
  // [Content_Types].xml is not the first entry, so libmagic calls it application/zip.
  Result r = sanitize(dir.variant("reordered.docx"), "議事録.docm", dir);
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_EQ(r.family, "office");
  EXPECT_EQ(r.output_name, "議事録.docx");
  EXPECT_EQ(check_opc(r.output), "ok\n");
  EXPECT_FALSE(contains(zip_names(r.output), "vbaProject"));
}

TEST(SanitizeZip, NotAZipIsCorrupt) {
  TempDir dir;
  expect_withheld(sanitize(fixture("clean.png"), "x.zip", dir), "corrupt");
}

}  // namespace
}  // namespace tonari::sanitize
