#include "services/file_policy.h"

#include <boost/json.hpp>

namespace tonari::services {
namespace json = boost::json;

namespace {

const char* level_name(SanitizeLevel l) { return l == SanitizeLevel::rasterize ? "rasterize" : "rebuild"; }

Status bad(std::string_view key, std::string_view what) {
  return invalid_argument(std::string(key) + ": " + std::string(what));
}

constexpr std::int64_t kMaxBytes = 1ll << 50;

const char* kOctets = "application/octet-stream";

Status hidden(const FileInfo& f) { return not_found("file " + std::to_string(f.id) + " not found"); }

Status withheld(const FileInfo& f) {
  return Status(Code::file_withheld,
                "file " + std::to_string(f.id) + " is not delivered to this zone: " +
                    (f.reason.empty() ? std::string(file_state_name(f.state)) : f.reason));
}

Result<FileServe> thumbnail_of(const FileInfo& f) {
  if (f.thumb_sha256.empty()) return not_found("file " + std::to_string(f.id) + " has no thumbnail");
  return FileServe{f.thumb_sha256, "image/jpeg", "thumbnail.jpg", 0, true};
}

}  // namespace

bool inline_type(std::string_view t) {
  return t == "image/jpeg" || t == "image/png" || t == "image/gif" || t == "image/webp" ||
         t == "application/pdf";
}

Result<FilePolicy> parse_file_policy(std::string_view text, const FilePolicy& base) {
  json::value v;
  try {
    v = json::parse(text);
  } catch (const std::exception&) {
    return Status(Code::invalid_json, "file policy: not valid JSON");
  }
  if (!v.is_object()) return Status(Code::invalid_json, "file policy: not a JSON object");
  FilePolicy p = base;
  for (const auto& [key, val] : v.as_object()) {
    auto level = [&](SanitizeLevel& out) -> Status {
      if (val.is_string() && val.as_string() == "rebuild") out = SanitizeLevel::rebuild;
      else if (val.is_string() && val.as_string() == "rasterize") out = SanitizeLevel::rasterize;
      else return bad(key, "rebuild or rasterize");
      return Status::ok();
    };
    auto flag = [&](bool& out) -> Status {
      if (!val.is_bool()) return bad(key, "true or false");
      out = val.as_bool();
      return Status::ok();
    };
    auto bytes = [&](std::int64_t& out, std::int64_t min) -> Status {
      if (!val.is_int64() && !val.is_uint64()) return bad(key, "a whole number of bytes");
      const std::int64_t n = val.is_int64() ? val.as_int64() : kMaxBytes + 1;
      if (n < min || n > kMaxBytes) {
        return bad(key, "from " + std::to_string(min) + " to " + std::to_string(kMaxBytes));
      }
      out = n;
      return Status::ok();
    };
    Status st;
    if (key == "image") st = level(p.image);
    else if (key == "pdf") st = level(p.pdf);
    else if (key == "office") st = level(p.office);
    else if (key == "check_lgwan_uploads") st = flag(p.check_lgwan_uploads);
    else if (key == "keep_gps") st = flag(p.keep_gps);
    else if (key == "internet_download") {
      if (val.is_string() && val.as_string() == "allow") p.internet_download = InternetDownload::allow;
      else if (val.is_string() && val.as_string() == "view") p.internet_download = InternetDownload::view;
      else st = bad(key, "allow or view");
    } else if (key == "max_file_bytes") st = bytes(p.max_file_bytes, 1);
    else if (key == "quota_bytes") st = bytes(p.quota_bytes, 0);
    else st = bad(key, "unknown key");
    if (!st.is_ok()) return st;
  }
  return p;
}

std::string file_policy_json(const FilePolicy& p) {
  return json::serialize(json::object{
      {"image", level_name(p.image)},
      {"pdf", level_name(p.pdf)},
      {"office", level_name(p.office)},
      {"check_lgwan_uploads", p.check_lgwan_uploads},
      {"internet_download", p.internet_download == InternetDownload::view ? "view" : "allow"},
      {"keep_gps", p.keep_gps},
      {"max_file_bytes", p.max_file_bytes},
      {"quota_bytes", p.quota_bytes}});
}

std::string sanitizer_policy_json(const FilePolicy& p) {
  return json::serialize(json::object{{"image", level_name(p.image)},
                                      {"pdf", level_name(p.pdf)},
                                      {"office", level_name(p.office)},
                                      {"keep_gps", p.keep_gps}});
}

Result<FileServe> decide_file_access(const FileAccess& a, FileWhat what) {
  const FileInfo& f = a.file;
  if (f.tenant != a.actor.tenant || !a.member || f.deleted) return hidden(f);
  if (f.seq == 0 && f.uploader != a.actor.id) return hidden(f);
  if (what == FileWhat::metadata) return FileServe{};
  if (f.state == FileState::processing) {
    return Status(Code::file_not_ready, "file " + std::to_string(f.id) + " is still being checked");
  }
  if (a.zone == Zone::lgwan) {
    // Only what the job made for this zone; an original never, unless the job found it
    // needs nothing (clean_sha256 == sha256).
    if (f.state != FileState::ready) return withheld(f);
    if (what == FileWhat::thumbnail) return thumbnail_of(f);
    if (f.clean_sha256.empty()) {
      return internal_error("file " + std::to_string(f.id) + " is ready without a clean copy");
    }
    FileServe s{f.clean_sha256, f.clean_type.empty() ? kOctets : f.clean_type,
                f.clean_name.empty() ? f.name : f.clean_name, f.clean_size, false};
    s.as_inline = what == FileWhat::inline_view && inline_type(s.type);
    return s;
  }
  // The Internet zone gets originals, except of what nobody may have.
  if (f.state == FileState::blocked) return withheld(f);
  if (what == FileWhat::thumbnail) return thumbnail_of(f);
  FileServe s{f.sha256, f.detected_type.empty() ? kOctets : f.detected_type, f.name, f.size, false};
  // An original is shown in the browser only when the job found it is what it claims.
  s.as_inline = what == FileWhat::inline_view && f.state == FileState::ready && inline_type(s.type);
  if (!f.from_internet && a.internet_download == InternetDownload::view && !s.as_inline) {
    return Status(Code::zone_forbidden,
                  "files from the LGWAN zone can only be viewed, not downloaded, from the "
                  "Internet zone (the municipality's policy)");
  }
  return s;
}

}  // namespace tonari::services
