// Images: every image fixture gives the outcome its README states, checked with exiftool;
// plus variants made here (an EXIF-rotated JPEG, a PNG with text chunks, a large image
// for the thumbnail).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <vips/vips.h>

#include <cstdint>
#include <cstring>

#include "checks.h"
#include "sanitize/runtime.h"
#include "sanitize/sanitize.h"

namespace tonari::sanitize {
namespace {

using test::TempDir;
using namespace std::string_literals;

void expect_no_metadata(const std::string& path) {
  EXPECT_EQ(test::metadata_tags(path), std::vector<std::string>{}) << path;
}

void expect_thumbnail(const Result& r, int max_side = 480) {
  ASSERT_FALSE(r.thumbnail.empty());
  const auto [w, h] = test::image_size(r.thumbnail);
  EXPECT_GT(w, 0);
  EXPECT_LE(std::max(w, h), max_side);
  EXPECT_EQ(test::exif_tags(r.thumbnail).at("File:MIMEType").as_string(), "image/jpeg");
  expect_no_metadata(r.thumbnail);
}

// A pixel of an image file, read with vips (the sanitizer's own library: used here only to
// look at pixels, never to judge metadata).
std::vector<double> pixel(const std::string& path, int x, int y) {
  VipsImage* img = vips_image_new_from_file(path.c_str(), nullptr);
  if (!img) return {};
  double* values = nullptr;
  int n = 0;
  std::vector<double> out;
  if (vips_getpoint(img, &values, &n, x, y, nullptr) == 0) out.assign(values, values + n);
  g_free(values);
  g_object_unref(img);
  return out;
}

bool same_pixels(const std::string& a, const std::string& b) {
  VipsImage* x = vips_image_new_from_file(a.c_str(), nullptr);
  VipsImage* y = vips_image_new_from_file(b.c_str(), nullptr);
  VipsImage *diff = nullptr, *abs = nullptr;
  double max = 1;
  const bool ok = x && y && x->Xsize == y->Xsize && x->Ysize == y->Ysize && x->Bands == y->Bands &&
                  vips_subtract(x, y, &diff, nullptr) == 0 && vips_abs(diff, &abs, nullptr) == 0 &&
                  vips_max(abs, &max, nullptr) == 0;
  for (VipsImage* img : {x, y, diff, abs})
    if (img) g_object_unref(img);
  return ok && max == 0;
}

double exif_number(const std::string& path, const char* key) { return test::exif_tags(path).at(key).to_number<double>(); }

TEST(SanitizeImage, PhotoJpegLosesEveryMetadataAndKeepsItsSize) {
  TempDir dir;
  const std::string in = test::fixture("photo.jpg");
  ASSERT_FALSE(test::metadata_tags(in).empty());  // the fixture has what we remove
  const Result r = sanitize_file(test::job(in, "photo.jpg", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.detected_type, "image/jpeg");
  EXPECT_EQ(r.family, "image");
  EXPECT_EQ(r.output_type, "image/jpeg");
  EXPECT_EQ(r.output_name, "photo.jpg");
  EXPECT_EQ(test::exif_tags(r.output).at("File:MIMEType").as_string(), "image/jpeg");
  EXPECT_EQ(test::image_size(r.output), (std::pair{320, 240}));
  EXPECT_EQ(r.width, 320);
  EXPECT_EQ(r.height, 240);
  expect_no_metadata(r.output);
  const std::string bytes = test::read_file(r.output);
  for (const char* leak : {"Tanaka", "secret comment", "Testcam", "Exif"}) EXPECT_EQ(bytes.find(leak), std::string::npos) << leak;
  EXPECT_FALSE(r.lat.has_value());  // GPS is dropped unless the policy keeps it
  expect_thumbnail(r);
}

TEST(SanitizeImage, KeepGpsReportsThePositionButNeverWritesIt) {
  TempDir dir;
  for (const char* name : {"photo.jpg", "photo-gps.heic"}) {
    const std::string in = test::fixture(name);
    Policy keep;
    keep.keep_gps = true;
    const Result r = sanitize_file(test::job(in, name, dir, keep));
    ASSERT_EQ(r.outcome, Outcome::sanitized) << name << ": " << r.detail;
    ASSERT_TRUE(r.lat && r.lon) << name;
    EXPECT_NEAR(*r.lat, exif_number(in, "Composite:GPSLatitude"), 1e-4) << name;
    EXPECT_NEAR(*r.lon, exif_number(in, "Composite:GPSLongitude"), 1e-4) << name;
    expect_no_metadata(r.output);
  }
}

TEST(SanitizeImage, CleanPngKeepsItsPixels) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("clean.png"), "clean.png", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.output_type, "image/png");
  EXPECT_EQ(test::exif_tags(r.output).at("File:MIMEType").as_string(), "image/png");
  EXPECT_EQ(test::image_size(r.output), (std::pair{64, 64}));
  EXPECT_TRUE(same_pixels(test::fixture("clean.png"), r.output));
  expect_no_metadata(r.output);
  expect_thumbnail(r);
}

TEST(SanitizeImage, PolyglotPngLosesTheAppendedZip) {
  TempDir dir;
  const std::string in = test::fixture("polyglot.png");
  // The fixture is also a ZIP (unzip warns of the PNG before it: status 1).
  ASSERT_NE(test::run({"unzip", "-l", in}).out.find("p.txt"), std::string::npos);
  const Result r = sanitize_file(test::job(in, "polyglot.png", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.output_type, "image/png");
  const test::Run listing = test::run({"unzip", "-l", r.output});
  EXPECT_TRUE(listing.exited(9)) << listing.out;  // "not a zipfile"
  EXPECT_EQ(listing.out.find("p.txt"), std::string::npos);
  EXPECT_EQ(test::read_file(r.output).find("PK"), std::string::npos);
  EXPECT_TRUE(same_pixels(in, r.output));
}

TEST(SanitizeImage, PixelFloodIsRefusedFromTheHeader) {
  TempDir dir;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const Result r = sanitize_file(test::job(test::fixture("pixel-flood.png"), "pixel-flood.png", dir));
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "pixel_limit");
  EXPECT_TRUE(r.output.empty());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{});
  // 50000x50000 RGB would be 7.5 GB decoded; the peak grew by less than 64 MB.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024);
}

