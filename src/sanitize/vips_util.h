// libvips helpers shared by the image and PDF sanitizers: an owning pointer for
// VipsImage, the error text, and the JPEG thumbnail every preview uses.
#pragma once

#include <vips/vips.h>

#include <memory>
#include <string>

#include "sanitize/sanitize.h"

namespace tonari::sanitize {

struct VipsUnref {
  void operator()(VipsImage* img) const { g_object_unref(img); }
};
using VImage = std::unique_ptr<VipsImage, VipsUnref>;

// vips' error buffer as one line, then cleared.
std::string vips_error_text();

// `img` with any alpha flattened onto white and in 8-bit sRGB, as JPEG wants it.
// Null (see vips_error_text()) on failure.
VImage to_srgb_opaque(VipsImage* img);

// Writes a JPEG thumbnail (long side at most 480 px, no metadata) of `img` to a fresh path
// in job.out_dir. Returns the path, or "" when it could not (a file goes on without one).
std::string write_thumbnail(const Job& job, VipsImage* img);

// The same for an image file that the sanitizer itself wrote (shrink-on-load for JPEG).
std::string write_thumbnail_of_file(const Job& job, const std::string& path);

}  // namespace tonari::sanitize
