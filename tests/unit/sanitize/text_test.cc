// extract_text(): the text of the delivered file for search, from Japanese PDF, Word, Excel,
// PowerPoint and text files (fixtures/ made by make_text_fixtures.py, and the shared
// sanitizer fixtures), and what hostile input gets out of it: bounded, valid UTF-8 text or
// none, never a crash or an unbounded wait.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "checks.h"
#include "sanitize/sanitize.h"
#include "sanitize/text_extract.h"
#include "sanitize/zip_archive.h"

namespace tonari::sanitize {
namespace {

using test::TempDir;
using Clock = std::chrono::steady_clock;

std::string text_fixture(const std::string& name) { return std::string(TONARI_SANITIZE_TEST_DIR) + "/fixtures/" + name; }

Clock::time_point in_a_minute() { return Clock::now() + std::chrono::minutes(1); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Well-formed UTF-8 (no overlong forms, surrogates or values over U+10FFFF), no NUL.
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return false;
    std::uint32_t cp = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

struct Extracted {
  Result r;
  std::string text;  // "" when r.text names no file
};

Extracted read_back(Result r) {
  Extracted e{std::move(r), ""};
  if (!e.r.text.empty()) {
    EXPECT_EQ(std::filesystem::path(e.r.text).extension(), ".txt");
    e.text = test::read_file(e.r.text);
    EXPECT_FALSE(e.text.empty()) << "an empty text is no file";
  }
  return e;
}

// sanitize_file() then extract_text(), as the worker does.
Extracted sanitized_text(const std::string& in, const std::string& name, const TempDir& dir, Policy policy = {},
                         TextOf of = TextOf::delivered) {
  Job job = test::job(in, name, dir, policy);
  job.text_of = of;
  Result r = sanitize_file(job);
  extract_text(job, r, in_a_minute());
  return read_back(std::move(r));
}

// The text of an original the server delivers unchecked (TextOf::original), without
// sanitizing it first: a hostile file reaches the readers as it is.
Extracted original_text(const std::string& in, const std::string& family, const TempDir& dir,
                        Clock::time_point deadline = in_a_minute()) {
  Job job = test::job(in, "upload", dir);
  job.text_of = TextOf::original;
  Result r;
  r.outcome = Outcome::withheld;
  r.family = family;
  r.detected_type = family == "text" ? "text/plain" : "application/octet-stream";
  extract_text(job, r, deadline);
  return read_back(std::move(r));
}

// An OOXML package of the given parts (libzip, through the sanitizer's own writer).
void write_package(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parts) {
  zipio::Writer w;
  ASSERT_FALSE(w.open(path));
  for (const auto& [name, data] : parts) ASSERT_FALSE(w.add_buffer(name, data, zipio::fixed_mtime()));
  ASSERT_FALSE(w.close());
}

const char* const kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

// A Word package whose document.xml is `document` (a whole part, declaration included).
void write_docx(const std::string& path, const std::string& document) {
  write_package(path, {
      {"[Content_Types].xml",
       std::string(kDecl) +
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
           "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
           "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
           "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
      {"_rels/.rels",
       std::string(kDecl) +
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
           "officeDocument\" Target=\"word/document.xml\"/></Relationships>"},
      {"word/document.xml", document},
  });
}

std::string word_body(const std::string& body) {
  return std::string(kDecl) + "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
                              "<w:body>" + body + "</w:body></w:document>";
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------- formats

TEST(SanitizeExtractText, WordBodyThenHeadersAndFooters) {
  TempDir dir;
  const Extracted e = sanitized_text(text_fixture("minutes-ja.docx"), "要領.docx", dir);
  ASSERT_EQ(e.r.outcome, Outcome::sanitized) << e.r.detail;
  EXPECT_EQ(e.r.text_note, "");
  EXPECT_EQ(e.text,
            "令和8年度 防災訓練実施要領\n"
            "避難経路の確認を行います。\n"  // runs split mid-word join up
            "日時\t10月1日（木）\n"          // a tab in a run; a tab stop is no text
            "場所：第2庁舎 大会議室\n"       // a line break inside the paragraph
            "担当\n危機管理課\n"             // table cells
            "受付は午前9時から\n"            // a text box, once (not its VML fallback too)
            "詳しくは市の防災ページを参照。\n"  // a field's result, not its instruction
            "追加された文言\n"               // an insertion stays, a deletion goes
            "Tom & Jerry あい <RPA>\n"       // entities decoded
            "さくら市 総務部 危機管理課\n"   // the header
            "庁内限り");                     // the footer
  EXPECT_TRUE(valid_utf8(e.text));
}

TEST(SanitizeExtractText, WordFixturesOfTheSanitizerKeepTheirText) {
  TempDir dir;
  const Extracted dde = sanitized_text(test::fixture("dde-field.docx"), "dde-field.docx", dir);
  EXPECT_EQ(dde.text, "議会日程（案）\n日程表を更新中\n以上");  // the DDE field's last result
  const Extracted macro = sanitized_text(test::fixture("macro.docm"), "macro.docm", dir);
  ASSERT_EQ(macro.r.outcome, Outcome::sanitized);
  EXPECT_EQ(macro.text, "例規審査会 資料");
}

TEST(SanitizeExtractText, ExcelSheetNamesAndStringsButNoNumbers) {
  TempDir dir;
  const Extracted e = sanitized_text(text_fixture("budget-ja.xlsx"), "予算.xlsx", dir);
  ASSERT_EQ(e.r.outcome, Outcome::sanitized) << e.r.detail;
  EXPECT_EQ(e.text, "予算\n名簿\n款\n金額（千円）\n総務費\nＲＰＡ導入経費\n氏名\n所属\n佐藤 花子\n危機管理課");
  // Inline strings; the macro sheet the sanitizer removed is not named.
  const Extracted macro = sanitized_text(test::fixture("budget-macro.xlsm"), "budget-macro.xlsm", dir);
  ASSERT_EQ(macro.r.outcome, Outcome::sanitized);
  EXPECT_EQ(macro.text, "予算\n款\n金額（千円）\n総務費\n民生費");
}

TEST(SanitizeExtractText, PowerPointSlidesInTheirShownOrder) {
  TempDir dir;
  const Extracted e = sanitized_text(text_fixture("slides-ja.pptx"), "案内.pptx", dir);
  ASSERT_EQ(e.r.outcome, Outcome::sanitized) << e.r.detail;
  EXPECT_EQ(e.text, "ワクチン接種\n会場のご案内\n問い合わせ先：健康推進課\n内線 1234");
  const Extracted macro = sanitized_text(test::fixture("slides-macro.pptm"), "slides-macro.pptm", dir);
  EXPECT_EQ(macro.text, "令和8年度 予算説明会\n資料は庁内ポータルに掲載します");
}

TEST(SanitizeExtractText, PdfWithAnEmbeddedJapaneseFont) {
  TempDir dir;
  const Extracted e = sanitized_text(text_fixture("notice-ja.pdf"), "お知らせ.pdf", dir);
  ASSERT_EQ(e.r.outcome, Outcome::sanitized) << e.r.detail;
  EXPECT_EQ(e.text, "防災訓練のお知らせ\n例規審査会は１０月１日に第2庁舎で開きます。\nワクチン接種 RPA 課");
  const Extracted latin = sanitized_text(test::fixture("agenda-with-js.pdf"), "agenda.pdf", dir);
  EXPECT_EQ(latin.text, "Reiki shinsa kai agenda");
}

// A font that is not embedded (old Japanese PDFs): its codes reach Unicode through
// poppler-data's CMaps, which the confined worker may read (worker_test.cc runs one).
std::string cid_pdf(const std::string& hex_utf16) {
  const std::string content = "BT /F1 12 Tf 20 100 Td <" + hex_utf16 + "> Tj ET";
  return test::make_pdf({
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      test::pdf_stream(content),
      "<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>",
      "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 /CIDSystemInfo << /Registry (Adobe)"
      " /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
      "<< /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 6 /FontBBox [-123 -257 1001 910] /ItalicAngle 0"
      " /Ascent 859 /Descent -141 /CapHeight 709 /StemV 69 >>",
  });
}

TEST(SanitizeExtractText, PdfWithoutEmbeddedFontsNeedsPopplerData) {
  if (!std::filesystem::exists("/usr/share/poppler/cMap")) GTEST_SKIP() << "poppler-data is not installed";
  TempDir dir;
  const std::string in = dir.file("cid.pdf");
  test::write_file(in, cid_pdf("4F1A8B705BA4"));  // 会議室 as UCS-2
  EXPECT_EQ(sanitized_text(in, "cid.pdf", dir).text, "会議室");
}

TEST(SanitizeExtractText, RasterizedPdfIsFoundByTheTextItsPagesShow) {
  TempDir dir;
  Policy policy;
  policy.pdf = Level::rasterize;
  const Extracted e = sanitized_text(text_fixture("notice-ja.pdf"), "お知らせ.pdf", dir, policy);
  ASSERT_EQ(e.r.outcome, Outcome::sanitized) << e.r.detail;
  EXPECT_EQ(test::run({"pdftotext", e.r.output, "-"}).out.find("防災"), std::string::npos);  // images only
  EXPECT_TRUE(has(e.text, "防災訓練のお知らせ")) << e.text;
}

TEST(SanitizeExtractText, ShiftJisAndUtf8TextFiles) {
  TempDir dir;
  const Extracted sjis = sanitized_text(test::fixture("voters-sjis.csv"), "voters.csv", dir);
  ASSERT_EQ(sjis.r.outcome, Outcome::clean);
  EXPECT_TRUE(has(sjis.text, "投票所,時刻,投票者数\n第1投票所,11:00,123")) << sjis.text;
  const std::string in = dir.file("memo.txt");
  test::write_file(in, "\xEF\xBB\xBF会議メモ\r\n課長\tＲＰＡ\r\n");
  const Extracted utf8 = sanitized_text(in, "memo.txt", dir);
  ASSERT_EQ(utf8.r.outcome, Outcome::clean);
  EXPECT_EQ(utf8.text, "会議メモ\n課長\tＲＰＡ");  // no BOM, line feeds only
}

// ------------------------------------------------------------------------- no text

TEST(SanitizeExtractText, WithheldBlockedImagesAndArchivesHaveNone) {
  TempDir dir;
  const Extracted legacy = sanitized_text(test::fixture("legacy.doc"), "legacy.doc", dir);
  EXPECT_EQ(legacy.r.outcome, Outcome::withheld);
  EXPECT_EQ(legacy.r.text, "");
  EXPECT_FALSE(legacy.r.text_note.empty());
  for (const TextOf of : {TextOf::delivered, TextOf::original}) {
    const Extracted blocked = sanitized_text(test::fixture("invoice.jpg"), "invoice.jpg", dir, {}, of);
    EXPECT_EQ(blocked.r.outcome, Outcome::blocked);
    EXPECT_EQ(blocked.r.text, "");
  }
  const Extracted photo = sanitized_text(test::fixture("photo.jpg"), "photo.jpg", dir);
  EXPECT_EQ(photo.r.text, "");
  EXPECT_EQ(photo.r.text_note, "");
  const Extracted zip = sanitized_text(test::fixture("names-cp932.zip"), "names.zip", dir);
  ASSERT_EQ(zip.r.outcome, Outcome::sanitized);
  EXPECT_EQ(zip.r.text, "");
  const Extracted none = sanitized_text(text_fixture("minutes-ja.docx"), "a.docx", dir, {}, TextOf::none);
  EXPECT_EQ(none.r.text, "");
}

// An LGWAN upload the municipality does not have checked is delivered as it is, whatever
// the sanitizer said: its text is the original's (here: Office rasterizing has no converter).
TEST(SanitizeExtractText, AnUncheckedOriginalGivesItsOwnText) {
  TempDir dir;
  Policy policy;
  policy.office = Level::rasterize;
  const Extracted withheld = sanitized_text(text_fixture("minutes-ja.docx"), "要領.docx", dir, policy);
  ASSERT_EQ(withheld.r.outcome, Outcome::withheld);
  EXPECT_EQ(withheld.r.text, "");
  const Extracted original =
      sanitized_text(text_fixture("minutes-ja.docx"), "要領.docx", dir, policy, TextOf::original);
  ASSERT_EQ(original.r.outcome, Outcome::withheld);
  EXPECT_TRUE(has(original.text, "防災訓練実施要領")) << original.text;
  const Extracted pdf = sanitized_text(text_fixture("notice-ja.pdf"), "a.pdf", dir, {}, TextOf::original);
  EXPECT_TRUE(has(pdf.text, "例規審査会")) << pdf.text;
}

// ------------------------------------------------------------------------ hostile

TEST(SanitizeExtractText, HugeTextIsCutAtACharacterBoundary) {
  TempDir dir;
  // 3 MiB of three-byte characters after one ASCII byte: the limit falls inside a character.
  const std::string in = dir.file("huge.txt");
  test::write_file(in, "x" + repeat("会議室の予約について。", 100'000));
  const Extracted txt = sanitized_text(in, "huge.txt", dir);
  ASSERT_EQ(txt.r.outcome, Outcome::clean);
  EXPECT_LE(txt.text.size(), kMaxTextBytes);
  EXPECT_GT(txt.text.size(), kMaxTextBytes - 4);
  EXPECT_TRUE(valid_utf8(txt.text));
  EXPECT_TRUE(txt.text.starts_with("x会議室の予約について。"));
  EXPECT_FALSE(txt.r.text_note.empty());
  // Shift_JIS: two bytes a character after one ASCII byte, cut where a character ends.
  const std::string sjis = dir.file("huge-sjis.csv");
  test::write_file(sjis, "x" + repeat("\x89\xEF\x8B\x63,", 600'000));  // 会議,
  const Extracted csv = sanitized_text(sjis, "huge-sjis.csv", dir);
  ASSERT_EQ(csv.r.outcome, Outcome::clean);
  EXPECT_LE(csv.text.size(), kMaxTextBytes);
  EXPECT_TRUE(valid_utf8(csv.text));
  EXPECT_TRUE(csv.text.starts_with("x会議,会議,"));
  // A Word body of 4 MiB, sanitized first.
  const std::string docx = dir.file("huge.docx");
  std::string body;  // numbered, so that it stays under the archive ratio limit
  for (int i = 0; i < 120'000; ++i) body += "<w:p><w:r><w:t>防災訓練の実施について" + std::to_string(i * 7919) + "</w:t></w:r></w:p>";
  write_docx(docx, word_body(body));
  const Extracted word = sanitized_text(docx, "huge.docx", dir);
  ASSERT_EQ(word.r.outcome, Outcome::sanitized) << word.r.detail;
  EXPECT_LE(word.text.size(), kMaxTextBytes);
  EXPECT_GT(word.text.size(), kMaxTextBytes - 40);
  EXPECT_TRUE(valid_utf8(word.text));
}

TEST(SanitizeExtractText, HugePdfTextIsCut) {
  TempDir dir;
  // 100 pages that share one content stream of 300 lines: 1.5 MiB of text.
  std::string content = "BT /F1 0.5 Tf 0.5 TL 1 190 Td\n";
  for (int i = 0; i < 300; ++i) content += "(The budget hearing of the general affairs division) Tj T*\n";
  std::vector<std::string> objects = {"<< /Type /Catalog /Pages 2 0 R >>", "", test::pdf_stream(content + "ET"),
                                      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string kids;
  for (int i = 0; i < 100; ++i) {
    kids += std::to_string(objects.size() + 1) + " 0 R ";
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 3 0 R"
                      " /Resources << /Font << /F1 4 0 R >> >> >>");
  }
  objects[1] = "<< /Type /Pages /Kids [" + kids + "] /Count 100 >>";
  const std::string in = dir.file("long.pdf");
  test::write_file(in, test::make_pdf(objects));
  const Extracted e = original_text(in, "pdf", dir);
  EXPECT_LE(e.text.size(), kMaxTextBytes);
  EXPECT_GT(e.text.size(), kMaxTextBytes / 2);
  EXPECT_TRUE(e.text.starts_with("The budget hearing")) << e.text.substr(0, 100);
  EXPECT_TRUE(valid_utf8(e.text));
}

TEST(SanitizeExtractText, XmlTricksGiveOnlyTheText) {
  TempDir dir;
  const std::string in = dir.file("tricks.docx");
  write_docx(in, std::string(kDecl) +
                     "<!DOCTYPE w:document [<!ENTITY x \"<w:t>entity</w:t>\"> ]>"
                     "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                     "<!-- <w:p><w:r><w:t>comment</w:t></w:r></w:p> -->"
                     "<?pi <w:t>pi</w:t> ?>"
                     "<w:p><w:r><w:t><![CDATA[<課>]]]]></w:t></w:r></w:p>"
                     "<w:p><w:r><w:t a='>' b=\"/>\">属性&x;&unknown;&#0;&#xD800;&#99999999999;&#x41;</w:t></w:r></w:p>"
                     "<w:p><w:r><w:t>\xFF\xFE bad \xE3\x81 bytes\x01</w:t></w:r></w:p>"
                     "<w:p><w:r><w:t>cut off <w:b");  // unterminated
  const Extracted e = original_text(in, "office", dir);
  EXPECT_EQ(e.text,
            "<課>]]\n"
            "属性\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "A\n"
            "\xEF\xBF\xBD\xEF\xBF\xBD bad \xEF\xBF\xBD\xEF\xBF\xBD bytes \n"
            "cut off");
  EXPECT_TRUE(valid_utf8(e.text));
}

TEST(SanitizeExtractText, PhoneticReadingsAreNotText) {
  TempDir dir;
  const std::string in = dir.file("readings.xlsx");
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
  const std::string s = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
  write_package(in, {
      {"[Content_Types].xml",
       std::string(kDecl) + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                            "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                            "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>"},
      {"_rels/.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                      "<Relationship Id=\"rId1\" Type=\"" + rel + "officeDocument\" Target=\"/xl/workbook.xml\"/>"
                      "</Relationships>"},
      {"xl/workbook.xml", "<workbook " + s + " xmlns:r=\"" + rel.substr(0, rel.size() - 1) +
                              "\"><sheets><sheet name=\"住所\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" Type=\"" + rel + "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
       "<Relationship Id=\"rId2\" Type=\"" + rel + "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"},
      {"xl/sharedStrings.xml", "<sst " + s + "><si><t>東京都</t><rPh sb=\"0\" eb=\"3\"><t>トウキョウト</t></rPh>"
                               "<phoneticPr fontId=\"1\"/></si><si><r><t>千代田</t></r><r><t>区</t></r></si></sst>"},
      {"xl/worksheets/sheet1.xml", "<worksheet " + s + "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
                                   "<c r=\"B1\" t=\"inlineStr\"><is><t>霞が関</t></is></c><c r=\"C1\"><v>42</v></c>"
                                   "</row></sheetData></worksheet>"},
  });
  EXPECT_EQ(original_text(in, "office", dir).text, "住所\n東京都\n千代田区\n霞が関");
}

TEST(SanitizeExtractText, DeepXmlStopsThePartWithinBounds) {
  TempDir dir;
  const std::string in = dir.file("deep.docx");
  std::string deep;  // numbered names, so that it stays under the archive ratio limit
  for (int i = 0; i < 200'000; ++i) deep += "<w:x" + std::to_string(i * 7919) + ">";
  write_docx(in, word_body("<w:p><w:r><w:t>前文</w:t></w:r></w:p>" + deep + "<w:t>奥</w:t>"));
  const Extracted sanitized = sanitized_text(in, "deep.docx", dir);
  EXPECT_EQ(sanitized.r.outcome, Outcome::withheld);  // the sanitizer refuses it...
  EXPECT_EQ(sanitized.r.text, "");
  const Extracted e = original_text(in, "office", dir);  // ...the text reader stops at the depth
  EXPECT_EQ(e.text, "前文");
  EXPECT_TRUE(has(e.r.text_note, "deeply")) << e.r.text_note;
}

TEST(SanitizeExtractText, BrokenPackagesGiveNoTextAndANote) {
  TempDir dir;
  const std::string whole = test::read_file(text_fixture("minutes-ja.docx"));
  const std::string cut = dir.file("cut.docx");
  test::write_file(cut, whole.substr(0, whole.size() / 2));
  const std::string garbage = dir.file("garbage.docx");
  test::write_file(garbage, "PK\x03\x04" + repeat("\x5A\xA5", 5000));
  const std::string no_types = dir.file("no-types.docx");
  write_package(no_types, {{"word/document.xml", word_body("<w:p><w:r><w:t>x</w:t></w:r></w:p>")}});
  // A body that inflates 1000-fold: refused by the archive limits before it is read.
  const std::string bomb = dir.file("bomb.docx");
  write_docx(bomb, word_body("<w:p><w:r><w:t>" + std::string(16 << 20, ' ') + "</w:t></w:r></w:p>"));
  for (const std::string& in : {cut, garbage, no_types, bomb}) {
    const Extracted e = original_text(in, "office", dir);
    EXPECT_EQ(e.r.text, "") << in << ": " << e.text.substr(0, 80);
    EXPECT_FALSE(e.r.text_note.empty()) << in;
  }
  // Damaged deflate data behind an intact central directory: whatever parts still inflate.
  std::string damaged = whole;
  for (std::size_t i = damaged.size() / 4; i < damaged.size() / 2; i += 7) damaged[i] = static_cast<char>(i);
  const std::string bad = dir.file("damaged.docx");
  test::write_file(bad, damaged);
  const Extracted e = original_text(bad, "office", dir);
  EXPECT_TRUE(valid_utf8(e.text));
  EXPECT_FALSE(e.r.text_note.empty());
}

TEST(SanitizeExtractText, BrokenPdfGivesNoTextAndANote) {
  TempDir dir;
  const std::string in = dir.file("broken.pdf");
  test::write_file(in, "%PDF-1.7\n" + repeat("1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\n", 1000));
  const Extracted e = original_text(in, "pdf", dir);
  EXPECT_EQ(e.r.text, "");
  EXPECT_FALSE(e.r.text_note.empty());
  const std::string whole = test::read_file(text_fixture("notice-ja.pdf"));
  test::write_file(in, whole.substr(0, whole.size() / 3));
  EXPECT_EQ(original_text(in, "pdf", dir).text.find('\0'), std::string::npos);
}

TEST(SanitizeExtractText, APassedDeadlineStopsBeforeReading) {
  TempDir dir;
  const auto past = Clock::now() - std::chrono::seconds(1);
  const Extracted pdf = original_text(text_fixture("notice-ja.pdf"), "pdf", dir, past);
  EXPECT_EQ(pdf.r.text, "");
  EXPECT_TRUE(has(pdf.r.text_note, "out of time")) << pdf.r.text_note;
  const Extracted word = original_text(text_fixture("minutes-ja.docx"), "office", dir, past);
  EXPECT_EQ(word.r.text, "");
  EXPECT_TRUE(has(word.r.text_note, "out of time")) << word.r.text_note;
}

TEST(SanitizeExtractText, CleanTextKeepsValidUtf8WithinTheLimit) {
  using namespace std::literals;
  EXPECT_EQ(text::clean_text("a\r\nb\rc\0d\x7f" "e\xC2\x85" "f"sv, 100), "a\nb\nc d e f");
  EXPECT_EQ(text::clean_text("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80", 100),
            repeat("\xEF\xBF\xBD", 9));  // overlong, surrogate, over U+10FFFF: each byte
  EXPECT_EQ(text::clean_text("会議室", 8), "会議");  // not half of 室
  EXPECT_EQ(text::clean_text("\xFF", 2), "");      // U+FFFD does not fit
}

}  // namespace
}  // namespace tonari::sanitize
