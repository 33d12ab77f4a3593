// Images: the header is read first and a picture over limits.max_pixels refused before a
// pixel is decoded; then the whole image is decoded (a decoding error, a truncated file
// included, is "corrupt": no half picture is ever delivered), turned upright by its EXIF
// orientation, converted to sRGB if it carries an ICC profile, and encoded anew with no
// metadata at all (vips "strip": no EXIF, XMP, IPTC, ICC profile or comment). Nothing of
// the original file is copied, so appended data (a ZIP after a PNG) goes too.
//   JPEG -> JPEG, PNG -> PNG (lossless: same pixels), GIF -> GIF (cgif, animation kept),
//   WebP -> WebP, HEIC -> JPEG, SVG -> PNG.
// SVG is rasterized by librsvg from memory: librsvg runs no script and, without a base
// location, loads no external file or URL; the PNG holds only the pixels it drew.
#include <libexif/exif-data.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "sanitize/detect.h"
#include "sanitize/outcomes.h"
#include "sanitize/sanitize.h"
#include "sanitize/vips_util.h"

namespace tonari::sanitize {
namespace {

constexpr int kJpegQuality = 85;
constexpr int kWebpQuality = 85;

enum class Format { jpeg, png, gif, webp, heic, svg };

struct Source {
  Format format;
  std::string path;
  std::string svg;  // the SVG's bytes (loaded from memory)
};

struct Target {
  const char* suffix;
  const char* type;
};

Target target_of(Format f) {
  switch (f) {
    case Format::png: case Format::svg: return {".png", "image/png"};
    case Format::gif: return {".gif", "image/gif"};
    case Format::webp: return {".webp", "image/webp"};
    case Format::jpeg: case Format::heic: break;
  }
  return {".jpg", "image/jpeg"};
}

std::optional<Format> format_of(const std::string& type) {
  if (type == "image/jpeg") return Format::jpeg;
  if (type == "image/png") return Format::png;
  if (type == "image/gif") return Format::gif;
  if (type == "image/webp") return Format::webp;
  if (type == "image/heic" || type == "image/heif") return Format::heic;
  if (type == "image/svg+xml") return Format::svg;
  return std::nullopt;
}

// Each format through its own loader, never vips' guess. Lazy: this reads the header;
// pixels are decoded when the image is written. fail_on ERROR: a decoding error or a
// truncated file fails the write instead of leaving grey rows.
VImage load(const Source& s, VipsAccess access) {
  VipsImage* out = nullptr;
  const char* p = s.path.c_str();
  const auto fail = VIPS_FAIL_ON_ERROR;
  int rc = -1;
  switch (s.format) {
    case Format::jpeg: rc = vips_jpegload(p, &out, "access", access, "fail_on", fail, nullptr); break;
    case Format::png: rc = vips_pngload(p, &out, "access", access, "fail_on", fail, nullptr); break;
    case Format::gif: rc = vips_gifload(p, &out, "n", -1, "access", access, "fail_on", fail, nullptr); break;
    case Format::webp: rc = vips_webpload(p, &out, "n", -1, "access", access, "fail_on", fail, nullptr); break;
    case Format::heic: rc = vips_heifload(p, &out, "access", access, "fail_on", fail, nullptr); break;
    case Format::svg:
      rc = vips_svgload_buffer(const_cast<char*>(s.svg.data()), s.svg.size(), &out, "access", access,
                               "fail_on", fail, nullptr);
      break;
  }
  return VImage(rc == 0 ? out : nullptr);
}

// EXIF GPS position (IFD GPS: LatitudeRef, Latitude, LongitudeRef, Longitude), degrees.
std::optional<std::pair<double, double>> gps_of(VipsImage* img) {
  const void* blob = nullptr;
  size_t len = 0;
  if (vips_image_get_typeof(img, VIPS_META_EXIF_NAME) == 0 ||
      vips_image_get_blob(img, VIPS_META_EXIF_NAME, &blob, &len) != 0)
    return std::nullopt;
  // libexif wants the "Exif\0\0" header of a JPEG APP1; HEIF's Exif item (as vips hands
  // it on) starts at the TIFF header.
  std::string data(static_cast<const char*>(blob), len);
  if (data.rfind("MM", 0) == 0 || data.rfind("II", 0) == 0) data.insert(0, std::string("Exif\0\0", 6));
  ExifData* ed = exif_data_new_from_data(reinterpret_cast<const unsigned char*>(data.data()),
                                         static_cast<unsigned>(data.size()));
  if (!ed) return std::nullopt;
  const ExifByteOrder order = exif_data_get_byte_order(ed);
  ExifContent* gps = ed->ifd[EXIF_IFD_GPS];
  auto degrees = [&](int tag, int ref_tag, char negative) -> std::optional<double> {
    ExifEntry* e = exif_content_get_entry(gps, static_cast<ExifTag>(tag));
    ExifEntry* ref = exif_content_get_entry(gps, static_cast<ExifTag>(ref_tag));
    if (!e || e->format != EXIF_FORMAT_RATIONAL || e->components != 3 || e->size < 24) return std::nullopt;
    double v = 0, scale = 1;
    for (int i = 0; i < 3; ++i, scale *= 60) {
      const ExifRational r = exif_get_rational(e->data + 8 * i, order);
      if (r.denominator == 0) return std::nullopt;
      v += static_cast<double>(r.numerator) / r.denominator / scale;
    }
    if (ref && ref->format == EXIF_FORMAT_ASCII && ref->size >= 1 && ref->data[0] == negative) v = -v;
    return v;
  };
  std::optional<std::pair<double, double>> pos;
  if (gps) {
    const auto lat = degrees(EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, 'S');
    const auto lon = degrees(EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, 'W');
    // Seven decimals: about a centimetre, and no binary noise (35.689499999999995).
    auto round7 = [](double v) { return std::round(v * 1e7) / 1e7; };
    if (lat && lon && std::abs(*lat) <= 90 && std::abs(*lon) <= 180) pos = std::pair{round7(*lat), round7(*lon)};
  }
  exif_data_unref(ed);
  return pos;
}

// A new header without any metadata field but the animation's (page height, frame
// delays, loop count). Savers are also told to strip; this does not rely on each saver
// honouring that (vips 8.14's webpsave writes EXIF and XMP despite "strip").
VImage without_metadata(VipsImage* in) {
  VipsImage* out = nullptr;
  if (vips_copy(in, &out, nullptr) != 0) return nullptr;
  VImage copy(out);
  gchar** fields = vips_image_get_fields(copy.get());
  for (gchar** f = fields; *f; ++f) {
    const std::string name = *f;
    if (name != "page-height" && name != "delay" && name != "loop" && name != "gif-delay" && name != "gif-loop")
      vips_image_remove(copy.get(), *f);
  }
  g_strfreev(fields);
  return copy;
}

// Upright, sRGB (when a profile says otherwise), and ready for the target format.
VImage prepare(VImage img, Format format) {
  VipsImage* out = nullptr;
  // HEIF's own transforms (irot, imir) are applied by libheif as it decodes; an EXIF
  // orientation there only describes them and must not turn the picture again.
  const int orientation = format == Format::heic ? 1 : vips_image_get_orientation(img.get());
  if (orientation > 1 && orientation <= 8 && vips_image_get_n_pages(img.get()) == 1) {
    if (vips_autorot(img.get(), &out, nullptr) != 0) return nullptr;
    img.reset(out);
  }
  // Stripping drops the profile, so colours are converted to what it meant first. A
  // profile that lcms cannot use is ignored (the pixels stay as they are).
  if (vips_image_get_typeof(img.get(), VIPS_META_ICC_NAME) != 0) {
    if (vips_icc_transform(img.get(), &out, "srgb", "embedded", TRUE, nullptr) == 0)
      img.reset(out);
    else
      vips_error_clear();
  }
  if (target_of(format).type == std::string("image/jpeg")) img = to_srgb_opaque(img.get());
  return img ? without_metadata(img.get()) : nullptr;
}

// vips 8.14's webpsave writes an EXIF chunk (and XMP, ICC) even with "strip". The file is
// rewritten keeping only the chunks that hold pictures: VP8X (its ICC/EXIF/XMP flags
// cleared), VP8, VP8L, ALPH, ANIM, ANMF.
bool keep_webp_image_chunks(const std::string& path) {
  std::string in;
  {
    std::ifstream f(path, std::ios::binary);
    in.assign(std::istreambuf_iterator<char>(f), {});
  }
  auto le32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(in[at + i]);
    return v;
  };
  auto put_le32 = [](std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i) & 0xff);
  };
  if (in.size() < 12 || in.compare(0, 4, "RIFF") != 0 || in.compare(8, 4, "WEBP") != 0) return false;
  std::string out = in.substr(0, 12);
  for (std::size_t at = 12; at + 8 <= in.size();) {
    const std::string fourcc = in.substr(at, 4);
    const std::size_t size = le32(at + 4), padded = size + (size & 1);
    if (at + 8 + size > in.size()) return false;
    if (fourcc == "VP8X" || fourcc == "VP8 " || fourcc == "VP8L" || fourcc == "ALPH" || fourcc == "ANIM" ||
        fourcc == "ANMF") {
      const std::size_t start = out.size();
      out.append(in, at, std::min(8 + padded, in.size() - at));
      if (fourcc == "VP8X" && size >= 1) out[start + 8] = static_cast<char>(out[start + 8] & ~(0x20 | 0x08 | 0x04));
    }
    at += 8 + padded;
  }
  put_le32(out, 4, static_cast<std::uint32_t>(out.size() - 8));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  return static_cast<bool>(f.flush());
}

