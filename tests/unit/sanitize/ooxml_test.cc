#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "sanitize/checks.h"
#include "sanitize/sanitize.h"
#include "sanitize/sanitize_test_util.h"

namespace tonari::sanitize {
namespace {

using namespace test_util;

const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const char* kPptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

Result sanitize(const std::string& in, const std::string& name, const TempDir& dir) {
  return sanitize_ooxml(job_for(in, name, dir), "application/zip");
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The checks every rebuilt package must pass.
void expect_sanitized(const Result& r, const std::string& name, const std::string& type) {
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.reason << ": " << r.detail;
  EXPECT_EQ(r.output_name, name);
  EXPECT_EQ(r.output_type, type);
  EXPECT_EQ(r.family, "office");
  EXPECT_EQ(check_opc(r.output), "ok\n");
  std::string types = zip_part(r.output, "[Content_Types].xml");
  EXPECT_FALSE(contains(types, "macroEnabled")) << types;
  EXPECT_FALSE(contains(types, "vbaProject")) << types;
  std::string names = zip_names(r.output);
  for (const char* gone : {"vbaProject", "vbaData", "macrosheets", "customUI", "externalLinks",
                           "embeddings", "activeX"}) {
    EXPECT_FALSE(contains(names, gone)) << gone << " in\n" << names;
  }
}

TEST(SanitizeOoxml, CleanDocxIsRebuiltWithItsText) {
  TempDir dir;
  Result r = sanitize(fixture("clean.docx"), "clean.docx", dir);
  expect_sanitized(r, "clean.docx", kDocx);
  EXPECT_EQ(r.detected_type, kDocx);
  EXPECT_TRUE(contains(zip_part(r.output, "word/document.xml"), "例規審査会 資料"));
}

TEST(SanitizeOoxml, MacroDocmBecomesDocxWithoutVba) {
  TempDir dir;
  Result r = sanitize(fixture("macro.docm"), "macro.docm", dir);
  expect_sanitized(r, "macro.docx", kDocx);
  EXPECT_EQ(r.detected_type, "application/vnd.ms-word.document.macroEnabled.12");
  EXPECT_EQ(r.output.substr(r.output.size() - 5), ".docx");
  EXPECT_TRUE(contains(zip_part(r.output, "word/document.xml"), "例規審査会 資料"));
  EXPECT_FALSE(contains(zip_part(r.output, "word/_rels/document.xml.rels"), "vbaProject"));
  EXPECT_TRUE(contains(zip_part(r.output, "[Content_Types].xml"),
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"));
}

TEST(SanitizeOoxml, ExternalWorkbookLinkIsRemovedAndCellsStay) {
  TempDir dir;
  Result r = sanitize(fixture("external-link.xlsx"), "投票数.xlsx", dir);
  expect_sanitized(r, "投票数.xlsx", kXlsx);
  std::string wb = zip_part(r.output, "xl/workbook.xml");
  EXPECT_FALSE(contains(wb, "externalReference")) << wb;
  EXPECT_TRUE(contains(wb, "投票数"));
  EXPECT_FALSE(contains(zip_part(r.output, "xl/_rels/workbook.xml.rels"), "externalLink"));
  std::string sheet = zip_part(r.output, "xl/worksheets/sheet1.xml");
  EXPECT_TRUE(contains(sheet, "投票所"));
  EXPECT_TRUE(contains(sheet, "<v>123</v>"));
}

TEST(SanitizeOoxml, MacroWorkbookLosesVbaMacroSheetAndAutoOpen) {
  TempDir dir;
  Result r = sanitize(fixture("budget-macro.xlsm"), "予算.xlsm", dir);
  expect_sanitized(r, "予算.xlsx", kXlsx);
  std::string wb = zip_part(r.output, "xl/workbook.xml");
  EXPECT_TRUE(contains(wb, "name=\"予算\"")) << wb;
  EXPECT_FALSE(contains(wb, "Macro1")) << wb;
  EXPECT_FALSE(contains(wb, "Auto_Open")) << wb;
  std::string rels = zip_part(r.output, "xl/_rels/workbook.xml.rels");
  EXPECT_FALSE(contains(rels, "xlMacrosheet"));
  EXPECT_FALSE(contains(rels, "vbaProject"));
  EXPECT_FALSE(contains(zip_part(r.output, "[Content_Types].xml"), "macrosheet"));
  std::string sheet = zip_part(r.output, "xl/worksheets/sheet1.xml");
  for (const char* cell : {"款", "金額（千円）", "総務費", "<v>1200</v>", "民生費", "<v>3400</v>"}) {
    EXPECT_TRUE(contains(sheet, cell)) << cell;
  }
}

TEST(SanitizeOoxml, MacroSlidesLoseVbaAndRibbon) {
  TempDir dir;
  Result r = sanitize(fixture("slides-macro.pptm"), "説明会.pptm", dir);
  expect_sanitized(r, "説明会.pptx", kPptx);
  EXPECT_FALSE(contains(zip_part(r.output, "_rels/.rels"), "extensibility"));
  EXPECT_FALSE(contains(zip_part(r.output, "ppt/_rels/presentation.xml.rels"), "vbaProject"));
  std::string slide = zip_part(r.output, "ppt/slides/slide1.xml");
  EXPECT_TRUE(contains(slide, "令和8年度 予算説明会"));
  EXPECT_TRUE(contains(slide, "資料は庁内ポータルに掲載します"));
}

TEST(SanitizeOoxml, SimpleDdeFieldKeepsItsResultAndUpdateFieldsGoes) {
  TempDir dir;
  Result r = sanitize(fixture("dde-field.docx"), "議会日程.docx", dir);
  expect_sanitized(r, "議会日程.docx", kDocx);
  std::string doc = zip_part(r.output, "word/document.xml");
  EXPECT_FALSE(contains(doc, "DDE")) << doc;
  EXPECT_FALSE(contains(doc, "fldSimple")) << doc;
  EXPECT_FALSE(contains(doc, "cmd.exe")) << doc;
  for (const char* text : {"議会日程（案）", "日程表を更新中", "以上"}) EXPECT_TRUE(contains(doc, text)) << text;
  std::string settings = zip_part(r.output, "word/settings.xml");
  EXPECT_TRUE(contains(settings, "w:settings"));
  EXPECT_FALSE(contains(settings, "updateFields")) << settings;
}

TEST(SanitizeOoxml, ComplexDdeautoFieldsKeepOnlyTheirResults) {
  TempDir dir;
  Result r = sanitize(dir.variant("ddeauto-complex.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  std::string doc = zip_part(r.output, "word/document.xml");
  for (const char* gone : {"DDEAUTO", "cmd", "calc", "QUOTE", "内側"}) EXPECT_FALSE(contains(doc, gone)) << gone << "\n" << doc;
  for (const char* kept : {"前文", "結果テキスト", "入れ子の結果", " PAGE "}) EXPECT_TRUE(contains(doc, kept)) << kept;
  // Only the harmless PAGE field keeps its begin, separate and end.
  std::size_t chars = 0;
  for (std::size_t at = doc.find("fldChar "); at != std::string::npos; at = doc.find("fldChar ", at + 1)) ++chars;
  EXPECT_EQ(chars, 3u) << doc;
}

TEST(SanitizeOoxml, AttachedTemplateIsRemoved) {
  TempDir dir;
  Result r = sanitize(dir.variant("attached-template.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  std::string settings = zip_part(r.output, "word/settings.xml");
  EXPECT_FALSE(contains(settings, "attachedTemplate")) << settings;
  EXPECT_FALSE(contains(settings, "updateFields")) << settings;
  EXPECT_FALSE(contains(zip_part(r.output, "word/_rels/settings.xml.rels"), "attacker.example"));
  EXPECT_TRUE(contains(zip_part(r.output, "word/document.xml"), "添付テンプレート付き文書"));
}

TEST(SanitizeOoxml, OleObjectIsRemovedAndItsPreviewKept) {
  TempDir dir;
  Result r = sanitize(dir.variant("ole-object.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  std::string doc = zip_part(r.output, "word/document.xml");
  EXPECT_FALSE(contains(doc, "w:object")) << doc;
  EXPECT_FALSE(contains(doc, "OLEObject")) << doc;
  EXPECT_FALSE(contains(doc, "o:ole=")) << doc;
  EXPECT_TRUE(contains(doc, "<w:pict>")) << doc;
  EXPECT_TRUE(contains(doc, "v:imagedata")) << doc;
  EXPECT_TRUE(contains(doc, "埋め込み前"));
  EXPECT_TRUE(contains(doc, "埋め込み後"));
  EXPECT_TRUE(contains(zip_names(r.output), "word/media/image1.png"));
  EXPECT_FALSE(contains(zip_part(r.output, "word/_rels/document.xml.rels"), "oleObject"));
}

TEST(SanitizeOoxml, WebHyperlinksStayOtherLinksLoseTheirTarget) {
  TempDir dir;
  Result r = sanitize(dir.variant("links.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  std::string rels = zip_part(r.output, "word/_rels/document.xml.rels");
  EXPECT_TRUE(contains(rels, "https://www.city.example.lg.jp/")) << rels;
  EXPECT_FALSE(contains(rels, "evil.example")) << rels;
  std::string doc = zip_part(r.output, "word/document.xml");
  EXPECT_TRUE(contains(doc, "市のサイト"));
  EXPECT_TRUE(contains(doc, "共有フォルダ"));
  std::size_t links = 0;
  for (std::size_t at = doc.find("<w:hyperlink"); at != std::string::npos; at = doc.find("<w:hyperlink", at + 1)) ++links;
  EXPECT_EQ(links, 1u) << doc;
}

TEST(SanitizeOoxml, DdeLinkWorkbookLosesTheLinkAndKeepsCachedValues) {
  TempDir dir;
  Result r = sanitize(dir.variant("dde-link.xlsx"), "集計.xlsx", dir);
  expect_sanitized(r, "集計.xlsx", kXlsx);
  for (const auto& name : {"xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels",
                           "[Content_Types].xml"}) {
    std::string part = zip_part(r.output, name);
    EXPECT_FALSE(contains(part, "ddeLink")) << name;
    EXPECT_FALSE(contains(part, "[1]")) << name << "\n" << part;
    EXPECT_FALSE(contains(part, "externalLink")) << name;
  }
  std::string wb = zip_part(r.output, "xl/workbook.xml");
  EXPECT_FALSE(contains(wb, "外部値")) << wb;
  EXPECT_TRUE(contains(wb, "name=\"Keep\"")) << wb;
  std::string sheet = zip_part(r.output, "xl/worksheets/sheet1.xml");
  EXPECT_TRUE(contains(sheet, "集計値"));
  EXPECT_TRUE(contains(sheet, "<v>42</v>")) << sheet;
  EXPECT_TRUE(contains(sheet, "<f>SUM(1,2)</f><v>3</v>")) << sheet;
  // A DDE reference typed into a cell goes; a '|' inside a string literal is no DDE.
  EXPECT_FALSE(contains(sheet, "calc.exe")) << sheet;
  EXPECT_TRUE(contains(sheet, "<c r=\"A3\"><v>0</v></c>")) << sheet;
  EXPECT_TRUE(contains(sheet, "<f>CONCATENATE(\"a|b\",\"c\")</f>")) << sheet;
  // The only hyperlink pointed at a file share: the hyperlinks list, which needs one, goes.
  EXPECT_FALSE(contains(sheet, "hyperlink")) << sheet;
}

TEST(SanitizeOoxml, PackageSignaturesAreRemoved) {
  TempDir dir;
  Result r = sanitize(dir.variant("signed.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  EXPECT_FALSE(contains(zip_names(r.output), "_xmlsignatures")) << zip_names(r.output);
  EXPECT_FALSE(contains(zip_part(r.output, "_rels/.rels"), "digital-signature"));
  EXPECT_FALSE(contains(zip_part(r.output, "[Content_Types].xml"), "digital-signature"));
}

TEST(SanitizeOoxml, MacroSheetNamesAndSheetIndexesAreFixed) {
  TempDir dir;
  Result r = sanitize(dir.variant("macro-names.xlsm"), "b.xlsm", dir);
  expect_sanitized(r, "b.xlsx", kXlsx);
  std::string wb = zip_part(r.output, "xl/workbook.xml");
  EXPECT_FALSE(contains(wb, "Macro1\"")) << wb;
  EXPECT_TRUE(contains(wb, "name=\"予算\""));
  EXPECT_TRUE(contains(wb, "name=\"データ\""));
  EXPECT_TRUE(contains(wb, "activeTab=\"1\"")) << wb;
  EXPECT_TRUE(contains(wb, "name=\"_xlnm.Print_Area\" localSheetId=\"1\"")) << wb;
  for (const char* gone : {"auto_open1", "合計", "name=\"x\"", "Auto_Close"}) EXPECT_FALSE(contains(wb, gone)) << gone;
  // XMacro1!A1 names another sheet than the removed Macro1.
  EXPECT_TRUE(contains(wb, "name=\"Keep\"")) << wb;
}

TEST(SanitizeOoxml, SlideOleObjectControlAndProgramActionAreRemoved) {
  TempDir dir;
  Result r = sanitize(dir.variant("ole-slide.pptm"), "s.pptm", dir);
  expect_sanitized(r, "s.pptx", kPptx);
  std::string slide = zip_part(r.output, "ppt/slides/slide1.xml");
  for (const char* gone : {"graphicFrame", "oleObj", "p:control", "hlinkClick", "ppaction"}) {
    EXPECT_FALSE(contains(slide, gone)) << gone << "\n" << slide;
  }
  EXPECT_TRUE(contains(slide, "令和8年度 予算説明会"));
  EXPECT_TRUE(contains(slide, "ボタン"));
  EXPECT_FALSE(contains(zip_part(r.output, "ppt/slides/_rels/slide1.xml.rels"), "calc.exe"));
}

TEST(SanitizeOoxml, ZipSlipEntryIsRefused) {
  TempDir dir;
  Result r = sanitize(dir.variant("zip-slip.docx"), "a.docx", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "unsafe_path") << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxml, TwentyThousandEntriesAreRefusedBeforeInflating) {
  TempDir dir;
  std::string in = dir.variant("many-entries.docx");
  auto start = std::chrono::steady_clock::now();
  Result r = sanitize(in, "a.docx", dir);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "archive_limits") << r.detail;
  EXPECT_LT(ms.count(), 2000);
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxml, TooDeeplyNestedXmlIsRefused) {
  TempDir dir;
  Job job = job_for(dir.variant("deep.docx"), "a.docx", dir);
  job.limits.max_ratio = 1000000;  // the repeated markup would hit the ratio limit first
  Result r = sanitize_ooxml(job, kDocx);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "corrupt") << r.detail;
  EXPECT_TRUE(contains(r.detail, "deeply")) << r.detail;
}

TEST(SanitizeOoxml, NotAnOfficePackageIsRefused) {
  TempDir dir;
  Result r = sanitize(fixture("names-cp932.zip"), "a.docx", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "corrupt") << r.detail;
}

TEST(SanitizeOoxml, SameInputGivesTheSameBytes) {
  TempDir dir;
  Result a = sanitize(fixture("budget-macro.xlsm"), "a.xlsm", dir);
  Result b = sanitize(fixture("budget-macro.xlsm"), "a.xlsm", dir);
  ASSERT_EQ(a.outcome, Outcome::sanitized);
  ASSERT_EQ(b.outcome, Outcome::sanitized);
  EXPECT_NE(a.output, b.output);
  EXPECT_EQ(read_file(a.output), read_file(b.output));
}

// The part `name` of `package`, written to `dir` as `file` (for exiftool).
std::string extract(const std::string& package, const std::string& name, const TempDir& dir, const std::string& file) {
  std::string path = dir.path() + "/" + file;
  std::ofstream(path, std::ios::binary) << zip_part(package, name);
  return path;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + " ";
  return out;
}

// exiftool's tag names (Group:Tag) that give away where and with what a photo was taken.
std::string revealing_tags(const std::string& path) {
  std::string found;
  for (const auto& [key, value] : test::exif_tags(path)) {
    const std::string k(key);
    for (const char* bad : {"EXIF:", "GPS", "Make", "Model", "Artist", "Comment", "XMP", "IPTC", "Author"}) {
      if (contains(k, bad)) found += k + " ";
    }
  }
  return found;
}

TEST(SanitizeOoxmlMedia, PhotoInDocxLosesExifAndGpsAndKeepsItsPlace) {
  TempDir dir;
  ASSERT_NE(revealing_tags(fixture("photo.jpg")).find("GPS"), std::string::npos) << "the fixture should carry GPS";
  Result r = sanitize(dir.variant("photo-media.docx"), "報告.docx", dir);
  expect_sanitized(r, "報告.docx", kDocx);
  EXPECT_TRUE(contains(r.detail, "1 pictures re-encoded")) << r.detail;
  EXPECT_TRUE(contains(zip_names(r.output), "word/media/image1.jpeg")) << zip_names(r.output);
  std::string jpeg = extract(r.output, "word/media/image1.jpeg", dir, "image1.jpeg");
  EXPECT_EQ(revealing_tags(jpeg), "");
  EXPECT_EQ(joined(test::metadata_tags(jpeg)), "");
  EXPECT_EQ(test::image_size(jpeg), std::make_pair(320, 240));
  EXPECT_EQ(test::exif_tags(jpeg)["File:FileType"].as_string(), "JPEG");
  EXPECT_NE(read_file(jpeg), read_file(fixture("photo.jpg")));
  std::string doc = zip_part(r.output, "word/document.xml");
  EXPECT_TRUE(contains(doc, "r:embed=\"rId2\"")) << doc;
  EXPECT_TRUE(contains(doc, "現地調査報告"));
  EXPECT_TRUE(contains(zip_part(r.output, "word/_rels/document.xml.rels"), "media/image1.jpeg"));
  EXPECT_TRUE(contains(zip_part(r.output, "[Content_Types].xml"), "image/jpeg"));
}

TEST(SanitizeOoxmlMedia, PngInXlsxLosesItsTextChunks) {
  TempDir dir;
  std::string in = dir.variant("text-png.xlsx");
  ASSERT_TRUE(contains(zip_part(in, "xl/media/image1.png"), "secret memo"));
  Result r = sanitize(in, "写真.xlsx", dir);
  expect_sanitized(r, "写真.xlsx", kXlsx);
  std::string png = extract(r.output, "xl/media/image1.png", dir, "image1.png");
  EXPECT_FALSE(contains(read_file(png), "secret memo"));
  EXPECT_FALSE(contains(read_file(png), "tEXt"));
  EXPECT_FALSE(contains(read_file(png), "iTXt"));
  EXPECT_EQ(revealing_tags(png), "");
  EXPECT_EQ(joined(test::metadata_tags(png)), "");
  EXPECT_EQ(test::image_size(png), std::make_pair(64, 64));
  EXPECT_EQ(test::exif_tags(png)["File:FileType"].as_string(), "PNG");
  EXPECT_TRUE(contains(zip_part(r.output, "xl/drawings/drawing1.xml"), "r:embed=\"rId1\""));
  EXPECT_TRUE(contains(zip_part(r.output, "xl/drawings/_rels/drawing1.xml.rels"), "../media/image1.png"));
}

TEST(SanitizeOoxmlMedia, PixelFloodInPptxWithholdsThePackage) {
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  Result r = sanitize(dir.variant("flood-media.pptx"), "s.pptx", dir);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "pixel_limit") << r.detail;
  EXPECT_TRUE(contains(r.detail, "ppt/media/image1.png")) << r.detail;
  EXPECT_LT(ms.count(), 2000);
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxmlMedia, PicturesOfOnePackageShareOnePixelBudget) {
  TempDir dir;
  Job job = job_for(dir.variant("photo-media.docx"), "a.docx", dir);
  job.limits.max_pixels = 320 * 240 / 10 + 1;  // the package may have 10 times that: not one 320x240 photo
  Result r = sanitize_ooxml(job, kDocx);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "pixel_limit") << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxmlMedia, HeicPictureWouldChangeFormatSoThePackageIsWithheld) {
  TempDir dir;
  Result r = sanitize(dir.variant("heic-media.docx"), "a.docx", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "unsupported_type") << r.detail;
  EXPECT_TRUE(contains(r.detail, "word/media/image1.heic")) << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxmlMedia, PngUnderAJpegTypeIsWithheld) {
  TempDir dir;
  Result r = sanitize(dir.variant("png-as-jpeg.docx"), "a.docx", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "unsupported_type") << r.detail;
  EXPECT_TRUE(contains(r.detail, "word/media/image1.jpeg")) << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxmlMedia, EmfPictureIsDroppedWithItsReferences) {
  TempDir dir;
  Result r = sanitize(dir.variant("emf-media.docx"), "a.docx", dir);
  expect_sanitized(r, "a.docx", kDocx);
  EXPECT_TRUE(contains(r.detail, "word/media/image1.emf")) << r.detail;
  std::string names = zip_names(r.output);
  EXPECT_FALSE(contains(names, ".emf")) << names;
  EXPECT_TRUE(contains(names, "word/media/image2.png")) << names;
  EXPECT_FALSE(contains(zip_part(r.output, "[Content_Types].xml"), "emf"));
  std::string rels = zip_part(r.output, "word/_rels/document.xml.rels");
  EXPECT_FALSE(contains(rels, "image1.emf")) << rels;
  std::string doc = zip_part(r.output, "word/document.xml");
  EXPECT_FALSE(contains(doc, "rId2")) << doc;
  EXPECT_TRUE(contains(doc, "r:embed=\"rId3\"")) << doc;
  EXPECT_TRUE(contains(doc, "現地調査報告"));
  EXPECT_TRUE(contains(doc, "以上"));
}

TEST(SanitizeOoxmlMedia, AudioInPptxWithholdsThePackage) {
  TempDir dir;
  Result r = sanitize(dir.variant("audio-media.pptx"), "s.pptx", dir);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "unsupported_type") << r.detail;
  EXPECT_TRUE(contains(r.detail, "ppt/media/media1.mp3")) << r.detail;
  EXPECT_EQ(tree_files(dir.out()), 0u);
}

TEST(SanitizeOoxml, RasterizePolicyWithoutConverterIsWithheld) {
  TempDir dir;
  Job job = job_for(fixture("clean.docx"), "clean.docx", dir);
  job.policy.office = Level::rasterize;
  Result r = sanitize_ooxml(job, kDocx);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "no_converter");
}

}  // namespace
}  // namespace tonari::sanitize
