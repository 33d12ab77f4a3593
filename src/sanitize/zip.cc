// ZIP archives: the checked reader and the writer shared with ooxml.cc (zip_archive.h), and
// sanitize_zip, which rebuilds an archive from its members' sanitized outputs.
#include <sys/stat.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>

#include "sanitize/sanitize.h"
#include "sanitize/zip_archive.h"

namespace tonari::sanitize {
namespace zipio {
namespace {

// Entries below this declared size are not ratio-checked: a small entry cannot be a bomb,
// and the total-size limit bounds many of them. Above it, a ratio over Limits::max_ratio
// (deflate reaches about 1030 on zeros; documents stay far under 100) refuses the archive.
constexpr std::uint64_t kRatioMinBytes = 64 << 10;

struct Totals {
  std::int64_t entries = 0;
  std::int64_t bytes = 0;
};
thread_local Totals* t_totals = nullptr;

Refusal refusal(std::string reason, std::string detail) {
  return Refusal{std::move(reason), std::move(detail)};
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) {
      unsigned char t = s[i + k];
      if ((t >> 6) != 2) return false;
      cp = (cp << 6) | (t & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// Windows-31J (CP932, what Japanese Windows writes) to UTF-8. A trail byte 0x5C belongs to
// its character (予 is 0x97 0x5C), so a name is decoded before it is split at '/' or
// checked for '\'. Returns nothing if the bytes are not CP932.
std::optional<std::string> cp932_to_utf8(std::string_view raw) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter* conv = ucnv_open("windows-31j", &err);
  if (U_FAILURE(err)) return std::nullopt;
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  std::u16string utf16(raw.size() + 1, u'\0');
  int32_t n = ucnv_toUChars(conv, reinterpret_cast<UChar*>(utf16.data()),
                            static_cast<int32_t>(utf16.size()), raw.data(),
                            static_cast<int32_t>(raw.size()), &err);
  ucnv_close(conv);
  if (U_FAILURE(err)) return std::nullopt;
  std::string out(static_cast<std::size_t>(n) * 3 + 1, '\0');
  int32_t len = 0;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &len,
              reinterpret_cast<const UChar*>(utf16.data()), n, &err);
  if (U_FAILURE(err)) return std::nullopt;
  out.resize(len);
  return out;
}

// An entry name as UTF-8. `raw` is the name as stored; `strict` is what libzip returns when
// it follows the specification: the raw bytes if general-purpose bit 11 (UTF-8) is set (or
// an Info-ZIP Unicode Path field gave the name), else a CP437 reading. Without the flag,
// a name that is valid UTF-8 is taken as UTF-8 (macOS and Linux tools write UTF-8 without
// it); anything else is read as CP932, then as CP437 (libzip's reading) as a last resort.
std::string decode_name(const std::string& raw, const std::string& strict) {
  if (is_ascii(raw) || strict == raw || is_utf8(raw)) return raw;
  if (auto name = cp932_to_utf8(raw)) return *name;
  return strict;
}

// Why a decoded name cannot be extracted safely, or nothing. Checked after decoding, so a
// CP932 trail byte 0x5C is not taken for a backslash.
std::optional<std::string> unsafe_name(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.front() == '/') return "absolute path";
  if (name.find('\\') != std::string::npos) return "backslash in name";
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    return "drive letter";
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return "control character in name";
  }
  std::string_view rest = name;
  if (rest.back() == '/') rest.remove_suffix(1);  // a directory entry
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty()) return "empty path segment";
    if (seg == "..") return "'..' segment";
    if (seg == ".") return "'.' segment";
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return std::nullopt;
}

}  // namespace

ArchiveBudget::ArchiveBudget() {
  if (t_totals == nullptr) {
    t_totals = new Totals;
    owner_ = true;
  }
}

ArchiveBudget::~ArchiveBudget() {
  if (owner_) {
    delete t_totals;
    t_totals = nullptr;
  }
}

Reader::~Reader() {
  if (za_ != nullptr) zip_discard(za_);
}