TEST(SanitizeImage, WebpLosesExifAndXmpChunks) {
  TempDir dir;
  const std::string in = test::fixture("meta.webp");
  const Result r = sanitize_file(test::job(in, "meta.webp", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.output_type, "image/webp");
  EXPECT_EQ(test::image_size(r.output), (std::pair{64, 48}));
  expect_no_metadata(r.output);
  const std::string bytes = test::read_file(r.output);
  for (const char* chunk : {"EXIF", "XMP ", "ICCP", "Sato"}) EXPECT_EQ(bytes.find(chunk), std::string::npos) << chunk;
}

TEST(SanitizeImage, GifLosesCommentAndXmpExtensions) {
  TempDir dir;
  const std::string in = test::fixture("meta.gif");
  const Result r = sanitize_file(test::job(in, "meta.gif", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.output_type, "image/gif");
  EXPECT_EQ(test::image_size(r.output), (std::pair{32, 32}));
  expect_no_metadata(r.output);
  const std::string bytes = test::read_file(r.output);
  EXPECT_EQ(bytes.find("XMP"), std::string::npos);
  EXPECT_EQ(bytes.find("\x21\xfe"), std::string::npos);  // a comment extension
}

TEST(SanitizeImage, HeicBecomesAJpegWithoutExif) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("photo-gps.heic"), "photo-gps.heic", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.detected_type, "image/heic");
  EXPECT_EQ(r.output_type, "image/jpeg");
  EXPECT_EQ(r.output_name, "photo-gps.jpg");
  EXPECT_EQ(test::exif_tags(r.output).at("File:MIMEType").as_string(), "image/jpeg");
  EXPECT_EQ(test::image_size(r.output), (std::pair{320, 240}));
  expect_no_metadata(r.output);
  EXPECT_EQ(test::read_file(r.output).find("Apple"), std::string::npos);
  expect_thumbnail(r);
}

TEST(SanitizeImage, TruncatedJpegIsWithheldAndLeavesNoFile) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("truncated.jpg"), "truncated.jpg", dir));
  EXPECT_EQ(r.outcome, Outcome::withheld);
  EXPECT_EQ(r.reason, "corrupt");
  EXPECT_TRUE(r.output.empty());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{});
}

TEST(SanitizeImage, SvgIsRasterizedToPngWithoutItsScripts) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("script.svg"), "script.svg", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.detected_type, "image/svg+xml");
  EXPECT_EQ(r.output_type, "image/png");
  EXPECT_EQ(r.output_name, "script.png");
  EXPECT_EQ(test::exif_tags(r.output).at("File:MIMEType").as_string(), "image/png");
  EXPECT_EQ(test::image_size(r.output), (std::pair{100, 100}));
  const std::string bytes = test::read_file(r.output);
  for (const char* s : {"script", "onload", "evil", "svg"}) EXPECT_EQ(bytes.find(s), std::string::npos) << s;
  const auto centre = pixel(r.output, 50, 50);  // the red circle was drawn
  ASSERT_GE(centre.size(), 3u);
  EXPECT_GT(centre[0], 200);
  EXPECT_LT(centre[1], 50);
}

