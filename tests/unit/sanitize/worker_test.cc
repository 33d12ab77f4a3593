// The tonari-sanitize binary as the server runs it: one line of JSON and status 0 for a
// job; for a crash, a loop, memory exhaustion or a network attempt, a signal or a
// non-zero status and no JSON, within the limits given. Confined, it reads only its input
// and its output directory, and still gives what sanitize_file() gives unconfined.
#include <gtest/gtest.h>
#include <linux/landlock.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "checks.h"

namespace tonari::sanitize {
namespace {

using test::TempDir;
namespace json = boost::json;

const char* const kPolicy = R"({"image":"rebuild","pdf":"rebuild","office":"rebuild","keep_gps":false})";

test::Run worker(const std::string& in, const std::string& name, const TempDir& out,
                 std::vector<std::string> extra = {}, const std::string& policy = kPolicy) {
  std::vector<std::string> argv = {TONARI_SANITIZE_BIN, "--in", in, "--name", name, "--out", out.path(),
                                   "--policy", policy};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return test::run(argv, 30);
}

json::object result_of(const test::Run& r) {
  EXPECT_TRUE(r.exited(0)) << "status " << r.status << ": " << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  return json::parse(r.out).as_object();
}

TEST(SanitizeWorker, PrintsOneLineOfJsonWithEveryField) {
  TempDir out;
  const json::object o = result_of(worker(test::fixture("photo.jpg"), "写真.jpg", out, {},
                                          R"({"image":"rebuild","keep_gps":true})"));
  EXPECT_EQ(o.at("outcome").as_string(), "sanitized");
  EXPECT_EQ(o.at("reason").as_string(), "");
  EXPECT_EQ(o.at("detected_type").as_string(), "image/jpeg");
  EXPECT_EQ(o.at("family").as_string(), "image");
  EXPECT_EQ(o.at("output_type").as_string(), "image/jpeg");
  EXPECT_EQ(o.at("output_name").as_string(), "写真.jpg");
  EXPECT_EQ(o.at("width").as_int64(), 320);
  EXPECT_EQ(o.at("height").as_int64(), 240);
  EXPECT_EQ(o.at("pages").as_int64(), 0);
  EXPECT_NEAR(o.at("lat").to_number<double>(), 36.0556, 1e-3);
  EXPECT_NEAR(o.at("lon").to_number<double>(), 139.1839, 1e-3);
  EXPECT_FALSE(o.at("detail").as_string().empty());
  EXPECT_EQ(o.at("text").as_string(), "");  // a photo has none, and nothing to say about it
  EXPECT_EQ(o.at("text_note").as_string(), "");
  // Outputs are bare names inside --out.
  const std::string output(o.at("output").as_string()), thumbnail(o.at("thumbnail").as_string());
  EXPECT_EQ(output.find('/'), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_regular_file(out.file(output)));
  EXPECT_TRUE(std::filesystem::is_regular_file(out.file(thumbnail)));
  EXPECT_EQ(test::metadata_tags(out.file(output)), std::vector<std::string>{});
}

TEST(SanitizeWorker, RefusalsAreResultsToo) {
  TempDir out;
  const json::object blocked = result_of(worker(test::fixture("invoice.jpg"), "invoice.jpg", out));
  EXPECT_EQ(blocked.at("outcome").as_string(), "blocked");
  EXPECT_EQ(blocked.at("reason").as_string(), "executable");
  EXPECT_EQ(blocked.at("output").as_string(), "");
  EXPECT_FALSE(blocked.contains("lat"));
  EXPECT_EQ(blocked.at("text").as_string(), "");
  const json::object clean = result_of(worker(test::fixture("voters-sjis.csv"), "voters-sjis.csv", out));
  EXPECT_EQ(clean.at("outcome").as_string(), "clean");
  EXPECT_EQ(clean.at("output").as_string(), "");
  // Only the text of the original it passes.
  EXPECT_EQ(out.entries(), std::vector<std::string>{std::string(clean.at("text").as_string())});
}

TEST(SanitizeWorker, PixelFloodStaysSmallUnderATightMemoryLimit) {
  TempDir out;
  const json::object o =
      result_of(worker(test::fixture("pixel-flood.png"), "pixel-flood.png", out, {"--memory-mb", "256"}));
  EXPECT_EQ(o.at("outcome").as_string(), "withheld");
  EXPECT_EQ(o.at("reason").as_string(), "pixel_limit");
}

TEST(SanitizeWorker, PdfThroughTheConfinedWorker) {
  TempDir out;
  const json::object o = result_of(worker(test::fixture("agenda-with-js.pdf"), "agenda.pdf", out, {},
                                          R"({"pdf":"rasterize"})"));
  EXPECT_EQ(o.at("outcome").as_string(), "sanitized");
  EXPECT_EQ(o.at("pages").as_int64(), 1);
  EXPECT_EQ(test::active_pdf_names(out.file(std::string(o.at("output").as_string()))), std::vector<std::string>{});
}

TEST(SanitizeWorker, CrashHookEndsWithASignalAndNoResult) {
  TempDir out;
  const test::Run r = worker(test::fixture("photo.jpg"), "p.jpg", out, {"--allow-test-hooks", "--test-hook", "crash"});
  EXPECT_EQ(r.signal(), SIGABRT);
  EXPECT_EQ(r.out, "");
}

// Two seconds of CPU time; on a loaded machine that can take many more of wall time, so
// the helper's own wall clock (which would end it with SIGKILL) is far away.
TEST(SanitizeWorker, LoopHookIsEndedByTheCpuLimit) {
  TempDir out;
  const test::Run r = test::run({TONARI_SANITIZE_BIN, "--in", test::fixture("photo.jpg"), "--name", "p.jpg", "--out",
                                 out.path(), "--policy", "{}", "--allow-test-hooks", "--test-hook", "loop",
                                 "--cpu-seconds", "2"},
                                300);
  EXPECT_EQ(r.signal(), SIGXCPU) << "status " << r.status;
  EXPECT_EQ(r.out, "");
}

TEST(SanitizeWorker, OomHookDiesAtTheMemoryLimit) {
  TempDir out;
  const test::Run r = worker(test::fixture("photo.jpg"), "p.jpg", out,
                             {"--allow-test-hooks", "--test-hook", "oom", "--memory-mb", "256"});
  EXPECT_FALSE(r.exited(0)) << "status " << r.status;
  EXPECT_NE(r.signal(), SIGKILL);  // ended by the limit, not by the helper's wall clock
  EXPECT_EQ(r.out, "");
}

TEST(SanitizeWorker, OpeningASocketIsKilledBySeccomp) {
  TempDir out;
  const test::Run r = worker(test::fixture("photo.jpg"), "p.jpg", out, {"--allow-test-hooks", "--test-hook", "net"});
  EXPECT_EQ(r.signal(), SIGSYS) << "status " << r.status << ": " << r.err;
  EXPECT_EQ(r.out, "");
}

// After a decoder exploit: what the hook's call answers — "denied: <errno name>", or ""
// when the seccomp filter killed the worker (SIGSYS).
std::string refused_hook(const std::string& hook) {
  TempDir out;
  const test::Run r = worker(test::fixture("photo.jpg"), "p.jpg", out, {"--allow-test-hooks", "--test-hook", hook});
  if (r.signal() == SIGSYS) return "";
  const json::object o = result_of(r);
  EXPECT_EQ(o.at("outcome").as_string(), "withheld");
  return std::string(o.at("detail").as_string());
}

// The server runs as the worker's uid in its PID namespace: no SIGSTOP or SIGKILL for it.
// (Landlock's signal scope, ABI 6, refuses it too; the filter does on any kernel.)
TEST(SanitizeWorker, SignallingTheServerIsRefused) {
  const std::string detail = refused_hook("kill-parent");
  EXPECT_TRUE(detail == "" || detail == "denied: EPERM") << detail;
  // This process, the worker's parent, was not stopped: it runs this line.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("State:", 0) == 0) EXPECT_EQ(line.find("stopped"), std::string::npos) << line;
  }
}

// io_uring would open and connect sockets where the filter does not look.
TEST(SanitizeWorker, IoUringIsRefused) {
  const std::string detail = refused_hook("io-uring");
  EXPECT_TRUE(detail == "" || detail == "denied: EPERM" || detail == "denied: ENOSYS") << detail;
}

// A pidfd for the server would lead to pidfd_getfd (its descriptors) and pidfd_send_signal.
TEST(SanitizeWorker, PidfdForTheServerIsRefused) {
  const std::string detail = refused_hook("pidfd");
  EXPECT_TRUE(detail == "" || detail == "denied: EPERM") << detail;
}

bool kernel_has_landlock() {
  return ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

// What the confined worker answers when its read hook opens `path`.
std::string read_hook(const std::string& path, const TempDir& out) {
  const json::object o = result_of(
      worker(test::fixture("photo.jpg"), "p.jpg", out, {"--allow-test-hooks", "--test-hook", "read:" + path}));
  EXPECT_EQ(o.at("outcome").as_string(), "withheld");
  return std::string(o.at("detail").as_string());
}

// A decoder taken over by a hostile file could copy any file the worker's user can read
// (the server's database, its secrets) into an output; Landlock leaves it its input and
// --out, not even the input's neighbours.
TEST(SanitizeWorker, ConfinedWorkerReadsOnlyItsInputAndOutputDirectory) {
  if (!kernel_has_landlock()) GTEST_SKIP() << "this kernel has no Landlock";
  TempDir out, elsewhere;
  test::write_file(elsewhere.file("tonari.db"), "not for users");
  test::write_file(out.file("part"), "x");
  EXPECT_EQ(read_hook(elsewhere.file("tonari.db"), out), "denied: EACCES");
  EXPECT_EQ(read_hook(test::fixture("clean.png"), out), "denied: EACCES");
  EXPECT_EQ(read_hook(test::fixture("photo.jpg"), out), "opened");
  EXPECT_EQ(read_hook(out.file("part"), out), "opened");
}

// A file's bytes ("" for no file), a PDF's /ID (new on every run) blanked.
std::string comparable_bytes(const std::string& path) {
  if (path.empty()) return "";
  std::string bytes = test::read_file(path);
  if (bytes.rfind("%PDF", 0) != 0) return bytes;
  for (auto at = bytes.find("/ID ["); at != std::string::npos; at = bytes.find("/ID [", at + 1))
    std::fill(bytes.begin() + at, bytes.begin() + std::min(bytes.find(']', at), bytes.size()), ' ');
  return bytes;
}

// What the libraries still read at run time (fonts for PDF pages and SVG text, ...) stays
// readable: for every fixture and both levels, the confined worker gives the result and
// the bytes that sanitize_file() gives in this unconfined process.
TEST(SanitizeWorker, EveryFixtureGivesTheUnconfinedResult) {
  for (const Level level : {Level::rebuild, Level::rasterize}) {
    const std::string word = level == Level::rebuild ? "rebuild" : "rasterize";
    const std::string policy_json = json::serialize(json::object{{"image", word}, {"pdf", word}, {"office", word}});
    const Policy policy{.image = level, .pdf = level, .office = level};
    std::vector<std::filesystem::path> inputs;
    for (const std::string dir : {test::fixture(""), std::string(TONARI_SANITIZE_TEST_DIR) + "/fixtures"}) {
      for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() != ".py") inputs.push_back(entry.path());
    }
    for (const auto& path : inputs) {
      const std::string in = path.string(), name = path.filename().string();
      SCOPED_TRACE(name + " " + word);
      TempDir confined, here;
      const json::object o = result_of(worker(in, name, confined, {}, policy_json));
      const Job job = test::job(in, name, here, policy);
      Result r = sanitize_file(job);
      extract_text(job, r, std::chrono::steady_clock::now() + std::chrono::minutes(1));
      const auto text = [&o](const char* key) { return std::string(o.at(key).as_string()); };
      EXPECT_EQ(text("outcome"), outcome_name(r.outcome)) << text("detail");
      EXPECT_EQ(text("reason"), r.reason);
      EXPECT_EQ(text("detected_type"), r.detected_type);
      EXPECT_EQ(text("output_type"), r.output_type);
      EXPECT_EQ(text("output_name"), r.output_name);
      EXPECT_EQ(o.at("width").as_int64(), r.width);
      EXPECT_EQ(o.at("height").as_int64(), r.height);
      EXPECT_EQ(o.at("pages").as_int64(), r.pages);
      const std::string output = text("output"), thumbnail = text("thumbnail");
      EXPECT_TRUE(comparable_bytes(output.empty() ? "" : confined.file(output)) == comparable_bytes(r.output))
          << "the outputs differ";
      EXPECT_TRUE(comparable_bytes(thumbnail.empty() ? "" : confined.file(thumbnail)) ==
                  comparable_bytes(r.thumbnail))
          << "the thumbnails differ";
      // The text too: poppler's CMaps and UTF-16 converter, libzip and ICU work confined.
      EXPECT_EQ(text("text_note"), r.text_note);
      EXPECT_EQ(text("text").empty() ? "" : test::read_file(confined.file(text("text"))),
                r.text.empty() ? "" : test::read_file(r.text));
    }
  }
}

std::string text_fixture(const std::string& name) { return std::string(TONARI_SANITIZE_TEST_DIR) + "/fixtures/" + name; }

std::string text_of(const json::object& o, const TempDir& out) {
  const std::string name(o.at("text").as_string());
  EXPECT_EQ(name.find('/'), std::string::npos);
  return name.empty() ? "" : test::read_file(out.file(name));
}

TEST(SanitizeWorker, WritesTheDeliveredFilesTextBesideItsOutput) {
  TempDir out;
  const json::object pdf = result_of(worker(text_fixture("notice-ja.pdf"), "お知らせ.pdf", out));
  EXPECT_EQ(pdf.at("outcome").as_string(), "sanitized");
  EXPECT_TRUE(text_of(pdf, out).starts_with("防災訓練のお知らせ\n例規審査会")) << text_of(pdf, out);
  // A font that is not embedded: poppler-data's CMaps, read under Landlock.
  if (std::filesystem::exists("/usr/share/poppler/cMap")) {
    const std::string in = out.file("cid.pdf");
    test::write_file(in, test::make_pdf({
        "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        test::pdf_stream("BT /F1 12 Tf 20 100 Td <4F1A8B70> Tj ET"),
        "<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 /CIDSystemInfo << /Registry (Adobe)"
        " /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
        "<< /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 6 /FontBBox [-123 -257 1001 910] /ItalicAngle 0"
        " /Ascent 859 /Descent -141 /CapHeight 709 /StemV 69 >>"}));
    TempDir cid_out;
    EXPECT_EQ(text_of(result_of(worker(in, "cid.pdf", cid_out)), cid_out), "会議");
  }
}

TEST(SanitizeWorker, TextOfTheOriginalOrNoneOnRequest) {
  TempDir out;
  const std::string docx = text_fixture("minutes-ja.docx");
  const std::string rasterize = R"({"office":"rasterize"})";
  const json::object delivered = result_of(worker(docx, "要領.docx", out, {}, rasterize));
  EXPECT_EQ(delivered.at("reason").as_string(), "no_converter");
  EXPECT_EQ(delivered.at("text").as_string(), "");
  const json::object original = result_of(worker(docx, "要領.docx", out, {"--text-of", "original"}, rasterize));
  EXPECT_EQ(original.at("outcome").as_string(), "withheld");
  EXPECT_TRUE(text_of(original, out).starts_with("令和8年度 防災訓練実施要領")) << text_of(original, out);
  const json::object none = result_of(worker(docx, "要領.docx", out, {"--text-of", "none"}));
  EXPECT_EQ(none.at("outcome").as_string(), "sanitized");
  EXPECT_EQ(none.at("text").as_string(), "");
  EXPECT_TRUE(worker(docx, "a.docx", out, {"--text-of", "everything"}).exited(2));
}

// Reading the text never fails the job: a crash there, or a reader that does not return,
// still gives the sanitized result (without text), with status 0, before the server's kill.
TEST(SanitizeWorker, ACrashWhileReadingTheTextStillGivesTheResult) {
  TempDir out;
  const test::Run r = worker(text_fixture("notice-ja.pdf"), "a.pdf", out, {"--allow-test-hooks", "--test-hook", "text-crash"});
  const json::object o = result_of(r);
  EXPECT_EQ(o.at("outcome").as_string(), "sanitized");
  EXPECT_TRUE(std::filesystem::is_regular_file(out.file(std::string(o.at("output").as_string()))));
  EXPECT_EQ(o.at("text").as_string(), "");
  EXPECT_NE(o.at("text_note").as_string().find("crashed"), json::string::npos);
}

TEST(SanitizeWorker, AHangWhileReadingTheTextEndsBeforeTheServerKills) {
  TempDir out;
  const auto started = std::chrono::steady_clock::now();
  // --cpu-seconds 4: the server's wall clock is 3 s; the alarm comes at 90 % of it.
  const test::Run r = worker(text_fixture("minutes-ja.docx"), "a.docx", out,
                             {"--cpu-seconds", "4", "--allow-test-hooks", "--test-hook", "text-loop"});
  const auto took = std::chrono::steady_clock::now() - started;
  const json::object o = result_of(r);
  EXPECT_EQ(o.at("outcome").as_string(), "sanitized");
  EXPECT_EQ(o.at("text").as_string(), "");
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_GT(took, std::chrono::seconds(2));
}

TEST(SanitizeWorker, TestHooksNeedTheirOwnFlag) {
  TempDir out;
  const test::Run r = worker(test::fixture("photo.jpg"), "p.jpg", out, {"--test-hook", "crash"});
  EXPECT_EQ(result_of(r).at("outcome").as_string(), "sanitized");
  EXPECT_NE(r.err.find("ignored"), std::string::npos);
}

TEST(SanitizeWorker, BadArgumentsExitWithStatusTwo) {
  TempDir out;
  EXPECT_TRUE(test::run({TONARI_SANITIZE_BIN, "--in", test::fixture("photo.jpg")}).exited(2));
  EXPECT_TRUE(worker(test::fixture("photo.jpg"), "p.jpg", out, {}, "{not json").exited(2));
  EXPECT_TRUE(worker(test::fixture("photo.jpg"), "p.jpg", out, {}, R"({"pdf":"shred"})").exited(2));
  EXPECT_TRUE(test::run({TONARI_SANITIZE_BIN, "--in", test::fixture("photo.jpg"), "--name", "p.jpg", "--out",
                         out.file("missing"), "--policy", "{}"})
                  .exited(2));
}

}  // namespace
}  // namespace tonari::sanitize
