// The libraries the sanitizer uses, loaded once per process and set up for untrusted
// input: libmagic's database, libvips with only the loaders we chose (JPEG, PNG, GIF,
// WebP, HEIF, SVG, PDF; every other loader blocked), one thread per operation and no
// operation cache, and glibc's UTF-16 converter (poppler-cpp's text goes through iconv). The worker calls init_runtime() before its seccomp filter goes on,
// so that nothing is loaded from disk afterwards; sanitize_file() calls it too (in-process
// tests). Thread-safe.
#pragma once

#include <string>

namespace tonari::sanitize {

// Idempotent. False (with `error`) if a library could not be initialised; the first
// failure is remembered and returned again.
bool init_runtime(std::string* error);

// libmagic's media type for the file at `path` ("application/octet-stream" when unknown
// or unreadable). Serialised: the magic handle is shared. Needs init_runtime().
std::string magic_mime(const std::string& path);

}  // namespace tonari::sanitize