// Orientation 6: the stored picture is shown turned 90° clockwise. A white square at the
// stored top-left must end at the top-right, and the tag must be gone.
TEST(SanitizeImage, ExifRotatedJpegIsTurnedUpright) {
  ASSERT_TRUE(init_runtime(nullptr));
  TempDir dir;
  const std::string in = dir.file("rotated.jpg");
  {
    VipsImage *black = nullptr, *square = nullptr, *white = nullptr, *both = nullptr, *out = nullptr;
    ASSERT_EQ(vips_black(&black, 64, 32, "bands", 3, nullptr), 0);
    ASSERT_EQ(vips_black(&square, 16, 16, "bands", 3, nullptr), 0);
    ASSERT_EQ(vips_linear1(square, &white, 1, 255, nullptr), 0);
    ASSERT_EQ(vips_insert(black, white, &both, 0, 0, nullptr), 0);
    ASSERT_EQ(vips_cast_uchar(both, &out, nullptr), 0);
    ASSERT_EQ(vips_jpegsave(out, in.c_str(), "Q", 95, nullptr), 0);
    for (VipsImage* img : {black, square, white, both, out}) g_object_unref(img);
  }
  ASSERT_TRUE(test::run({"exiftool", "-q", "-overwrite_original", "-Orientation#=6", "-Artist=Rotated Person", in})
                  .exited(0));
  ASSERT_EQ(test::exif_tags(in).at("EXIF:Orientation").to_number<int>(), 6);
  TempDir out;
  const Result r = sanitize_file(test::job(in, "rotated.jpg", out));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(test::image_size(r.output), (std::pair{32, 64}));
  EXPECT_EQ(r.width, 32);
  EXPECT_EQ(r.height, 64);
  EXPECT_FALSE(test::exif_tags(r.output).contains("EXIF:Orientation"));
  expect_no_metadata(r.output);
  EXPECT_GT(pixel(r.output, 28, 4).at(0), 200);  // top-right: the white square
  EXPECT_LT(pixel(r.output, 4, 4).at(0), 50);    // top-left: black
  EXPECT_EQ(test::image_size(r.thumbnail), (std::pair{32, 64}));
}

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t c = 0xffffffff;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320 & (0 - (c & 1)));
  }
  return c ^ 0xffffffff;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

TEST(SanitizeImage, PngTextChunksAreDropped) {
  TempDir dir;
  std::string png = test::read_file(test::fixture("clean.png"));
  const std::size_t after_ihdr = 8 + 8 + 13 + 4;
  png.insert(after_ihdr, png_chunk("tEXt", "Comment\0tonari-marker-text"s) +
                             png_chunk("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>tonari-marker-xmp</x:xmpmeta>"s));
  const std::string in = dir.file("text.png");
  test::write_file(in, png);
  ASSERT_FALSE(test::metadata_tags(in).empty());
  TempDir out;
  const Result r = sanitize_file(test::job(in, "text.png", out));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  expect_no_metadata(r.output);
  EXPECT_EQ(test::read_file(r.output).find("tonari-marker"), std::string::npos);
  EXPECT_TRUE(same_pixels(test::fixture("clean.png"), r.output));
}

TEST(SanitizeImage, ThumbnailOfALargeImageIs480OnItsLongSide) {
  ASSERT_TRUE(init_runtime(nullptr));
  TempDir dir;
  const std::string in = dir.file("wide.png");
  {
    VipsImage *noise = nullptr, *out = nullptr;
    ASSERT_EQ(vips_gaussnoise(&noise, 1000, 600, nullptr), 0);
    ASSERT_EQ(vips_cast_uchar(noise, &out, nullptr), 0);
    ASSERT_EQ(vips_pngsave(out, in.c_str(), nullptr), 0);
    g_object_unref(out);
    g_object_unref(noise);
  }
  TempDir out;
  const Result r = sanitize_file(test::job(in, "wide.png", out));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(test::image_size(r.thumbnail), (std::pair{480, 288}));
  expect_thumbnail(r);
}

TEST(SanitizeImage, AnimatedGifKeepsItsFrames) {
  ASSERT_TRUE(init_runtime(nullptr));
  TempDir dir;
  const std::string in = dir.file("anim.gif");
  {
    VipsImage *black = nullptr, *out = nullptr;
    ASSERT_EQ(vips_black(&black, 32, 96, "bands", 3, nullptr), 0);
    ASSERT_EQ(vips_cast_uchar(black, &out, nullptr), 0);
    ASSERT_EQ(vips_gifsave(out, in.c_str(), "page_height", 32, nullptr), 0);
    g_object_unref(out);
    g_object_unref(black);
  }
  ASSERT_EQ(test::exif_tags(in).at("GIF:FrameCount").to_number<int>(), 3);
  TempDir out;
  const Result r = sanitize_file(test::job(in, "anim.gif", out));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(test::exif_tags(r.output).at("GIF:FrameCount").to_number<int>(), 3);
  EXPECT_EQ(test::image_size(r.output), (std::pair{32, 32}));
  EXPECT_EQ(r.height, 32);
  expect_thumbnail(r);
}

TEST(SanitizeImage, AnImageNamedForAnotherImageTypeIsRenamed) {
  TempDir dir;
  const Result r = sanitize_file(test::job(test::fixture("clean.png"), "screenshot.jpg", dir));
  ASSERT_EQ(r.outcome, Outcome::sanitized) << r.detail;
  EXPECT_EQ(r.output_type, "image/png");
  EXPECT_EQ(r.output_name, "screenshot.png");
}

}  // namespace
}  // namespace tonari::sanitize