std::optional<Refusal> Reader::open(const std::string& path, const Limits& limits) {
  int err = 0;
  // ZIP_CHECKCONS also compares every local header with its central-directory entry, so
  // a name or method that differs between the two (one reader sees another file than
  // the next) refuses the archive instead of being rebuilt from one of them.
  za_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (za_ == nullptr) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return refusal("corrupt", "not a readable ZIP archive: " + why);
  }
  zip_int64_t n = zip_get_num_entries(za_, 0);
  if (n < 0) return refusal("corrupt", "no central directory");
  if (n > limits.max_entries) {
    return refusal("archive_limits", std::to_string(n) + " entries (limit " +
                                         std::to_string(limits.max_entries) + ")");
  }
  if (t_totals != nullptr) {
    t_totals->entries += n;
    if (t_totals->entries > limits.max_entries) {
      return refusal("archive_limits", std::to_string(t_totals->entries) +
                                           " entries in all nested archives (limit " +
                                           std::to_string(limits.max_entries) + ")");
    }
  }
  entries_.clear();
  entries_.reserve(static_cast<std::size_t>(n));
  std::set<std::string> seen;
  std::uint64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0 ||
        st.name == nullptr) {
      return refusal("corrupt", "entry " + std::to_string(i) + ": " + zip_strerror(za_));
    }
    std::string raw = st.name;
    const char* strict = zip_get_name(za_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_STRICT);
    std::string name = decode_name(raw, strict != nullptr ? strict : raw);
    if (auto why = unsafe_name(name)) return refusal("unsafe_path", "entry '" + name + "': " + *why);
    if (!seen.insert(name).second) return refusal("unsafe_path", "entry '" + name + "' twice");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      return refusal("encrypted", "entry '" + name + "' is encrypted");
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st.comp_method, 0)) {
      return refusal("unsupported_type", "entry '" + name + "': compression method " +
                                             std::to_string(st.comp_method));
    }
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
      return refusal("corrupt", "entry '" + name + "' has no sizes");
    }
    total += st.size;
    if (st.size > static_cast<std::uint64_t>(limits.max_total_bytes) ||
        total > static_cast<std::uint64_t>(limits.max_total_bytes)) {
      return refusal("archive_limits", "more than " + std::to_string(limits.max_total_bytes) +
                                           " bytes uncompressed (at entry '" + name + "')");
    }
    if (t_totals != nullptr) {
      t_totals->bytes += static_cast<std::int64_t>(st.size);
      if (t_totals->bytes > limits.max_total_bytes) {
        return refusal("archive_limits", "more than " + std::to_string(limits.max_total_bytes) +
                                             " bytes uncompressed in all nested archives");
      }
    }
    if (st.size >= kRatioMinBytes &&
        static_cast<unsigned __int128>(st.size) >
            static_cast<unsigned __int128>(st.comp_size) * static_cast<std::uint64_t>(limits.max_ratio)) {
      return refusal("archive_limits", "entry '" + name + "' expands " + std::to_string(st.comp_size) +
                                           " to " + std::to_string(st.size) + " bytes (ratio limit " +
                                           std::to_string(limits.max_ratio) + ")");
    }
    Entry e;
    e.index = static_cast<std::uint64_t>(i);
    e.is_dir = name.back() == '/';
    e.name = std::move(name);
    e.size = st.size;
    e.comp_size = st.comp_size;
    e.mtime = (st.valid & ZIP_STAT_MTIME) ? st.mtime : fixed_mtime();
    entries_.push_back(std::move(e));
  }
  return std::nullopt;
}

std::optional<Refusal> Reader::read(const Entry& e,
                                    const std::function<bool(const char*, std::size_t)>& sink) {
  zip_file_t* f = zip_fopen_index(za_, e.index, 0);
  if (f == nullptr) return refusal("corrupt", "entry '" + e.name + "': " + zip_strerror(za_));
  std::vector<char> buf(64 << 10);
  std::uint64_t got = 0;
  std::optional<Refusal> bad;
  while (true) {
    zip_int64_t n = zip_fread(f, buf.data(), buf.size());
    if (n < 0) {
      bad = refusal("corrupt", "entry '" + e.name + "': " + zip_file_strerror(f));
      break;
    }
    if (n == 0) break;
    got += static_cast<std::uint64_t>(n);
    // The declared size passed every limit; a stream that goes on past it is a lying
    // header, stopped here before it costs more than one chunk.
    if (got > e.size) {
      bad = refusal("archive_limits", "entry '" + e.name + "' inflates past its declared " +
                                          std::to_string(e.size) + " bytes");
      break;
    }
    if (!sink(buf.data(), static_cast<std::size_t>(n))) {
      bad = refusal("sanitizer_failed", "entry '" + e.name + "': cannot write it out");
      break;
    }
  }
  if (zip_fclose(f) != 0 && !bad) bad = refusal("corrupt", "entry '" + e.name + "': bad checksum");
  if (!bad && got != e.size) {
    bad = refusal("corrupt", "entry '" + e.name + "' is shorter than declared");
  }
  return bad;
}

std::optional<Refusal> Reader::read_all(const Entry& e, std::string* out) {
  out->clear();
  out->reserve(static_cast<std::size_t>(e.size));
  return read(e, [out](const char* p, std::size_t n) {
    out->append(p, n);
    return true;
  });
}

bool has_entry(const std::string& path, const std::string& name) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (za == nullptr) return false;
  bool found = zip_name_locate(za, name.c_str(), ZIP_FL_ENC_RAW) >= 0;
  zip_discard(za);
  return found;
}

