#include "services/file_jobs.h"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "core/text_limits.h"
#include "core/thread_name.h"
#include "files/names.h"
#include "log/log.h"
#include "services/crypto.h"
#include "services/events.h"
#include "services/files.h"

namespace tonari::services {
namespace {

// What the server takes from a worker's answer is checked against what tonari itself can
// produce: a compromised worker must not choose a header value or an executable name.
// (The worker is confined, but its decoders parse hostile bytes.)
const char* const kDeliveredTypes[] = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "application/zip",
    "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation"};
const char* const kDeliveredExtensions[] = {"jpg", "jpeg", "png", "gif", "webp", "pdf", "zip",
                                            "txt", "csv", "docx", "xlsx", "pptx"};
// Text passed byte-for-byte ("clean") only under names that no program runs or renders:
// an .html, .svg, .rdp or .iqy of plain-looking text is not text to the PC that opens it.
const char* const kCleanTextExtensions[] = {"txt", "csv", "tsv", "log", "text", "md", "json"};

// files::extension() without its dot, in lower case.
std::string lower_extension(const std::string& name) {
  std::string ext(files::extension(name));
  if (!ext.empty()) ext.erase(0, 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

template <std::size_t N>
bool listed(const char* const (&list)[N], const std::string& v) {
  for (const char* x : list) {
    if (v == x) return true;
  }
  return false;
}

// A media type to send as Content-Type: one of the worker's if it is a plain type/subtype,
// else application/octet-stream.
std::string plain_type(const std::string& t) {
  const auto slash = t.find('/');
  if (t.empty() || t.size() > 100 || slash == std::string::npos || slash == 0 || slash + 1 == t.size())
    return "application/octet-stream";
  for (char c : t) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '+' || c == '-'))
      return "application/octet-stream";
  }
  return t;
}


namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kMaxAttempts = 3;
constexpr auto kPoll = std::chrono::milliseconds(500);
constexpr const char* kJobDirPrefix = "job-";

std::int64_t ms_since(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t).count();
}

// The test hook a file's name asks for: only with [files] test_hooks.
std::string test_hook(const files::FilesConfig& config, const std::string& name) {
  if (!config.test_hooks) return {};
  for (const char* hook : {"crash", "loop", "oom"}) {
    if (name.starts_with(std::string("__") + hook + "__")) return hook;
  }
  return {};
}

// A log field must not carry the file's name (nor, through the worker's words, its
// contents' names): the file's id identifies it.
std::string without_name(std::string text, const std::string& name) {
  if (name.empty()) return text;
  for (std::size_t at; (at = text.find(name)) != std::string::npos;) text.replace(at, name.size(), "<name>");
  return text;
}

// The text file a worker wrote: at most store::kMaxFileTextBytes, cut back to the end of
// the last whole UTF-8 character. nullopt if it cannot be read or is not well-formed UTF-8
// without NUL (the worker writes such text only; one that does not is not believed).
std::optional<std::string> read_worker_text(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::string bytes(store::kMaxFileTextBytes, '\0');
  f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(f.gcount()));
  if (f.bad()) return std::nullopt;
  if (f.peek() != std::char_traits<char>::eof()) {
    // Longer than the limit: drop a character the cut split.
    std::size_t lead = bytes.size();
    while (lead > 0 && bytes.size() - lead < 4 && (static_cast<unsigned char>(bytes[lead - 1]) & 0xC0) == 0x80) --lead;
    if (lead > 0) {
      const auto c = static_cast<unsigned char>(bytes[lead - 1]);
      const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (bytes.size() - (lead - 1) < need) bytes.resize(lead - 1);
    }
  }
  if (!text::valid_utf8(bytes)) return std::nullopt;
  return bytes;
}

