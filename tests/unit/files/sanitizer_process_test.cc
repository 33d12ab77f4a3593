#include "files/sanitizer_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kWorker = fs::path(TONARI_BINARY_DIR) / "tonari-sanitize";
const fs::path kFixtures = fs::path(TONARI_SOURCE_DIR) / ".." / "shared" / "fixtures" / "sanitize";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr const char* kPolicy = R"({"image":"rebuild","pdf":"rebuild","office":"rebuild","keep_gps":false})";

// The real worker, tonari-sanitize from this build (skipped when it was not built).
class RealWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kWorker.c_str(), X_OK) != 0) {
      GTEST_SKIP() << kWorker << " is not built: the sanitizer worker (src/sanitize) is missing";
    }
    limits_.exe = kWorker;
    limits_.seconds = 10;
    limits_.memory_mb = 512;
  }

  files::WorkerReport run(const std::string& fixture, const std::string& hook = {}) {
    out_ = dir_.path() / ("out-" + std::to_string(++runs_));
    fs::create_directory(out_);
    return files::run_worker(limits_, {kFixtures / fixture, fixture, out_, kPolicy, hook});
  }

  TempDir dir_;
  fs::path out_;
  int runs_ = 0;
  files::WorkerLimits limits_;
};

TEST_F(RealWorkerTest, PhotoIsRebuiltWithoutExif) {
  auto r = run("photo.jpg");
  ASSERT_TRUE(r.result) << r.failure << "\n" << r.stderr_tail;
  EXPECT_EQ(r.result->outcome, "sanitized");
  EXPECT_EQ(r.result->detected_type, "image/jpeg");
  EXPECT_EQ(r.result->width, 320);
  EXPECT_EQ(r.result->height, 240);
  ASSERT_FALSE(r.result->output.empty());
  EXPECT_EQ(r.result->output.parent_path(), out_);
  const std::string bytes = slurp(r.result->output);
  ASSERT_GT(bytes.size(), 100u);
  EXPECT_EQ(bytes.substr(0, 3), "\xFF\xD8\xFF");
  EXPECT_EQ(bytes.find("Exif"), std::string::npos);
  EXPECT_FALSE(r.result->lat || r.result->lon);
  EXPECT_GT(r.peak_rss_kb, 0);
  EXPECT_FALSE(r.timed_out);
}

TEST_F(RealWorkerTest, ExecutableNamedJpgIsBlocked) {
  auto r = run("invoice.jpg");
  ASSERT_TRUE(r.result) << r.failure << "\n" << r.stderr_tail;
  EXPECT_EQ(r.result->outcome, "blocked");
  EXPECT_TRUE(r.result->reason == "executable" || r.result->reason == "type_mismatch") << r.result->reason;
  EXPECT_TRUE(r.result->output.empty());
}

TEST_F(RealWorkerTest, TheTextOfTheDeliveredFileIsNamed) {
  auto r = run("clean.docx");
  ASSERT_TRUE(r.result) << r.failure << "\n" << r.stderr_tail;
  EXPECT_EQ(r.result->outcome, "sanitized");
  ASSERT_FALSE(r.result->text.empty()) << r.result->text_note;
  EXPECT_EQ(r.result->text.parent_path(), out_);
  EXPECT_EQ(slurp(r.result->text), "例規審査会 資料");
  // The original's, whatever the outcome, when the server delivers the original as it is.
  const fs::path out = dir_.path() / "original";
  fs::create_directory(out);
  auto o = files::run_worker(limits_, {kFixtures / "clean.docx", "a.docx", out, R"({"office":"rasterize"})", "", true});
  ASSERT_TRUE(o.result) << o.failure << "\n" << o.stderr_tail;
  EXPECT_EQ(o.result->outcome, "withheld");
  ASSERT_FALSE(o.result->text.empty());
  EXPECT_EQ(slurp(o.result->text), "例規審査会 資料");
}

TEST_F(RealWorkerTest, EncryptedZipIsWithheld) {
  auto r = run("ppap.zip");
  ASSERT_TRUE(r.result) << r.failure << "\n" << r.stderr_tail;
  EXPECT_EQ(r.result->outcome, "withheld");
  EXPECT_EQ(r.result->reason, "encrypted");
}

TEST_F(RealWorkerTest, CrashingWorkerIsAFailure) {
  limits_.allow_test_hooks = true;
  auto r = run("photo.jpg", "crash");
  EXPECT_FALSE(r.result);
  EXPECT_FALSE(r.failure.empty());
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.ms, 10'000);
}