Writer::~Writer() {
  if (za_ != nullptr) zip_discard(za_);
}

std::optional<Refusal> Writer::open(const std::string& path) {
  int err = 0;
  path_ = path;
  za_ = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (za_ == nullptr) return refusal("sanitizer_failed", "cannot create " + path);
  return std::nullopt;
}

std::optional<Refusal> Writer::added(zip_int64_t index, const std::string& name, bool dir,
                                     std::time_t mtime) {
  if (index < 0) return refusal("sanitizer_failed", "cannot add '" + name + "': " + zip_strerror(za_));
  auto i = static_cast<zip_uint64_t>(index);
  zip_uint32_t mode = dir ? 040755 : 0100644;
  if ((!dir && zip_set_file_compression(za_, i, ZIP_CM_DEFLATE, 0) != 0) ||
      zip_file_set_mtime(za_, i, mtime, 0) != 0 ||
      zip_file_set_external_attributes(za_, i, 0, ZIP_OPSYS_UNIX, mode << 16) != 0) {
    return refusal("sanitizer_failed", "cannot set up '" + name + "': " + zip_strerror(za_));
  }
  ++count_;
  return std::nullopt;
}

std::optional<Refusal> Writer::add_buffer(const std::string& name, const std::string& data,
                                          std::time_t mtime) {
  zip_source_t* src = zip_source_buffer(za_, data.data(), data.size(), 0);
  if (src == nullptr) return refusal("sanitizer_failed", "out of memory");
  zip_int64_t index = zip_file_add(za_, name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) zip_source_free(src);
  return added(index, name, false, mtime);
}

std::optional<Refusal> Writer::add_file(const std::string& name, const std::string& file,
                                        std::time_t mtime) {
  zip_source_t* src = zip_source_file(za_, file.c_str(), 0, 0);
  if (src == nullptr) return refusal("sanitizer_failed", "cannot read " + file);
  zip_int64_t index = zip_file_add(za_, name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) zip_source_free(src);
  return added(index, name, false, mtime);
}

std::optional<Refusal> Writer::add_dir(const std::string& name, std::time_t mtime) {
  return added(zip_dir_add(za_, name.c_str(), ZIP_FL_ENC_UTF_8), name, true, mtime);
}

std::optional<Refusal> Writer::close() {
  if (count_ == 0) {
    zip_discard(za_);
    za_ = nullptr;
    // End of central directory of an archive with no entries.
    static const char kEmpty[22] = {'P', 'K', 5, 6};
    FILE* f = std::fopen(path_.c_str(), "wb");
    bool ok = f != nullptr && std::fwrite(kEmpty, 1, sizeof kEmpty, f) == sizeof kEmpty;
    if (f != nullptr && std::fclose(f) != 0) ok = false;
    if (!ok) return refusal("sanitizer_failed", "cannot write " + path_);
    return std::nullopt;
  }
  if (zip_close(za_) != 0) {
    std::string why = zip_strerror(za_);
    zip_discard(za_);
    za_ = nullptr;
    return refusal("sanitizer_failed", "cannot write " + path_ + ": " + why);
  }
  za_ = nullptr;
  return std::nullopt;
}

std::time_t fixed_mtime() {
  std::tm tm{};
  tm.tm_year = 80;
  tm.tm_mon = 0;
  tm.tm_mday = 1;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

}  // namespace zipio

