// PDF: the fixtures and variants written here (obfuscated names, JavaScript inside an
// object stream, actions on links, annotations and outlines, encryption, damage) are
// rewritten with no active content left, checked with qpdf --check, a scan of every name
// in qpdf's QDF output, pdftotext and the file's own cross-reference structure.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "checks.h"
#include "sanitize/sanitize.h"

namespace tonari::sanitize {
namespace {

using test::TempDir;

// What every rewritten PDF must be: valid for qpdf, one cross-reference section and no
// incremental update, no active content anywhere, page text intact.
void expect_rewritten(const Result& r, const std::string& text) {
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.detected_type, "application/pdf");
  EXPECT_EQ(r.family, "pdf");
  EXPECT_EQ(r.output_type, "application/pdf");
  const test::Run check = test::run({"qpdf", "--check", r.output});
  EXPECT_TRUE(check.exited(0)) << check.out << check.err;
  const std::string bytes = test::read_file(r.output);
  EXPECT_EQ(test::count(bytes, "startxref"), 1u);
  EXPECT_EQ(test::count(bytes, "\nxref\n"), 1u);
  EXPECT_EQ(bytes.find("/Prev"), std::string::npos);
  EXPECT_EQ(test::active_pdf_names(r.output), std::vector<std::string>{});
  if (!text.empty()) {
    EXPECT_NE(test::run({"pdftotext", r.output, "-"}).out.find(text), std::string::npos);
  }
}

Result sanitize_pdf_file(const std::string& in, const TempDir& out, Level level = Level::rebuild) {
  Policy policy;
  policy.pdf = level;
  return sanitize_file(test::job(in, "document.pdf", out, policy));
}

TEST(SanitizePdf, CleanPdfIsRewrittenWithItsText) {
  TempDir dir;
  const Result r = sanitize_pdf_file(test::fixture("clean.pdf"), dir);
  expect_rewritten(r, "Reiki shinsa kai agenda");
  EXPECT_EQ(r.pages, 1);
  EXPECT_EQ(r.width, 612);
  EXPECT_EQ(r.height, 792);
  EXPECT_EQ(r.output_name, "document.pdf");
  ASSERT_FALSE(r.thumbnail.empty());
  const auto [w, h] = test::image_size(r.thumbnail);
  EXPECT_EQ(h, 480);
  EXPECT_NEAR(w, 480 * 612 / 792, 2);
  EXPECT_EQ(test::metadata_tags(r.thumbnail), std::vector<std::string>{});
}

TEST(SanitizePdf, AgendaWithJavaScriptLosesEveryActiveEntry) {
  TempDir dir;
  const std::string in = test::fixture("agenda-with-js.pdf");
  ASSERT_FALSE(test::active_pdf_names(in).empty());
  const Result r = sanitize_pdf_file(in, dir);
  expect_rewritten(r, "Reiki shinsa kai agenda");
  const std::string bytes = test::read_file(r.output);
  EXPECT_EQ(bytes.find("MZ fake executable"), std::string::npos);
  const auto names = test::pdf_names(r.output);
  EXPECT_NE(std::find(names.begin(), names.end(), "URI"), names.end());  // the link stays
}

TEST(SanitizePdf, IncrementalUpdateIsFlattenedWithoutItsScript) {
  TempDir dir;
  const std::string in = test::fixture("incremental-js.pdf");
  ASSERT_EQ(test::count(test::read_file(in), "startxref"), 2u);
  const Result r = sanitize_pdf_file(in, dir);
  expect_rewritten(r, "Budget hearing schedule");
  EXPECT_EQ(test::read_file(r.output).find("submitForm"), std::string::npos);
}

// #xx escapes: /J#61vaScript is /JavaScript, /O#70enAction /OpenAction, /#41#41 /AA.
TEST(SanitizePdf, ObfuscatedNamesAreRecognised) {
  TempDir dir;
  const std::string in = dir.file("obfuscated.pdf");
  test::write_file(in, test::make_pdf({
      "<< /Type /Catalog /Pages 2 0 R /O#70enAction 5 0 R /Names << /J#61vaScript << /Names [(x) 5 0 R] >> >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /#41#41 << /O 6 0 R >>"
      " /Resources << /Font << /F1 7 0 R >> >> >>",
      test::pdf_stream("BT /F1 12 Tf 20 100 Td (Obfuscated memo) Tj ET"),
      "<< /S /J#61vaScript /J#53 (app.alert\\('obf'\\);) >>",
      "<< /S /L#61unch /F (calc.exe) >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  }));
  const auto before = test::active_pdf_names(in);
  ASSERT_NE(std::find(before.begin(), before.end(), "JavaScript"), before.end());
  ASSERT_NE(std::find(before.begin(), before.end(), "OpenAction"), before.end());
  const Result r = sanitize_pdf_file(in, dir);
  expect_rewritten(r, "Obfuscated memo");
  EXPECT_EQ(test::read_file(r.output).find("alert"), std::string::npos);
}

// Objects inside a compressed object stream are invisible to a byte scan of the input.
TEST(SanitizePdf, JavaScriptInsideAnObjectStreamIsRemoved) {
  TempDir dir;
  const std::string plain = dir.file("plain.pdf"), packed = dir.file("packed.pdf");
  test::write_file(plain, test::make_pdf({
      "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /JavaScript << /Names [(x) 5 0 R] >> >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
      test::pdf_stream("BT /F1 12 Tf 20 100 Td (Packed minutes) Tj ET"),
      "<< /Type /Action /S /JavaScript /JS (app.alert\\('packed'\\);) >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  }));
  ASSERT_TRUE(test::run({"qpdf", "--object-streams=generate", plain, packed}).exited(0));
  const std::string raw = test::read_file(packed);
  ASSERT_EQ(raw.find("JavaScript"), std::string::npos);  // hidden in the compressed stream
  ASSERT_NE(raw.find("/ObjStm"), std::string::npos);
  TempDir out;
  const Result r = sanitize_pdf_file(packed, out);
  expect_rewritten(r, "Packed minutes");
  EXPECT_EQ(test::read_file(r.output).find("/ObjStm"), std::string::npos);
}

// Actions hide in many places: a link's /A, a chain's /Next, an outline item, a form
// field's /AA, annotations carrying files or media, URI links to a UNC path or javascript:.
// The https link is the one that stays.
TEST(SanitizePdf, ActionsOnLinksOutlinesAndAnnotationsAreRemoved) {
  TempDir dir;
  const std::string in = dir.file("actions.pdf");
  test::write_file(in, test::make_pdf({
      "<< /Type /Catalog /Pages 2 0 R /Outlines 9 0 R /AcroForm << /Fields [8 0 R] /XFA 12 0 R >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R"
      " /Resources << /Font << /F1 11 0 R >> >> /Annots [5 0 R 6 0 R 7 0 R 8 0 R 14 0 R 15 0 R] >>",
      test::pdf_stream("BT /F1 12 Tf 20 100 Td (Links and forms) Tj ET"),
      "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (cmd.exe) >> >>",
      "<< /Type /Annot /Subtype /Link /Rect [10 0 20 10] /A << /S /URI /URI (https://example.jp/)"
      " /Next << /S /SubmitForm /F (https://evil.example/) >> >> >>",
      "<< /Type /Annot /Subtype /FileAttachment /Rect [20 0 30 10] /FS << /Type /Filespec /F (a.exe)"
      " /EF << /F 13 0 R >> >> >>",
      "<< /Type /Annot /Subtype /Widget /FT /Btn /T (ok) /Rect [30 0 40 10]"
      " /AA << /U << /S /JavaScript /JS (app.alert\\(1\\)) >> >> >>",
      "<< /Type /Outlines /First 10 0 R /Last 10 0 R /Count 1 >>",
      "<< /Title (Open) /Parent 9 0 R /A << /S /GoToR /F (other.pdf) /D [0 /Fit] >> >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      test::pdf_stream("<xdp:xdp>"),
      test::pdf_stream("MZpayld", "/Type /EmbeddedFile"),
      "<< /Type /Annot /Subtype /Link /Rect [40 0 50 10] /A << /S /URI /URI (\\\\\\\\fileserver\\\\share) >> >>",  // \\fileserver\share
      "<< /Type /Annot /Subtype /Link /Rect [50 0 60 10] /A << /S /URI /URI (JavaScript:alert(2)) >> >>",
  }));
  const Result r = sanitize_pdf_file(in, dir);
  expect_rewritten(r, "Links and forms");
  const auto names = test::pdf_names(r.output);
  EXPECT_NE(std::find(names.begin(), names.end(), "URI"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "Next"), names.end());
  const std::string qdf = test::run({"qpdf", "--qdf", "--object-streams=disable", r.output, "-"}).out;
  EXPECT_NE(qdf.find("https://example.jp/"), std::string::npos);
  for (const char* gone : {"cmd.exe", "evil.example", "a.exe", "other.pdf", "xdp", "MZpayld", "fileserver", "alert"})
    EXPECT_EQ(qdf.find(gone), std::string::npos) << gone;
}

TEST(SanitizePdf, EncryptedPdfIsWithheld) {
  TempDir dir;
  const std::string with_password = dir.file("locked.pdf"), owner_only = dir.file("owner.pdf");
  ASSERT_TRUE(test::run({"qpdf", "--encrypt", "user", "owner", "256", "--", test::fixture("clean.pdf"), with_password})
                  .exited(0));
  ASSERT_TRUE(test::run({"qpdf", "--encrypt", "", "owner", "256", "--", test::fixture("clean.pdf"), owner_only})
                  .exited(0));
  for (const auto& in : {with_password, owner_only}) {
    TempDir out;
    const Result r = sanitize_pdf_file(in, out);
    EXPECT_EQ(r.outcome, Outcome::withheld) << in;
    EXPECT_EQ(r.reason, "encrypted") << in;
    EXPECT_EQ(out.entries(), std::vector<std::string>{}) << in;
  }
}

TEST(SanitizePdf, UnparsablePdfIsWithheldAsCorrupt) {
  TempDir dir;
  const std::string in = dir.file("broken.pdf");
  test::write_file(in, "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage garbage\n%%EOF\n");
  TempDir out;
  const Result r = sanitize_pdf_file(in, out);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "corrupt") << r.detail;
  EXPECT_EQ(out.entries(), std::vector<std::string>{});
}

TEST(SanitizePdf, PagesOverTheLimitAreWithheld) {
  TempDir dir;
  Job j = test::job(test::fixture("clean.pdf"), "clean.pdf", dir);
  j.limits.max_pages = 0;
  const Result r = sanitize_file(j);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{});
}

// 画像化: only one JPEG image per page, no text, no fonts, nothing active.
TEST(SanitizePdf, RasterizeLeavesOnlyPageImages) {
  TempDir dir;
  const Result r = sanitize_pdf_file(test::fixture("agenda-with-js.pdf"), dir, Level::rasterize);
  expect_rewritten(r, "");
  EXPECT_EQ(r.pages, 1);
  const std::string images = test::run({"pdfimages", "-list", r.output}).out;
  EXPECT_NE(images.find("jpeg"), std::string::npos) << images;
  EXPECT_EQ(test::count(images, "\n"), 3u) << images;  // two heading lines, one image
  EXPECT_EQ(test::count(test::run({"pdffonts", r.output}).out, "\n"), 2u);  // heading only
  const std::string text = test::run({"pdftotext", r.output, "-"}).out;
  EXPECT_EQ(text.find("agenda"), std::string::npos);
  const auto names = test::pdf_names(r.output);
  for (const char* gone : {"URI", "Annots", "Font"})
    EXPECT_EQ(std::find(names.begin(), names.end(), gone), names.end()) << gone;
  // The page keeps its size: 612x792 points.
  EXPECT_NE(test::run({"pdfinfo", r.output}).out.find("612 x 792"), std::string::npos);
  std::vector<std::string> left = dir.entries();
  // The PDF, its thumbnail and the rebuilt file whose text extract_text() reads (it removes
  // it then); no page images.
  EXPECT_EQ(left.size(), 3u);
  EXPECT_FALSE(r.text_source.empty());
  EXPECT_TRUE(std::filesystem::exists(r.text_source));
}

}  // namespace
}  // namespace tonari::sanitize