TEST_F(RealWorkerTest, LoopingWorkerIsKilledAtTheWallClockLimit) {
  limits_.allow_test_hooks = true;
  limits_.seconds = 2;
  auto r = run("photo.jpg", "loop");
  EXPECT_FALSE(r.result);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.failure, "timed out after 2 s");
  EXPECT_GE(r.ms, 2'000);
  EXPECT_LT(r.ms, 4'000);
}

TEST_F(RealWorkerTest, WorkerOverItsMemoryLimitIsAFailure) {
  limits_.allow_test_hooks = true;
  limits_.memory_mb = 256;
  auto r = run("photo.jpg", "oom");
  EXPECT_FALSE(r.result);
  EXPECT_FALSE(r.failure.empty());
  EXPECT_LT(r.ms, 10'000);
  // The limit held: the worker never came near what it tried to take.
  EXPECT_LT(r.peak_rss_kb, 512 * 1024);
}

TEST_F(RealWorkerTest, HooksNeedTheServersPermission) {
  // Without allow_test_hooks the hook is not passed on: an ordinary job.
  auto r = run("photo.jpg", "crash");
  ASSERT_TRUE(r.result) << r.failure;
  EXPECT_EQ(r.result->outcome, "sanitized");
}

TEST_F(RealWorkerTest, CancelKillsTheWorkerAtOnce) {
  limits_.allow_test_hooks = true;
  limits_.seconds = 30;
  const int cancel = ::eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(cancel, 0);
  std::thread stopper([cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(cancel, &one, sizeof one), 8);
  });
  out_ = dir_.path() / "cancel";
  fs::create_directory(out_);
  auto r = files::run_worker(limits_, {kFixtures / "photo.jpg", "photo.jpg", out_, kPolicy, "loop"}, cancel);
  stopper.join();
  ::close(cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.result);
  EXPECT_LT(r.ms, 3'000);
}

// A worker that misbehaves in ways the real one should not: a shell script stands in for
// a compromised tonari-sanitize (real processes, real pipes).
class HostileWorkerTest : public ::testing::Test {
 protected:
  // Runs `script` (sh) as the worker; the job's input is /dev/null.
  files::WorkerReport run(const std::string& script, int seconds = 10) {
    const fs::path exe = dir_.path() / ("worker-" + std::to_string(++runs_) + ".sh");
    {
      std::ofstream f(exe);
      f << "#!/bin/sh\n" << script << '\n';
    }
    fs::permissions(exe, fs::perms::owner_all);
    out_ = dir_.path() / ("out-" + std::to_string(runs_));
    fs::create_directory(out_);
    files::WorkerLimits limits;
    limits.exe = exe;
    limits.seconds = seconds;
    return files::run_worker(limits, {"/dev/null", "x.jpg", out_, kPolicy, ""});
  }

  TempDir dir_;
  fs::path out_;
  int runs_ = 0;
};

TEST_F(HostileWorkerTest, AValidResultIsParsed) {
  auto r = run(R"(cd "$HOME" && printf 'x' > o.jpg && printf 't' > t.jpg && printf 'text' > x.txt &&
echo '{"outcome":"sanitized","reason":"","detail":"ok","detected_type":"image/jpeg","family":"image","output":"o.jpg","output_type":"image/jpeg","output_name":"a.jpg","thumbnail":"t.jpg","width":3,"height":2,"pages":0,"lat":35.5,"lon":139.25,"text":"x.txt","text_note":"cut"}')");
  ASSERT_TRUE(r.result) << r.failure << r.stderr_tail;
  EXPECT_EQ(r.result->output, out_ / "o.jpg");
  EXPECT_EQ(r.result->thumbnail, out_ / "t.jpg");
  EXPECT_EQ(r.result->text, out_ / "x.txt");
  EXPECT_EQ(r.result->text_note, "cut");
  EXPECT_EQ(r.result->output_name, "a.jpg");
  EXPECT_EQ(r.result->width, 3);
  EXPECT_EQ(r.result->lat, 35.5);
  EXPECT_EQ(r.result->lon, 139.25);
}

TEST_F(HostileWorkerTest, OutputsOutsideTheDirectoryAreRefused) {
  for (const char* name : {"../../etc/passwd", "/etc/passwd", "..", "link.jpg", "hard.jpg", "dir"}) {
    auto r = run(std::string(R"(cd "$HOME" && ln -s /etc/passwd link.jpg && ln ../worker-1.sh hard.jpg 2>/dev/null; mkdir dir;
echo '{"outcome":"sanitized","output":")") + name + R"("}')");
    EXPECT_FALSE(r.result) << name;
    EXPECT_TRUE(r.failure == "output name is not a plain file name" ||
                r.failure == std::string("output ") + name + " is not a regular file of its own")
        << name << ": " << r.failure;
  }
}

TEST_F(HostileWorkerTest, ATextFileOutsideTheDirectoryIsRefused) {
  for (const char* name : {"../../etc/passwd", "link.txt"}) {
    auto r = run(std::string(R"(cd "$HOME" && ln -s /etc/passwd link.txt;
echo '{"outcome":"clean","text":")") + name + R"("}')");
    EXPECT_FALSE(r.result) << name;
  }
}

TEST_F(HostileWorkerTest, BadResultsAreFailures) {
  EXPECT_EQ(run("echo '{\"outcome\":\"clean\"}'; exit 3").failure, "exit status 3");
  EXPECT_EQ(run("echo 'not json'").failure.substr(0, 18), "result is not JSON");
  EXPECT_EQ(run("true").failure, "no result on stdout");
  EXPECT_EQ(run("echo '{\"outcome\":\"fine\"}'").failure, "unknown outcome \"fine\"");
  EXPECT_EQ(run("echo '{\"outcome\":\"withheld\"}'").failure, "withheld without a reason");
  EXPECT_EQ(run("echo '{\"outcome\":\"withheld\",\"reason\":\"<b>\"}'").failure, "reason is not a code");
  EXPECT_EQ(run("echo '{\"outcome\":\"clean\",\"width\":-1}'").failure, "\"width\" is not a count");
  EXPECT_EQ(run("echo '{\"outcome\":\"clean\",\"lat\":91}'").failure, "\"lat\" is out of range");
  EXPECT_EQ(run("head -c 100000 /dev/zero").failure, "more than 64 KiB on stdout");
  EXPECT_EQ(run("kill -SEGV $$").failure.substr(0, 19), "killed by signal 11");
  auto r = run("echo boom >&2; exit 1");
  EXPECT_EQ(r.failure, "exit status 1");
  EXPECT_EQ(r.stderr_tail, "boom\n");
}

TEST_F(HostileWorkerTest, TheWorkerGetsNothingOfTheServers) {
  ::setenv("TONARI_TEST_SECRET", "s3cret", 1);
  // A descriptor without O_CLOEXEC, as a careless library would leave one.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  auto r = run("fd=" + std::to_string(leaky) + R"sh(
if [ -e /proc/$$/fd/$fd ]; then leaked=fd; else leaked=none; fi
if [ -n "$TONARI_TEST_SECRET" ]; then leaked="$leaked-env"; fi
read line; if [ -n "$line" ]; then leaked="$leaked-stdin"; fi
if [ "$(pwd)" != "$HOME" ]; then leaked="$leaked-cwd"; fi
echo "{\"outcome\":\"clean\",\"detail\":\"$leaked $VIPS_CONCURRENCY\"}")sh");
  ::close(leaky);
  ::unsetenv("TONARI_TEST_SECRET");
  ASSERT_TRUE(r.result) << r.failure;
  EXPECT_EQ(r.result->detail, "none 1");
}

TEST_F(HostileWorkerTest, WhatTheWorkerLeftBehindDiesWithIt) {
  // A child that holds the pipes open does not keep the job waiting, and is killed.
  const fs::path marker = dir_.path() / "survivor";
  auto r = run("(sleep 3; touch " + marker.string() + ") & echo '{\"outcome\":\"clean\"}'");
  ASSERT_TRUE(r.result) << r.failure;
  EXPECT_LT(r.ms, 2'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(3'500));
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(HostileWorkerTest, AHangingWorkerAndItsChildrenAreKilled) {
  const fs::path marker = dir_.path() / "survivor";
  auto r = run("(sleep 2; touch " + marker.string() + ") & sleep 30", 1);
  EXPECT_TRUE(r.timed_out);
  EXPECT_GE(r.ms, 1'000);
  EXPECT_LT(r.ms, 2'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));
  EXPECT_FALSE(fs::exists(marker));
}

TEST(SanitizerProcess, AMissingWorkerIsAFailure) {
  files::WorkerLimits limits;
  limits.exe = "/nonexistent/tonari-sanitize";
  auto r = files::run_worker(limits, {"/dev/null", "x", "/tmp", kPolicy, ""});
  EXPECT_FALSE(r.result);
  EXPECT_EQ(r.failure, "cannot start /nonexistent/tonari-sanitize: No such file or directory");
}

}  // namespace
}  // namespace tonari::testing