bool save(VipsImage* img, Format format, const std::string& path) {
  const char* p = path.c_str();
  switch (format) {
    case Format::png: case Format::svg:
      return vips_pngsave(img, p, "strip", TRUE, "compression", 6, nullptr) == 0;
    case Format::gif: return vips_gifsave(img, p, "strip", TRUE, nullptr) == 0;
    case Format::webp:
      return vips_webpsave(img, p, "strip", TRUE, "Q", kWebpQuality, nullptr) == 0 && keep_webp_image_chunks(path);
    case Format::jpeg: case Format::heic: break;
  }
  // No optimize_coding: its second pass doubles time and memory for a 12-megapixel photo
  // to save a few per cent of the file.
  return vips_jpegsave(img, p, "strip", TRUE, "Q", kJpegQuality, nullptr) == 0;
}

}  // namespace

Result sanitize_image(const Job& job, const std::string& detected_type) {
  vips_error_clear();
  const auto format = format_of(detected_type);
  if (!format) return withheld("unsupported_type", "no image sanitizer for " + detected_type);
  Source src{*format, job.in, {}};
  if (*format == Format::svg) {
    std::ifstream f(job.in, std::ios::binary);
    src.svg.assign(std::istreambuf_iterator<char>(f), {});
  }

  VImage header = load(src, VIPS_ACCESS_SEQUENTIAL);
  if (!header) return withheld("corrupt", "cannot read the image header: " + vips_error_text());
  const std::int64_t pixels = std::int64_t{header->Xsize} * header->Ysize;
  if (pixels > job.limits.max_pixels)
    return withheld("pixel_limit", std::to_string(header->Xsize) + "x" + std::to_string(header->Ysize) +
                                       " pixels is over the limit of " + std::to_string(job.limits.max_pixels));

  Result r;
  if (job.policy.keep_gps) {
    if (const auto pos = gps_of(header.get())) {
      r.lat = pos->first;
      r.lon = pos->second;
    }
  }
  // Rotating needs the whole picture; otherwise pixels stream from decoder to encoder.
  const bool turn = *format != Format::heic && vips_image_get_orientation(header.get()) > 1;
  VImage img = turn ? load(src, VIPS_ACCESS_RANDOM) : std::move(header);
  if (img) img = prepare(std::move(img), *format);
  if (!img) return withheld("corrupt", "cannot prepare the image: " + vips_error_text());

  const Target target = target_of(*format);
  const std::string out = output_path(job, target.suffix);
  if (!save(img.get(), *format, out)) {
    ::unlink(out.c_str());
    return withheld("corrupt", "cannot decode and re-encode the image: " + vips_error_text());
  }
  r.outcome = Outcome::sanitized;
  r.detail = "re-encoded without metadata";
  r.detected_type = detected_type;
  r.family = "image";
  r.output = out;
  r.output_type = target.type;
  r.output_name = renamed(job.name, target.suffix);
  r.width = img->Xsize;
  r.height = vips_image_get_page_height(img.get());
  if (job.thumbnail) r.thumbnail = write_thumbnail_of_file(job, out);
  return r;
}

}  // namespace tonari::sanitize