// Removes job directories that a crash left under `dir` (older than `age`: in a cluster
// other nodes' jobs work in the same shared directory).
void remove_stale_job_dirs(const fs::path& dir, std::chrono::seconds age) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - age;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::path p = it->path();
    if (!p.filename().string().starts_with(kJobDirPrefix)) continue;
    std::error_code e2;
    if (fs::last_write_time(p, e2) < cutoff && !e2) fs::remove_all(p, e2);
  }
}

}  // namespace

FileJobs::FileJobs(Context& ctx, files::BlobStore& blobs, Options options)
    : ctx_(ctx), blobs_(blobs), options_(std::move(options)) {
  const files::FilesConfig& c = options_.config;
  limits_.exe = c.sanitizer.empty() ? files::default_worker_path() : fs::path(c.sanitizer);
  limits_.seconds = std::max(c.job_seconds, 1);
  limits_.memory_mb = c.worker_memory_mb;
  limits_.allow_test_hooks = c.test_hooks;
  jobs_dir_ = blobs_.dir() / "tmp";
  cancel_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (cancel_fd_ < 0) {
    throw std::system_error(errno, std::system_category(), "eventfd for the file jobs");
  }
}

FileJobs::~FileJobs() {
  stop();
  ::close(cancel_fd_);
}

void FileJobs::start() {
  if (options_.single_process) {
    // No other node can hold a lease: those held when this process last stopped (or
    // crashed) are free at once rather than after they run out.
    auto r = await<std::int64_t>(
        [&](auto cb) { ctx_.store.release_file_jobs(0, std::move(cb)); });
    if (r && !r->ok()) {
      log::warn("file.jobs_release_failed", {{"error", r->status().message()}});
    } else if (r && **r > 0) {
      log::info("file.jobs_resumed", {{"jobs", **r}});
    }
  }
  std::error_code ec;
  fs::create_directories(jobs_dir_, ec);
  remove_stale_job_dirs(jobs_dir_, std::max(std::chrono::seconds(3600),
                                            std::chrono::seconds(10 * limits_.seconds)));
  if (::access(limits_.exe.c_str(), X_OK) != 0) {
    // Not fatal: every job ends sanitizer_failed (and says why) until it is installed.
    log::error("file.sanitizer_missing", {{"path", limits_.exe.string()}});
  }
  // workers = 0: this node sanitizes nothing (other nodes of its cluster do).
  for (int i = 0; i < options_.config.workers; ++i) slots_.emplace_back([this] { slot(); });
}

void FileJobs::notify() {
  {
    std::lock_guard lock(mu_);
    if (wakes_ < options_.config.workers) ++wakes_;
  }
  wake_.notify_one();
}

void FileJobs::stop() {
  if (stopping_.exchange(true)) return;
  const std::uint64_t one = 1;
  // Level-triggered: every running worker's wait sees it, now and later.
  if (::write(cancel_fd_, &one, sizeof one) != sizeof one) {
    log::error("file.jobs_stop_failed", {{"error", std::error_code(errno, std::system_category()).message()}});
  }
  {
    // An idle slot checks the flag under mu_: taking it here means the slot either sees
    // the flag or is already waiting for the notification.
    std::lock_guard lock(mu_);
  }
  wake_.notify_all();
  for (auto& t : slots_) t.join();
  slots_.clear();
}

void FileJobs::idle() {
  std::unique_lock lock(mu_);
  if (wake_.wait_for(lock, kPoll, [this] { return wakes_ > 0 || stopping(); }) && wakes_ > 0) {
    --wakes_;
  }
}

template <class T, class Start>
std::optional<Result<T>> FileJobs::await(Start start) {
  // The callback may come after stop() gave up waiting (the store drains at shutdown,
  // after this object may be gone): it holds the state, not this object.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<T>> result;
  };
  auto state = std::make_shared<State>();
  start([state](Result<T> r) {
    std::lock_guard lock(state->mu);
    state->result.emplace(std::move(r));
    state->cv.notify_all();
  });
  std::unique_lock lock(state->mu);
  while (!state->result) {
    // stop() does not know this wait: look at its flag now and then.
    state->cv.wait_for(lock, std::chrono::milliseconds(100));
    if (!state->result && stopping()) return std::nullopt;
  }
  return std::move(state->result);
}