namespace {

Result refuse(Result r, const zipio::Refusal& why) {
  r.outcome = Outcome::withheld;
  r.reason = why.reason;
  r.detail = why.detail;
  r.output.clear();
  return r;
}

// A directory under out_dir for the members, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& parent) {
    std::string templ = parent + "/.zip-XXXXXX";
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string base_name(const std::string& name) {
  std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

std::string dir_name(const std::string& name) {
  std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash + 1);
}

// Names whose content, when it is an OPC package, is an Office document (see sanitize_zip).
bool office_name(const std::string& name) {
  std::size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kOffice = {"docx", "docm", "dotx", "dotm", "xlsx", "xlsm",
                                                "xltx", "xltm", "xlam", "pptx", "pptm", "potx",
                                                "potm", "ppsx", "ppsm", "ppam"};
  return kOffice.count(ext) != 0;
}

std::optional<zipio::Refusal> extract(zipio::Reader& in, const zipio::Entry& e,
                                      const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return zipio::Refusal{"sanitizer_failed", "cannot create " + path};
  auto bad = in.read(e, [f](const char* p, std::size_t n) { return std::fwrite(p, 1, n, f) == n; });
  if (std::fclose(f) != 0 && !bad) bad = zipio::Refusal{"sanitizer_failed", "cannot write " + path};
  return bad;
}

// Fail closed: a member that cannot be made harmless withholds the whole archive (with
// that member's reason and name), since a partial archive would silently lose files.
// Members are extracted one by one into a temporary directory under out_dir (each capped
// at its declared size), sanitized through sanitize_file at depth + 1 without thumbnails,
// and added under their (possibly renamed: a.docm -> a.docx) names; libzip reads them
// when the archive is closed, after which the directory is removed.
Result rebuild_zip(const Job& job) {
  Result r;
  r.detected_type = "application/zip";
  r.family = "archive";
  if (job.depth > job.limits.max_depth) {
    return refuse(r, {"archive_nesting", "archive at nesting depth " + std::to_string(job.depth) +
                                             " (limit " + std::to_string(job.limits.max_depth) + ")"});
  }
  // An OPC package under an Office name (a .docx whose [Content_Types].xml is not the first
  // entry, which libmagic then calls application/zip) is an Office document.
  if (office_name(job.name) && zipio::has_entry(job.in, "[Content_Types].xml")) {
    return sanitize_ooxml(job, r.detected_type);
  }
  zipio::ArchiveBudget budget;
  zipio::Reader in;
  if (auto bad = in.open(job.in, job.limits)) return refuse(r, *bad);

  TempDir tmp(job.out_dir);
  if (tmp.path().empty()) return refuse(r, {"sanitizer_failed", "cannot create a directory in " + job.out_dir});
  std::string out = output_path(job, ".zip");
  auto fail = [&](const zipio::Refusal& why) {
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return refuse(r, why);
  };
  zipio::Writer w;
  if (auto bad = w.open(out)) return fail(*bad);

  std::int64_t out_bytes = 0;
  int renamed = 0;
  std::set<std::string> names;
  for (const auto& e : in.entries()) {
    if (e.is_dir) {
      names.insert(e.name);
      if (auto bad = w.add_dir(e.name, e.mtime)) return fail(*bad);
      continue;
    }
    std::string idx = std::to_string(e.index);
    std::string member = tmp.path() + "/m" + idx;
    if (auto bad = extract(in, e, member)) return fail(*bad);
    std::string name = e.name;
    std::string source = member;
    if (e.size > 0) {  // an empty file carries nothing to sanitize
      Job mj;
      mj.in = member;
      mj.name = base_name(e.name);
      mj.out_dir = tmp.path() + "/o" + idx;
      if (::mkdir(mj.out_dir.c_str(), 0700) != 0) {
        return fail({"sanitizer_failed", "cannot create " + mj.out_dir + ": " + std::strerror(errno)});
      }
      mj.policy = job.policy;
      mj.limits = job.limits;
      mj.depth = job.depth + 1;
      mj.thumbnail = false;
      Result m = sanitize_file(mj);
      if (m.outcome == Outcome::sanitized) {
        if (m.output.empty()) return fail({"sanitizer_failed", "member '" + e.name + "': no output"});
        std::string renamed_to = base_name(m.output_name);
        if (!renamed_to.empty() && renamed_to != ".." && renamed_to != "." &&
            renamed_to != base_name(e.name)) {
          name = dir_name(e.name) + renamed_to;
          ++renamed;
        }
        source = m.output;
        std::error_code ec;
        std::filesystem::remove(member, ec);  // only the output is added: free the disk now
      } else if (m.outcome != Outcome::clean) {
        return fail({m.reason.empty() ? "sanitizer_failed" : m.reason,
                     "member '" + e.name + "': " + m.detail});
      }
    }
    if (!names.insert(name).second) {
      return fail({"corrupt", "member '" + e.name + "' would be renamed to '" + name + "', which exists"});
    }
    std::error_code ec;
    out_bytes += static_cast<std::int64_t>(std::filesystem::file_size(source, ec));
    if (out_bytes > job.limits.max_output_bytes) {
      return fail({"archive_limits", "rebuilt archive over " + std::to_string(job.limits.max_output_bytes) + " bytes"});
    }
    if (auto bad = w.add_file(name, source, e.mtime)) return fail(*bad);
  }
  if (auto bad = w.close()) return fail(*bad);

  r.outcome = Outcome::sanitized;
  r.output = out;
  r.output_type = "application/zip";
  r.output_name = job.name.empty() ? "archive.zip" : job.name;
  r.detail = std::to_string(in.entries().size()) + " entries rebuilt";
  if (renamed > 0) r.detail += ", " + std::to_string(renamed) + " renamed";
  return r;
}

}  // namespace

Result sanitize_zip(const Job& job) {
  try {
    return rebuild_zip(job);
  } catch (const std::exception& e) {
    Result r;
    r.detected_type = "application/zip";
    r.family = "archive";
    r.reason = "sanitizer_failed";
    r.detail = std::string("ZIP sanitizer: ") + e.what();
    return r;
  }
}

}  // namespace tonari::sanitize
