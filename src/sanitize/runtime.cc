#include "sanitize/runtime.h"

#include <iconv.h>
#include <magic.h>
#include <vips/vips.h>

#include <ctime>
#include <mutex>

namespace tonari::sanitize {
namespace {

std::mutex g_magic_mu;
magic_t g_magic = nullptr;  // guarded by g_magic_mu once init_runtime() returned

std::once_flag g_once;
std::string g_init_error;  // written once, under g_once

// Every loader is blocked, then only the ones we call are let through again. vips also
// picks a loader by itself (vips_thumbnail(), new_from_file); this keeps it from reaching
// the dozens of others (Magick, FITS, Matlab, OpenSlide, ...), whatever a file claims.
void restrict_loaders() {
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (const char* name : {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadNsgif",
                           "VipsForeignLoadWebp", "VipsForeignLoadHeif", "VipsForeignLoadSvg",
                           "VipsForeignLoadPdf"})
    vips_operation_block_set(name, FALSE);
}

// poppler-cpp converts a page's text between UTF-8 and UTF-16LE with iconv, whose UTF-16
// module glibc loads from its gconv folder on first use: the confined worker could not read
// it then (Landlock). Loaded here, and held open for the process's life so that glibc never
// unloads it, the module is there whenever poppler asks again.
void load_utf16_converters() {
  static const iconv_t to_utf16 = ::iconv_open("UTF-16LE", "UTF-8");
  static const iconv_t from_utf16 = ::iconv_open("UTF-8", "UTF-16LE");
  (void)to_utf16;
  (void)from_utf16;
}

void init_once() {
  // glibc reads the time zone (/etc/localtime) here, once: libzip's entry times need it and
  // the worker cannot read the file later.
  ::tzset();
  load_utf16_converters();
  g_magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
  if (!g_magic || magic_load(g_magic, nullptr) != 0) {
    g_init_error = std::string("libmagic: ") + (g_magic ? magic_error(g_magic) : "magic_open failed");
    return;
  }
  // One job per process: threads and the cache only cost memory here.
  if (VIPS_INIT("tonari-sanitize") != 0) {
    g_init_error = std::string("vips_init: ") + vips_error_buffer();
    return;
  }
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  vips_cache_set_max_mem(0);
  vips_cache_set_max_files(0);
  restrict_loaders();
}

}  // namespace

bool init_runtime(std::string* error) {
  std::call_once(g_once, init_once);
  if (!g_init_error.empty() && error) *error = g_init_error;
  return g_init_error.empty();
}

std::string magic_mime(const std::string& path) {
  std::lock_guard lock(g_magic_mu);
  const char* mime = g_magic ? magic_file(g_magic, path.c_str()) : nullptr;
  return mime ? mime : "application/octet-stream";
}

}  // namespace tonari::sanitize