void FileJobs::slot() {
  name_this_thread("tonari-job");
  const TimeMs lease_ms = (static_cast<TimeMs>(limits_.seconds) + 30) * 1000;
  std::string last_error;
  while (!stopping()) {
    auto claimed = await<std::optional<FileInfo>>([&](auto cb) {
      ctx_.store.claim_file_job(options_.node_id, ctx_.clock.now_ms(), lease_ms, std::move(cb));
    });
    if (!claimed) return;
    if (!claimed->ok()) {
      // Once per kind of failure, not every poll (a store that is down for a while).
      if (claimed->status().message() != last_error) {
        last_error = claimed->status().message();
        log::warn("file.claim_failed", {{"error", last_error}});
      }
      idle();
      continue;
    }
    last_error.clear();
    if (!**claimed) {
      idle();
      continue;
    }
    try {
      run(std::move(***claimed));
    } catch (...) {
      // Unexpected (an allocation): the lease runs out and the job is tried again.
      log::error("file.job_failed", {{"error", log::describe(std::current_exception())}});
    }
  }
}

void FileJobs::run(FileInfo f) {
  const auto started = SteadyClock::now();
  store::FileOutcome o;
  o.file = f.id;
  o.node = options_.node_id;
  files::WorkerReport report;
  std::string detail;
  const char* worker_outcome = "failed";
  fs::path job_dir;
  if (f.attempts > kMaxAttempts) {
    // Three jobs on this file ended without an outcome: their node died or stopped, or
    // could not read the policy, the original or the blob store.
    o.state = FileState::withheld;
    o.reason = "sanitizer_failed";
    detail = "not tried again after " + std::to_string(kMaxAttempts) + " attempts";
  } else {
    auto loaded = load_file_policy(ctx_.store, f.tenant);
    if (!loaded.ok()) {
      // Not knowing the policy, nothing may be decided: the lease runs out and the job
      // is tried again.
      log::warn("file.job_failed", {{"file", f.id}, {"error", loaded.status().message()}});
      return;
    }
    const FilePolicy& policy = *loaded;
    auto in = blobs_.path(f.sha256);
    if (!in.ok() || !blobs_.exists(f.sha256)) {
      // A shared directory that is not mounted (now, or on this node): another node, or
      // this one later, may see it. The lease runs out and the job is tried again.
      log::error("file.job_failed", {{"file", f.id}, {"error", "the original's blob is missing under " + blobs_.dir().string()}});
      return;
    }
    job_dir = jobs_dir_ / (kJobDirPrefix + random_token().substr(0, 16));
    std::error_code ec;
    if (!fs::create_directory(job_dir, ec) || ec) {
      log::error("file.job_failed", {{"file", f.id}, {"error", "cannot make " + job_dir.string() + ": " + ec.message()}});
      return;
    }
    fs::permissions(job_dir, fs::perms::owner_all, ec);
    stats_.running.fetch_add(1);
    // An LGWAN upload the municipality does not have checked is delivered as it is
    // (outcome()): the text for search is then the original's.
    const bool delivers_original = !f.from_internet && !policy.check_lgwan_uploads;
    report = files::run_worker(limits_, {*in, f.name, job_dir, sanitizer_policy_json(policy),
                                         test_hook(options_.config, f.name), delivers_original},
                               cancel_fd_);
    stats_.running.fetch_sub(1);
    if (report.cancelled) {
      // Stopping: not finished; the next start (or another node) runs it again.
      fs::remove_all(job_dir, ec);
      return;
    }
    if (report.result) worker_outcome = report.result->outcome.c_str();
    if (Status st = outcome(f, policy, report, o); !st.is_ok()) {
      log::error("file.job_failed", {{"file", f.id}, {"error", st.message()}});
      fs::remove_all(job_dir, ec);
      return;
    }
    detail = report.result ? report.result->detail
                           : report.failure + (report.stderr_tail.empty() ? "" : "; stderr: " + report.stderr_tail);
  }
  o.now = ctx_.clock.now_ms();
  Context& ctx = ctx_;
  auto finished = await<store::RoomChange>([&](auto cb) {
    ctx_.store.finish_file_job(o, [&ctx, cb = std::move(cb)](Result<store::RoomChange> r) {
      // Here, in the store's callback: a room's events are published in commit order.
      if (r.ok() && !r->events.empty()) publish_change(ctx, *r);
      cb(std::move(r));
    });
  });
  if (!job_dir.empty()) {
    std::error_code ec;
    fs::remove_all(job_dir, ec);
  }
  if (!finished) return;  // stopping
  if (!finished->ok()) {
    if (finished->status().code() == Code::conflict) {
      // Our lease ran out and another node took the file (or finished it already).
      stats_.lost.fetch_add(1);
      log::warn("file.job_lost", {{"file", f.id}, {"tenant", f.tenant}, {"ms", ms_since(started)}});
    } else {
      log::error("file.job_failed", {{"file", f.id}, {"error", finished->status().message()}});
    }
    return;
  }
  const std::int64_t ms = ms_since(started);
  stats_.jobs.fetch_add(1);
  stats_.job_ms.fetch_add(ms);
  for (auto peak = stats_.peak_rss_kb.load();
       report.peak_rss_kb > peak && !stats_.peak_rss_kb.compare_exchange_weak(peak, report.peak_rss_kb);) {
  }
  switch (o.state) {
    case FileState::ready: stats_.ready.fetch_add(1); break;
    case FileState::blocked: stats_.blocked.fetch_add(1); break;
    default: stats_.withheld.fetch_add(1); break;
  }
  if (o.reason == "sanitizer_failed") stats_.failed.fetch_add(1);
  if (detail.size() > 600) detail.resize(600);
  const bool ready = o.state == FileState::ready;
  const std::string shown_detail = ready ? std::string() : without_name(std::move(detail), f.name);
  // Why a ready file has no text or only part of it (a PDF that is only scans, a cut).
  const std::string text_note =
      ready && report.result ? text::printable(without_name(report.result->text_note, f.name), 200) : std::string();
  const auto level = o.reason == "sanitizer_failed" ? log::Level::warn : log::Level::info;
  if (!log::enabled(level)) return;
  log::write(level, ready ? "file.sanitized" : "file.withheld",
             {{"file", f.id},
              {"tenant", f.tenant},
              {"type", o.detected_type},
              {"outcome", worker_outcome},
              {"state", file_state_name(o.state)},
              {"reason", o.reason},
              {"sanitized", o.sanitized},
              {"attempt", f.attempts},
              {"ms", ms},
              {"worker_ms", report.ms},
              {"since_upload_ms", o.now - f.created_at},
              {"rss_kb", report.peak_rss_kb},
              {"text_bytes", static_cast<std::int64_t>(o.text.size())},
              {"text_note", text_note},
              {"detail", shown_detail}});
}

