// The file rules (services/file_policy.h): the policy's JSON, and who gets what of a file
// over the whole matrix of zone × state × origin × internet_download × what.
#include "services/file_policy.h"

#include <gtest/gtest.h>

namespace tonari::services {
namespace {

FilePolicy parse_ok(std::string_view text, const FilePolicy& base = {}) {
  auto p = parse_file_policy(text, base);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : FilePolicy{};
}

TEST(FilePolicyTest, DefaultsRoundTripAndPartialUpdates) {
  const FilePolicy d;
  EXPECT_EQ(file_policy_json(d),
            R"({"image":"rebuild","pdf":"rebuild","office":"rebuild","check_lgwan_uploads":false,)"
            R"("internet_download":"allow","keep_gps":false,"max_file_bytes":104857600,"quota_bytes":0})");
  FilePolicy p = parse_ok(R"({"pdf":"rasterize","internet_download":"view","quota_bytes":1048576})");
  EXPECT_EQ(p.pdf, SanitizeLevel::rasterize);
  EXPECT_EQ(p.office, SanitizeLevel::rebuild);
  EXPECT_EQ(p.internet_download, InternetDownload::view);
  EXPECT_EQ(p.quota_bytes, 1048576);
  // Absent keys keep the base's values.
  FilePolicy q = parse_ok(R"({"keep_gps":true})", p);
  EXPECT_TRUE(q.keep_gps);
  EXPECT_EQ(q.pdf, SanitizeLevel::rasterize);
  EXPECT_EQ(parse_ok(file_policy_json(q)).quota_bytes, 1048576);
  EXPECT_EQ(sanitizer_policy_json(q),
            R"({"image":"rebuild","pdf":"rasterize","office":"rebuild","keep_gps":true})");
}

TEST(FilePolicyTest, BadValuesNameTheirKey) {
  struct Case { const char* json; const char* key; Code code; };
  for (const Case& c : {Case{R"({"pdf":"shred"})", "pdf", Code::invalid_argument},
                        Case{R"({"keep_gps":"yes"})", "keep_gps", Code::invalid_argument},
                        Case{R"({"internet_download":"never"})", "internet_download", Code::invalid_argument},
                        Case{R"({"max_file_bytes":0})", "max_file_bytes", Code::invalid_argument},
                        Case{R"({"max_file_bytes":1.5})", "max_file_bytes", Code::invalid_argument},
                        Case{R"({"quota_bytes":-1})", "quota_bytes", Code::invalid_argument},
                        Case{R"({"colour":"red"})", "colour", Code::invalid_argument},
                        Case{R"([1])", "", Code::invalid_json},
                        Case{R"({"pdf":)", "", Code::invalid_json}}) {
    auto p = parse_file_policy(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), c.code) << c.json;
    EXPECT_NE(p.status().message().find(c.key), std::string::npos) << p.status().message();
  }
}

constexpr TenantId kTown = 1;
constexpr UserId kMe = 7, kOther = 8;

User me() {
  User u;
  u.id = kMe;
  u.tenant = kTown;
  return u;
}

// A photo attached to message 3 of room 5, checked by its job: ready, with a sanitized
// copy and a thumbnail.
FileInfo photo() {
  FileInfo f;
  f.id = 42;
  f.tenant = kTown;
  f.room = 5;
  f.uploader = kOther;
  f.name = "破裂箇所.heic";
  f.size = 4000;
  f.sha256 = std::string(64, 'a');
  f.declared_type = "image/heic";
  f.detected_type = "image/heic";
  f.state = FileState::ready;
  f.clean_sha256 = std::string(64, 'c');
  f.clean_size = 3000;
  f.clean_type = "image/jpeg";
  f.clean_name = "破裂箇所.jpg";
  f.sanitized = true;
  f.thumb_sha256 = std::string(64, 't');
  f.seq = 3;
  return f;
}

const std::optional<Member> kMember = Member{kMe, MemberRole::member, 0};
const std::optional<Member> kNotMember;

Result<FileServe> decide(const FileInfo& f, Zone zone, FileWhat what,
                         InternetDownload d = InternetDownload::allow,
                         const std::optional<Member>& m = kMember) {
  const User u = me();
  return decide_file_access(FileAccess{u, zone, m, f, d}, what);
}

TEST(FileAccessTest, OnlyMembersOfTheTownSeeAFileThatIsNotDeleted) {
  for (Zone zone : {Zone::lgwan, Zone::internet}) {
    for (FileWhat what : {FileWhat::metadata, FileWhat::content, FileWhat::inline_view, FileWhat::thumbnail}) {
      FileInfo f = photo();
      EXPECT_TRUE(decide(f, zone, what).ok());
      EXPECT_EQ(decide(f, zone, what, InternetDownload::allow, kNotMember).status().code(), Code::not_found);
      f.tenant = 2;
      EXPECT_EQ(decide(f, zone, what).status().code(), Code::not_found);
      f = photo();
      f.deleted = true;
      EXPECT_EQ(decide(f, zone, what).status().code(), Code::not_found);
      // Not attached yet: the uploader's alone.
      f = photo();
      f.seq = 0;
      EXPECT_EQ(decide(f, zone, what).status().code(), Code::not_found);
      f.uploader = kMe;
      EXPECT_TRUE(decide(f, zone, what).ok());
      // Refusals for other reasons never come before not_found.
      f = photo();
      f.state = FileState::blocked;
      f.deleted = true;
      EXPECT_EQ(decide(f, zone, what).status().code(), Code::not_found);
    }
  }
}

// The expected answer, from the rules of the brief written out case by case:
// "O" the original, "C" the clean copy, "T" the thumbnail, "M" metadata only, else the code.
std::string expected(Zone zone, FileState state, bool from_internet, InternetDownload d, FileWhat what) {
  if (what == FileWhat::metadata) return "M";
  if (state == FileState::processing) return "file_not_ready";
  if (zone == Zone::lgwan) {
    if (state != FileState::ready) return "file_withheld";
    return what == FileWhat::thumbnail ? "T" : "C";
  }
  if (state == FileState::blocked) return "file_withheld";
  if (what == FileWhat::thumbnail) return "T";
  const bool view_only = !from_internet && d == InternetDownload::view;
  if (!view_only) return "O";
  // View only: a preview of a checked image or PDF; no download.
  if (what == FileWhat::inline_view && state == FileState::ready) return "O";
  return "zone_forbidden";
}

TEST(FileAccessTest, TheWholeMatrix) {
  int cases = 0;
  for (Zone zone : {Zone::lgwan, Zone::internet}) {
    for (FileState state : {FileState::processing, FileState::ready, FileState::withheld, FileState::blocked}) {
      for (bool from_internet : {true, false}) {
        for (InternetDownload d : {InternetDownload::allow, InternetDownload::view}) {
          for (FileWhat what : {FileWhat::metadata, FileWhat::content, FileWhat::inline_view, FileWhat::thumbnail}) {
            FileInfo f = photo();
            f.state = state;
            f.from_internet = from_internet;
            f.detected_type = "image/jpeg";
            if (state != FileState::ready) {
              f.reason = state == FileState::blocked ? "executable" : "pixel_limit";
            }
            const std::string want = expected(zone, state, from_internet, d, what);
            auto r = decide(f, zone, what, d);
            const std::string label = std::string(zone == Zone::lgwan ? "lgwan " : "internet ") +
                                      file_state_name(state) + (from_internet ? " from-internet" : " from-lgwan") +
                                      (d == InternetDownload::view ? " view" : " allow") + " what=" +
                                      std::to_string(static_cast<int>(what));
            ++cases;
            if (want == "M") {
              ASSERT_TRUE(r.ok()) << label;
              EXPECT_TRUE(r->sha256.empty()) << label;
            } else if (want == "O" || want == "C" || want == "T") {
              ASSERT_TRUE(r.ok()) << label << ": " << r.status().message();
              const std::string blob = want == "O" ? f.sha256 : want == "C" ? f.clean_sha256 : f.thumb_sha256;
              EXPECT_EQ(r->sha256, blob) << label;
            } else {
              ASSERT_FALSE(r.ok()) << label << " gave blob " << r->sha256;
              EXPECT_EQ(code_name(r.status().code()), want) << label;
              if (want == "file_withheld") {
                EXPECT_NE(r.status().message().find(f.reason), std::string::npos) << label;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 2 * 4 * 2 * 2 * 4);
}

TEST(FileAccessTest, TheLgwanZoneNeverGetsAnOriginalByAnyPath) {
  // Every state, every kind of request, both origins: an LGWAN answer is never the
  // original's blob unless the job made the clean copy the original itself.
  for (FileState state : {FileState::processing, FileState::ready, FileState::withheld, FileState::blocked}) {
    for (bool from_internet : {true, false}) {
      for (FileWhat what : {FileWhat::content, FileWhat::inline_view, FileWhat::thumbnail}) {
        FileInfo f = photo();
        f.state = state;
        f.from_internet = from_internet;
        auto r = decide(f, Zone::lgwan, what);
        if (r.ok()) {
          EXPECT_NE(r->sha256, f.sha256);
        }
      }
    }
  }
  FileInfo ready_without_copy = photo();
  ready_without_copy.clean_sha256.clear();
  EXPECT_EQ(decide(ready_without_copy, Zone::lgwan, FileWhat::content).status().code(), Code::internal);
}

TEST(FileAccessTest, NamesTypesAndInline) {
  FileInfo f = photo();
  auto lg = decide(f, Zone::lgwan, FileWhat::inline_view);
  ASSERT_TRUE(lg.ok());
  EXPECT_EQ(lg->name, "破裂箇所.jpg");
  EXPECT_EQ(lg->type, "image/jpeg");
  EXPECT_EQ(lg->size, 3000);
  EXPECT_TRUE(lg->as_inline);
  EXPECT_FALSE(decide(f, Zone::lgwan, FileWhat::content)->as_inline);
  // The Internet zone gets the original, under its own name and detected type (HEIC is no
  // inline type).
  auto net = decide(f, Zone::internet, FileWhat::inline_view);
  ASSERT_TRUE(net.ok());
  EXPECT_EQ(net->name, "破裂箇所.heic");
  EXPECT_EQ(net->type, "image/heic");
  EXPECT_FALSE(net->as_inline);
  // Never the declared type: unknown by content is octets.
  f.detected_type.clear();
  EXPECT_EQ(decide(f, Zone::internet, FileWhat::content)->type, "application/octet-stream");
  // A withheld PDF is not shown inline in the Internet zone (the job could not check it).
  f = photo();
  f.detected_type = "application/pdf";
  EXPECT_TRUE(decide(f, Zone::internet, FileWhat::inline_view)->as_inline);
  f.state = FileState::withheld;
  f.reason = "encrypted";
  EXPECT_FALSE(decide(f, Zone::internet, FileWhat::inline_view)->as_inline);
  // Thumbnails: none made is not_found.
  f = photo();
  f.thumb_sha256.clear();
  EXPECT_EQ(decide(f, Zone::lgwan, FileWhat::thumbnail).status().code(), Code::not_found);
  // View only: a file from LGWAN that is not an image or PDF cannot even be previewed.
  f = photo();
  f.from_internet = false;
  f.detected_type = "text/csv";
  EXPECT_EQ(decide(f, Zone::internet, FileWhat::inline_view, InternetDownload::view).status().code(),
            Code::zone_forbidden);
  EXPECT_TRUE(decide(f, Zone::internet, FileWhat::thumbnail, InternetDownload::view).ok());
}

}  // namespace
}  // namespace tonari::services
