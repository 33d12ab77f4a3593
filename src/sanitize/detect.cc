#include "sanitize/detect.h"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>

#include "sanitize/runtime.h"

namespace tonari::sanitize {
namespace {

std::string read_head(const std::string& path, std::size_t n) {
  std::ifstream f(path, std::ios::binary);
  std::string head(n, '\0');
  f.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(f.gcount(), 0)));
  return head;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::uint32_t be32(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return 0;
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// Native code or a script the system would run, whatever the name: PE (an MZ header with
// the zero bytes of a DOS header, so a text starting "MZ" is not caught), ELF, Mach-O,
// Java classes and fat binaries (0xCAFEBABE), and "#!" interpreter lines.
bool is_executable(std::string_view head) {
  if (starts_with(head, "MZ") && head.size() >= 64 && head.substr(0, 64).find('\0') != std::string_view::npos)
    return true;
  if (starts_with(head, "\x7f" "ELF") || starts_with(head, "#!")) return true;
  switch (be32(head, 0)) {
    case 0xfeedface: case 0xfeedfacf: case 0xcefaedfe: case 0xcffaedfe: case 0xcafebabe:
      return true;
  }
  return false;
}

// HEIF's 'ftyp' box: HEVC-coded brands are HEIC (iPhone photos). AVIF and others are not
// claimed here; libmagic names them and they stay unsupported.
bool is_heic(std::string_view head) {
  if (head.size() < 16 || head.substr(4, 4) != "ftyp") return false;
  auto heic_brand = [](std::string_view b) {
    return b == "heic" || b == "heix" || b == "heim" || b == "heis" || b == "hevc" || b == "hevx";
  };
  if (heic_brand(head.substr(8, 4))) return true;
  const std::size_t box = std::min<std::size_t>(be32(head, 0), head.size());
  for (std::size_t at = 16; at + 4 <= box; at += 4)
    if (heic_brand(head.substr(at, 4))) return true;
  return false;
}

bool zip_has_content_types(const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) return false;
  const bool found = zip_name_locate(z, "[Content_Types].xml", 0) >= 0;
  zip_discard(z);
  return found;
}

bool one_of(const std::string& s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

Detected classify_mime(const std::string& mime, std::string_view head) {
  auto is = [&](Kind k, const char* family) { return Detected{k, mime, family}; };
  if (mime == "image/jpeg") return is(Kind::jpeg, "image");
  if (mime == "image/png") return is(Kind::png, "image");
  if (mime == "image/gif") return is(Kind::gif, "image");
  if (mime == "image/webp") return is(Kind::webp, "image");
  if (mime == "image/svg+xml") return is(Kind::svg, "image");
  if (starts_with(mime, "image/")) return is(Kind::unsupported, "image");
  if (mime == "application/pdf") return is(Kind::pdf, "pdf");
  if (one_of(mime, {"application/x-dosexec", "application/vnd.microsoft.portable-executable",
                    "application/x-executable", "application/x-pie-executable",
                    "application/x-sharedlib", "application/x-mach-binary", "application/x-msi",
                    "application/java-archive", "application/vnd.android.package-archive",
                    "application/x-java-applet", "text/x-msdos-batch", "application/x-shellscript",
                    "text/x-shellscript"}))
    return is(Kind::executable, "other");
  if (one_of(mime, {"application/x-ole-storage", "application/CDFV2", "application/msword",
                    "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
                    "application/vnd.ms-office", "application/vnd.ms-outlook"}))
    return is(Kind::legacy_office, "office");
  if (starts_with(mime, "application/vnd.oasis.opendocument") || one_of(mime, {"text/rtf", "application/rtf"}))
    return is(Kind::unsupported, "office");
  if (one_of(mime, {"application/x-lzh-compressed", "application/x-lha", "application/x-7z-compressed",
                    "application/vnd.rar", "application/x-rar", "application/gzip", "application/x-tar",
                    "application/x-bzip2", "application/x-xz", "application/zstd", "application/x-cpio",
                    "application/vnd.ms-cab-compressed", "application/x-archive"}))
    return is(Kind::unsupported, "archive");
  if (one_of(mime, {"text/html", "application/xhtml+xml", "text/javascript", "application/javascript",
                    "text/x-php", "application/x-php", "text/x-perl", "text/x-python", "text/x-ruby",
                    "text/x-tcl", "text/x-lua", "text/x-awk", "text/vbscript", "text/x-vbscript"}) ||
      starts_with(mime, "text/x-script."))
    return is(Kind::script, "text");
  if (one_of(mime, {"text/xml", "application/xml"})) {
    if (head.find("<svg") != std::string_view::npos) return Detected{Kind::svg, "image/svg+xml", "image"};
    return is(Kind::unsupported, "text");
  }
  if (mime == "application/x-empty") return Detected{Kind::text, "text/plain", "text"};
  if (starts_with(mime, "text/") || mime == "application/csv") return is(Kind::text, "text");
  return is(Kind::unsupported, "other");
}

}  // namespace

Detected detect(const std::string& path) {
  const std::string head = read_head(path, 4096);
  if (is_executable(head)) return {Kind::executable, "application/x-executable", "other"};
  if (is_heic(head)) return {Kind::heic, "image/heic", "image"};
  std::string mime = magic_mime(path);
  if (starts_with(head, "PK\x03\x04") || starts_with(head, "PK\x05\x06")) {
    Detected d = classify_mime(mime, head);
    if (d.kind == Kind::executable || d.family == "office") return d;  // jar, apk, ODF
    if (zip_has_content_types(path)) {
      const bool office_mime = starts_with(mime, "application/vnd.openxmlformats") ||
                               starts_with(mime, "application/vnd.ms-");
      return {Kind::ooxml, office_mime ? mime : "application/vnd.openxmlformats-package", "office"};
    }
    return {Kind::zip, "application/zip", "archive"};
  }
  if (starts_with(head, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") && mime != "application/x-msi")
    return {Kind::legacy_office, mime == "application/octet-stream" ? "application/x-ole-storage" : mime, "office"};
  // PDF readers accept a header anywhere in the first kilobyte; libmagic only at the start.
  if (mime == "application/octet-stream" && head.substr(0, 1024).find("%PDF-") != std::string::npos)
    return {Kind::pdf, "application/pdf", "pdf"};
  return classify_mime(mime, head);
}

std::string extension(const std::string& name) {
  const auto slash = name.find_last_of("/\\");
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  std::string ext = base.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c); });
  return ext;
}