Status FileJobs::outcome(const FileInfo& f, const FilePolicy& policy,
                         const files::WorkerReport& report, store::FileOutcome& o) {
  if (!report.result) {
    // Crash, signal, timeout, no or bad JSON: fail closed, also for an LGWAN upload (its
    // type, and so whether it is an executable, is unknown).
    o.state = FileState::withheld;
    o.reason = "sanitizer_failed";
    return Status::ok();
  }
  const files::WorkerResult& r = *report.result;
  o.detected_type = plain_type(r.detected_type);
  o.width = r.width;
  o.height = r.height;
  o.pages = r.pages;
  if (policy.keep_gps) {
    o.lat = r.lat;
    o.lon = r.lon;
  }
  if (r.outcome == "blocked") {  // nobody gets anything, not even a thumbnail
    o.state = FileState::blocked;
    o.reason = r.reason;
    return Status::ok();
  }
  if (!r.thumbnail.empty()) {
    auto thumb = store_output(r.thumbnail);
    if (!thumb.ok()) return thumb.status();
    o.thumb_sha256 = thumb->first;
  }
  auto original = [&] {
    o.state = FileState::ready;
    o.clean_sha256 = f.sha256;
    o.clean_size = f.size;
    o.clean_type = plain_type(r.detected_type);
    o.clean_name = f.name;
    o.sanitized = false;
  };
  if (!f.from_internet && !policy.check_lgwan_uploads) {
    // An LGWAN upload the municipality does not check: the worker only detected the type
    // (blocking executables) and made the thumbnail; LGWAN users get the original.
    original();
  } else if (r.outcome == "withheld") {
    o.state = FileState::withheld;
    o.reason = r.reason;
  } else if (r.outcome == "clean") {
    // Only text under a name nothing runs or renders passes as it is.
    const std::string ext = lower_extension(f.name);
    if (r.family != "text" || !(ext.empty() || listed(kCleanTextExtensions, ext))) {
      o.state = FileState::withheld;
      o.reason = "unsupported_type";
      return Status::ok();
    }
    original();
    o.clean_type = r.output_type == "text/csv" ? "text/csv" : "text/plain";
  } else {  // sanitized
    // The delivered copy's type and extension must be ones a sanitizer makes; its name is
    // the upload's own with that extension.
    const std::string ext = lower_extension(r.output_name.empty() ? f.name : r.output_name);
    if (!listed(kDeliveredTypes, r.output_type) || !listed(kDeliveredExtensions, ext)) {
      o.state = FileState::withheld;
      o.reason = "sanitizer_failed";
      return Status::ok();
    }
    auto out = store_output(r.output);
    if (!out.ok()) return out.status();
    o.state = FileState::ready;
    o.clean_sha256 = out->first;
    o.clean_size = out->second;
    o.clean_type = r.output_type;
    const std::string have = lower_extension(f.name);
    std::string stem = have.empty() ? f.name : f.name.substr(0, f.name.size() - have.size() - 1);
    if (stem.empty()) stem = "file";
    o.clean_name = have == ext ? f.name : stem + "." + ext;
    o.sanitized = true;
  }
  // The text of what is delivered, for search (withheld and blocked files have none). A
  // text that cannot be used costs the file its search by content, never its delivery.
  if (o.state == FileState::ready && !r.text.empty()) {
    if (auto text = read_worker_text(r.text)) {
      o.text = std::move(*text);
    } else {
      log::warn("file.text_dropped", {{"file", f.id}, {"tenant", f.tenant}, {"error", "not UTF-8 text"}});
    }
  }
  return Status::ok();
}

Result<std::pair<std::string, std::int64_t>> FileJobs::store_output(const fs::path& path) {
  // The job directory is under the blob store's tmp/: a rename, no copy. The worker is
  // gone (reaped, its process group killed), so nothing changes the file meanwhile.
  const fs::path tmp = blobs_.temp_path();
  std::error_code ec;
  fs::rename(path, tmp, ec);
  if (ec) {
    // Another file system (a [files] dir whose tmp/ is a mount of its own).
    fs::copy_file(path, tmp, ec);
    if (ec) return internal_error("storing a worker's output: " + ec.message());
  }
  const auto size = fs::file_size(tmp, ec);
  if (ec) return internal_error("storing a worker's output: " + ec.message());
  auto hash = blobs_.put_hashed(tmp);
  if (!hash.ok()) return hash.status();
  return std::make_pair(std::move(*hash), static_cast<std::int64_t>(size));
}

}  // namespace tonari::services
