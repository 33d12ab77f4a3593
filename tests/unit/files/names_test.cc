// File names (files/names.h): what is stored and offered for download.
#include "files/names.h"

#include <gtest/gtest.h>

namespace tonari::files {
namespace {

std::string clean(std::string_view raw) {
  auto r = clean_file_name(raw);
  EXPECT_TRUE(r.ok()) << raw << ": " << r.status().message();
  return r.ok() ? *r : std::string();
}

TEST(FileNamesTest, KeepsJapaneseNamesAndDropsPaths) {
  EXPECT_EQ(clean("破裂箇所.jpg"), "破裂箇所.jpg");
  EXPECT_EQ(clean("C:\\Users\\tanaka\\Desktop\\議事録.docx"), "議事録.docx");
  EXPECT_EQ(clean("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean("  報告書 .pdf　"), "報告書 .pdf");
}

TEST(FileNamesTest, NormalizesToNfc) {
  // macOS sends decomposed kana: か + combining dakuten (U+3099) becomes が.
  EXPECT_EQ(clean("\xe3\x81\x8b\xe3\x82\x99.txt"), "が.txt");
}

TEST(FileNamesTest, DropsControlAndBidiCharacters) {
  EXPECT_EQ(clean("a\tb\nc\x7f.txt"), "abc.txt");
  EXPECT_EQ(clean("a\xc2\x85" "b.txt"), "ab.txt");  // U+0085 (C1)
  // "photo\u202Egpj.exe" shows as "photoexe.jpg" in a right-to-left override.
  EXPECT_EQ(clean("photo\xe2\x80\xae" "gpj.exe"), "photogpj.exe");
}

TEST(FileNamesTest, CutsLongNamesKeepingTheExtension) {
  std::string longname;
  for (int i = 0; i < 100; ++i) longname += "長";  // 300 bytes
  const std::string out = clean(longname + ".pdf");
  EXPECT_LE(out.size(), kMaxNameBytes);
  EXPECT_TRUE(out.ends_with(".pdf"));
  EXPECT_EQ((out.size() - 4) % 3, 0u);  // whole characters
  EXPECT_EQ(out.size(), 4 + 3 * 83u);
}

TEST(FileNamesTest, RefusesWhatIsNotAName) {
  for (std::string_view bad : {std::string_view(""), std::string_view("   "), std::string_view("a/"),
                               std::string_view(".."), std::string_view("\x01\x02"),
                               std::string_view("\xff\xfe.txt")}) {
    auto r = clean_file_name(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::invalid_argument);
    }
  }
}

TEST(FileNamesTest, Extensions) {
  EXPECT_EQ(extension("a.tar.gz"), ".gz");
  EXPECT_EQ(extension(".bashrc"), "");
  EXPECT_EQ(extension("README"), "");
  EXPECT_EQ(extension("x.averyveryverylongextension"), "");
}

}  // namespace
}  // namespace tonari::files