std::string name_family(const std::string& name) {
  const std::string ext = extension(name);
  if (ext.empty()) return "";
  if (one_of(ext, {"exe", "dll", "com", "scr", "cpl", "pif", "msi", "msp", "msc", "bat", "cmd", "ps1",
                   "psm1", "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "hta", "lnk", "jar", "sh",
                   "bash", "reg", "inf", "scf", "gadget", "application", "appref-ms", "apk", "elf",
                   "so", "dylib", "class", "iso", "vhd", "vhdx"}))
    return "executable";
  if (one_of(ext, {"jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "heic", "heif", "svg",
                   "bmp", "tif", "tiff", "avif"}))
    return "image";
  if (ext == "pdf") return "pdf";
  if (one_of(ext, {"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "pptx", "pptm",
                   "potx", "potm", "ppsx", "ppsm", "doc", "dot", "xls", "xlt", "ppt", "pot", "pps",
                   "rtf", "odt", "ods", "odp", "jtd", "jtt"}))
    return "office";
  if (one_of(ext, {"zip", "lzh", "lha", "7z", "rar", "tar", "gz", "tgz", "bz2", "xz", "cab"}))
    return "archive";
  if (one_of(ext, {"txt", "csv", "tsv", "text", "log", "md", "json", "xml", "html", "htm"}))
    return "text";
  return "";
}

std::string renamed(const std::string& name, const std::string& ext) {
  const std::string have = extension(name);
  const std::string want = ext.substr(1);
  if (have == want || (want == "jpg" && (have == "jpeg" || have == "jpe"))) return name;
  std::string stem = have.empty() ? name : name.substr(0, name.size() - have.size() - 1);
  if (stem.empty()) stem = "file";
  return stem + ext;
}

}  // namespace tonari::sanitize
