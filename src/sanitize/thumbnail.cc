#include <unistd.h>

#include <algorithm>

#include "sanitize/vips_util.h"

namespace tonari::sanitize {
namespace {

constexpr int kThumbnailSide = 480;
constexpr int kThumbnailQuality = 80;

std::string save_thumbnail(const Job& job, VipsImage* small) {
  VImage jpeg_ready = to_srgb_opaque(small);
  if (!jpeg_ready) return "";
  const std::string path = output_path(job, ".jpg");
  if (vips_jpegsave(jpeg_ready.get(), path.c_str(), "Q", kThumbnailQuality, "strip", TRUE,
                    "optimize_coding", TRUE, nullptr) != 0) {
    ::unlink(path.c_str());
    vips_error_clear();
    return "";
  }
  return path;
}

}  // namespace

std::string vips_error_text() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

VImage to_srgb_opaque(VipsImage* img) {
  VipsImage* out = nullptr;
  VImage cur(img);
  g_object_ref(img);
  if (cur->Type != VIPS_INTERPRETATION_sRGB && cur->Type != VIPS_INTERPRETATION_B_W) {
    if (vips_colourspace(cur.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr) != 0) return nullptr;
    cur.reset(out);
  }
  if (vips_image_hasalpha(cur.get())) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    const int rc = vips_flatten(cur.get(), &out, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0) return nullptr;
    cur.reset(out);
  }
  if (cur->BandFmt != VIPS_FORMAT_UCHAR) {
    if (vips_cast_uchar(cur.get(), &out, nullptr) != 0) return nullptr;
    cur.reset(out);
  }
  return cur;
}

std::string write_thumbnail(const Job& job, VipsImage* img) {
  VipsImage* out = nullptr;
  if (vips_thumbnail_image(img, &out, kThumbnailSide, "height", kThumbnailSide, "size", VIPS_SIZE_DOWN,
                           nullptr) != 0) {
    vips_error_clear();
    return "";
  }
  VImage small(out);
  return save_thumbnail(job, small.get());
}

std::string write_thumbnail_of_file(const Job& job, const std::string& path) {
  VipsImage* out = nullptr;
  if (vips_thumbnail(path.c_str(), &out, kThumbnailSide, "height", kThumbnailSide, "size", VIPS_SIZE_DOWN,
                     nullptr) != 0) {
    vips_error_clear();
    return "";
  }
  VImage small(out);
  return save_thumbnail(job, small.get());
}

}  // namespace tonari::sanitize
