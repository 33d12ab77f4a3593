// The file rules: a municipality's file policy (the tenant setting "file_policy") and the
// decision of what a request may get of a file. Pure functions of the facts they are
// given, like policies.h: the Files service fetches the facts (the file, the caller's
// membership now, the policy) and calls decide_file_access() on every metadata, download,
// preview and thumbnail request, whichever path it came by.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

// The network a request came from (http::Zone, by listener).
enum class Zone { lgwan, internet };

enum class SanitizeLevel { rebuild, rasterize };
// Whether Internet-zone users may download files that came from the LGWAN zone, or only
// view them (thumbnail, inline preview of images and PDFs).
enum class InternetDownload { allow, view };

inline constexpr const char* kFilePolicyKey = "file_policy";

// docs/api.md, "File policy". Defaults are what a municipality gets before its
// administrator sets anything.
struct FilePolicy {
  SanitizeLevel image = SanitizeLevel::rebuild;
  SanitizeLevel pdf = SanitizeLevel::rebuild;
  SanitizeLevel office = SanitizeLevel::rebuild;
  bool check_lgwan_uploads = false;  // LGWAN-zone uploads are sanitized for LGWAN users too
  InternetDownload internet_download = InternetDownload::allow;
  bool keep_gps = false;  // a photo's position kept as message data (never in the file)
  std::int64_t max_file_bytes = 100ll << 20;  // under [files] max_file_bytes, which wins
  std::int64_t quota_bytes = 0;               // all originals of the municipality; 0: none
};

// Reads a policy from JSON text: the stored setting, or a PUT body, whose keys replace
// those of `base` (absent keys keep base's value). invalid_argument naming the key for an
// unknown key, a wrong type or a value out of range.
Result<FilePolicy> parse_file_policy(std::string_view json_text, const FilePolicy& base = {});
// The policy as JSON text: every key (what is stored and what GET answers).
std::string file_policy_json(const FilePolicy& p);
// The sanitizer worker's --policy JSON: {"image","pdf","office","keep_gps"}.
std::string sanitizer_policy_json(const FilePolicy& p);

// What a request asks of a file.
enum class FileWhat {
  metadata,   // GET /api/files/{id}
  content,    // download (attachment)
  inline_view,  // ?inline=1: a preview in the browser
  thumbnail,
};

// What the caller gets: for metadata nothing more than ok; otherwise the blob to send.
struct FileServe {
  std::string sha256;  // the blob
  std::string type;    // its media type (Content-Type)
  std::string name;    // the download name
  std::int64_t size = 0;
  bool as_inline = false;  // Content-Disposition: inline (a sanitized or checked image/PDF)
};

struct FileAccess {
  const User& actor;
  Zone zone;
  // The caller's membership of the file's room now (store::room_and_member); nullopt:
  // not a member.
  const std::optional<Member>& member;
  const FileInfo& file;
  // The municipality's internet_download; only read for an Internet-zone request of a file
  // that came from the LGWAN zone.
  InternetDownload internet_download = InternetDownload::allow;
};

// The rules (docs/api.md, "Files: who gets what"):
// - not_found unless the caller is of the file's municipality, a member of its room now,
//   the file is not deleted, and (not attached yet) the caller uploaded it;
// - metadata: ok from there;
// - lgwan: ready → the clean blob (never an original that was not checked);
//   processing → file_not_ready; withheld or blocked → file_withheld with the reason;
// - internet: processing → file_not_ready; blocked → file_withheld; ready or withheld →
//   the original; a file from the LGWAN zone under internet_download "view" is refused
//   zone_forbidden for a download, while its thumbnail and an inline preview of an image
//   or a PDF are allowed;
// - thumbnail: only when the state lets the zone have anything; not_found without one.
// Inline is granted only to images (JPEG, PNG, GIF, WebP) and PDFs that the job checked
// (state ready); otherwise the content goes as an attachment.
Result<FileServe> decide_file_access(const FileAccess& a, FileWhat what);

// Whether `media_type` may be shown inline (image/jpeg, png, gif, webp, application/pdf).
bool inline_type(std::string_view media_type);

}  // namespace tonari::services
