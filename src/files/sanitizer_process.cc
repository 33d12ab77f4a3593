#include "files/sanitizer_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <vector>

namespace tonari::files {
namespace {

constexpr std::size_t kMaxStdout = 64 * 1024;
constexpr std::size_t kStderrTail = 2048;

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int err) { return std::error_code(err, std::system_category()).message(); }

// Reads what `fd` has without blocking. Returns false at end of file or on an error other
// than "nothing yet" (the caller closes it).
bool read_some(int fd, std::string& into, std::size_t keep, bool tail, bool& overflow) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (tail) {
        into.append(buf, static_cast<std::size_t>(n));
        if (into.size() > 2 * keep) into.erase(0, into.size() - keep);
      } else {
        const std::size_t room = keep - std::min(keep, into.size());
        into.append(buf, std::min(room, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) > room) overflow = true;
      }
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// The environment of the worker: nothing of the server's (no secrets, no store URL), only
// what libraries need to run predictably.
std::vector<std::string> worker_environment(const WorkerJob& job) {
  return {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "LANG=C.UTF-8",
      "LC_ALL=C.UTF-8",
      "HOME=" + job.out_dir.string(),
      "TMPDIR=" + job.out_dir.string(),
      // One job per worker: libvips' thread pool would multiply its memory.
      "VIPS_CONCURRENCY=1",
  };
}

std::vector<std::string> worker_arguments(const WorkerLimits& limits, const WorkerJob& job) {
  std::vector<std::string> a = {
      limits.exe.string(), "--in", job.in.string(), "--name", job.name,
      "--out", job.out_dir.string(), "--policy", job.policy_json,
      "--memory-mb", std::to_string(limits.memory_mb),
      // One second over the wall clock: the server's kill is what ends a job; the CPU limit
      // ends a spinning worker whose server died.
      "--cpu-seconds", std::to_string(limits.seconds + 1),
      "--max-output-mb", std::to_string(limits.max_output_mb),
      "--text-of", job.text_of_original ? "original" : "delivered",
  };
  if (limits.allow_test_hooks && !job.test_hook.empty()) {
    a.insert(a.end(), {"--allow-test-hooks", "--test-hook", job.test_hook});
  }
  return a;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A name the worker gave for a file it wrote: one path component, naming a regular file
// with one link in out_dir. Returns the absolute path, or an error text.
std::string checked_output(const std::filesystem::path& out_dir, const std::string& name,
                           std::filesystem::path& path) {
  if (name.empty() || name.size() > 255 || name == "." || name == ".." ||
      name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
    return "output name is not a plain file name";
  }
  path = out_dir / name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "output " + name + ": " + errno_text(errno);
  // A hard link could name any file of the server's user; a symbolic link anything.
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
    return "output " + name + " is not a regular file of its own";
  }
  return {};
}

bool is_code(const std::string& s) {
  return s.size() <= 40 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// Parses and checks the worker's line. Returns an error text, or empty with `r` filled.
std::string parse_result(std::string_view text, const std::filesystem::path& out_dir,
                         WorkerResult& r) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return "no result on stdout";
  if (text.find('\n') != std::string_view::npos) return "more than one line on stdout";
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return "result is not JSON: " + ec.message();
  if (!v.is_object()) return "result is not a JSON object";
  const boost::json::object& o = v.get_object();
  std::string err;
  auto str = [&](const char* key) -> std::string {
    const boost::json::value* f = o.if_contains(key);
    if (!f || f->is_null()) return {};
    if (!f->is_string()) {
      err = std::string("\"") + key + "\" is not a string";
      return {};
    }
    return std::string(f->get_string());
  };
  auto int32 = [&](const char* key) -> std::int32_t {
    const boost::json::value* f = o.if_contains(key);
    if (!f || f->is_null()) return 0;
    if (f->is_int64() && f->get_int64() >= 0 && f->get_int64() <= INT32_MAX) {
      return static_cast<std::int32_t>(f->get_int64());
    }
    if (f->is_uint64() && f->get_uint64() <= INT32_MAX) return static_cast<std::int32_t>(f->get_uint64());
    err = std::string("\"") + key + "\" is not a count";
    return 0;
  };
  auto degrees = [&](const char* key, double limit) -> std::optional<double> {
    const boost::json::value* f = o.if_contains(key);
    if (!f || f->is_null()) return std::nullopt;
    if (!f->is_number()) {
      err = std::string("\"") + key + "\" is not a number";
      return std::nullopt;
    }
    const double d = f->to_number<double>();
    if (!(d >= -limit && d <= limit)) {
      err = std::string("\"") + key + "\" is out of range";
      return std::nullopt;
    }
    return d;
  };
  r.outcome = str("outcome");
  r.reason = str("reason");
  r.detail = str("detail");
  r.detected_type = str("detected_type");
  r.family = str("family");
  const std::string output = str("output");
  r.output_type = str("output_type");
  r.output_name = str("output_name");
  const std::string thumbnail = str("thumbnail");
  const std::string text_file = str("text");
  r.text_note = str("text_note");
  r.width = int32("width");
  r.height = int32("height");
  r.pages = int32("pages");
  r.lat = degrees("lat", 90);
  r.lon = degrees("lon", 180);
  if (!err.empty()) return err;
  if (r.outcome != "sanitized" && r.outcome != "clean" && r.outcome != "withheld" &&
      r.outcome != "blocked") {
    return "unknown outcome \"" + r.outcome + "\"";
  }
  if (!is_code(r.reason)) return "reason is not a code";
  if ((r.outcome == "withheld" || r.outcome == "blocked") && r.reason.empty()) {
    return r.outcome + " without a reason";
  }
  if (r.outcome == "sanitized" && output.empty()) return "sanitized without an output";
  if (!output.empty()) {
    if (std::string e = checked_output(out_dir, output, r.output); !e.empty()) return e;
  }
  if (!thumbnail.empty()) {
    if (std::string e = checked_output(out_dir, thumbnail, r.thumbnail); !e.empty()) return e;
  }
  if (!text_file.empty()) {
    if (std::string e = checked_output(out_dir, text_file, r.text); !e.empty()) return e;
  }
  return {};
}

std::string exit_text(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* what = ::sigdescr_np(sig);
    return "killed by signal " + std::to_string(sig) + " (" + (what ? what : "?") + ")" +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::filesystem::path default_worker_path() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "tonari-sanitize";
  return exe.parent_path() / "tonari-sanitize";
}

WorkerReport run_worker(const WorkerLimits& limits, const WorkerJob& job, int cancel_fd) {
  WorkerReport report;
  const auto started = Clock::now();

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    report.failure = "pipe: " + errno_text(errno);
    return report;
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    report.failure = "pipe: " + errno_text(errno);
    return report;
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  ::posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  // Nothing of the server's (sockets, the database, other workers' pipes) reaches the
  // worker, whatever a library opened without O_CLOEXEC.
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Nor its working directory (the data directory, under systemd).
  ::posix_spawn_file_actions_addchdir_np(&actions, job.out_dir.c_str());
  // Its own process group, so that a timeout kills whatever it started too; signal
  // dispositions and the mask back to the defaults (the server ignores some).
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setsigmask(&attr, &none);

  std::vector<std::string> args = worker_arguments(limits, job);
  std::vector<std::string> env = worker_environment(job);
  std::vector<char*> argv = c_strings(args), envp = c_strings(env);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, limits.exe.c_str(), &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    report.failure = "cannot start " + limits.exe.string() + ": " + errno_text(spawned);
    return report;
  }
  out_write.reset();
  err_write.reset();
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  // Readable when the worker exits, even while something it started holds its pipes.
  // Without pidfds (old kernels) the loop looks every 20 ms instead.
  // (The system call itself: glibc 2.36's <sys/pidfd.h> does not declare it for C++.)
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  std::string out, err;
  bool out_overflow = false, ignored = false;
  const auto deadline = started + std::chrono::seconds(limits.seconds);
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) {
      report.timed_out = true;
      break;
    }
    pollfd fds[4];
    nfds_t n = 0;
    int i_out = -1, i_err = -1, i_cancel = -1, i_pid = -1;
    if (out_read.get() >= 0) fds[i_out = n++] = {out_read.get(), POLLIN, 0};
    if (err_read.get() >= 0) fds[i_err = n++] = {err_read.get(), POLLIN, 0};
    if (cancel_fd >= 0) fds[i_cancel = n++] = {cancel_fd, POLLIN, 0};
    if (pidfd.get() >= 0) fds[i_pid = n++] = {pidfd.get(), POLLIN, 0};
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (pidfd.get() < 0) wait = std::min<long long>(wait, 20);
    if (::poll(fds, n, static_cast<int>(std::min<long long>(wait, INT32_MAX))) < 0) {
      if (errno == EINTR) continue;
      report.failure = "poll: " + errno_text(errno);
      break;
    }
    if (i_out >= 0 && fds[i_out].revents && !read_some(out_read.get(), out, kMaxStdout, false, out_overflow)) {
      out_read.reset();
    }
    if (i_err >= 0 && fds[i_err].revents && !read_some(err_read.get(), err, kStderrTail, true, ignored)) {
      err_read.reset();
    }
    if (i_cancel >= 0 && fds[i_cancel].revents) {
      report.cancelled = true;
      break;
    }
    if (i_pid >= 0 && fds[i_pid].revents) break;
    if (pidfd.get() < 0) {
      siginfo_t si{};
      if (::waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) break;
    }
  }
  // The worker is not reaped yet (its pid still names its group): end the group, which
  // also ends anything the worker left behind after a normal exit.
  ::kill(-pid, SIGKILL);
  // What it wrote before it ended is still in the pipes (their writers are gone now).
  if (out_read.get() >= 0) read_some(out_read.get(), out, kMaxStdout, false, out_overflow);
  if (err_read.get() >= 0) read_some(err_read.get(), err, kStderrTail, true, ignored);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  report.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  report.peak_rss_kb = usage.ru_maxrss;
  report.stderr_tail = err.size() > kStderrTail ? err.substr(err.size() - kStderrTail) : err;

  if (!report.failure.empty()) return report;
  if (report.cancelled) {
    report.failure = "cancelled (the server is stopping)";
  } else if (report.timed_out) {
    report.failure = "timed out after " + std::to_string(limits.seconds) + " s";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    report.failure = exit_text(status);
  } else if (out_overflow) {
    report.failure = "more than 64 KiB on stdout";
  } else {
    WorkerResult r;
    if (std::string e = parse_result(out, job.out_dir, r); !e.empty()) {
      report.failure = e;
    } else {
      report.result = std::move(r);
    }
  }
  return report;
}

}  // namespace tonari::files
