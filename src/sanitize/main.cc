// tonari-sanitize: one sanitizing job in a confined process (the server spawns one per
// uploaded file). It confines itself before it opens the input, runs sanitize_file(),
// prints one line of JSON on standard output and exits 0; anything else — a signal, a
// non-zero status, no JSON — is the server's "sanitizer_failed". See docs/architecture.md.
//
//   tonari-sanitize --in FILE --name ORIGINAL_NAME --out DIR --policy JSON
//                   [--memory-mb 1024] [--cpu-seconds 60] [--max-output-mb 512]
//                   [--text-of delivered|original|none]
//                   [--test-hook crash|loop|oom|net|kill-parent|io-uring|pidfd|read:PATH|
//                                text-crash|text-loop]
//                   [--allow-test-hooks]
// Once the file is sanitized, the text of the delivered file (or the original's, with
// --text-of original) is written beside the outputs (extract_text()). That phase cannot
// fail the job: a crash, an abort or running out of time there prints the result without
// the text and exits 0.
#include <fcntl.h>
#include <malloc.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sanitize/confine.h"
#include "sanitize/runtime.h"
#include "sanitize/sanitize.h"

namespace json = boost::json;
using namespace tonari::sanitize;

namespace {

struct Args {
  Job job;
  Confinement confinement;
  std::string test_hook;
  bool allow_test_hooks = false;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "tonari-sanitize: " << problem << "\n"
            << "usage: tonari-sanitize --in FILE --name NAME --out DIR --policy JSON [--memory-mb N]"
               " [--cpu-seconds N] [--max-output-mb N] [--text-of delivered|original|none]\n";
  std::exit(2);
}

Level level_of(const json::object& policy, const char* key) {
  const json::value* v = policy.if_contains(key);
  if (!v) return Level::rebuild;
  if (v->is_string() && v->get_string() == "rebuild") return Level::rebuild;
  if (v->is_string() && v->get_string() == "rasterize") return Level::rasterize;
  usage(std::string("--policy: ") + key + " must be \"rebuild\" or \"rasterize\"");
}

Policy parse_policy(const std::string& text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) usage("--policy is not a JSON object");
  const json::object& o = v.get_object();
  Policy p;
  p.image = level_of(o, "image");
  p.pdf = level_of(o, "pdf");
  p.office = level_of(o, "office");
  if (const json::value* gps = o.if_contains("keep_gps")) {
    if (!gps->is_bool()) usage("--policy: keep_gps must be true or false");
    p.keep_gps = gps->get_bool();
  }
  return p;
}

std::int64_t positive(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n <= 0 || n > (1ll << 30)) usage(flag + " needs a positive number");
  return n;
}

Args parse(int argc, char** argv) {
  Args a;
  std::map<std::string, std::string> v;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--allow-test-hooks") {
      a.allow_test_hooks = true;
    } else if (i + 1 < argc && (flag == "--in" || flag == "--name" || flag == "--out" || flag == "--policy" ||
                                flag == "--memory-mb" || flag == "--cpu-seconds" || flag == "--max-output-mb" ||
                                flag == "--test-hook" || flag == "--text-of")) {
      v[flag] = argv[++i];
    } else {
      usage("unknown or incomplete argument " + flag);
    }
  }
  for (const char* required : {"--in", "--name", "--out", "--policy"})
    if (!v.count(required)) usage(std::string(required) + " is required");
  a.job.in = v["--in"];
  a.job.name = v["--name"];
  a.job.out_dir = v["--out"];
  struct stat st {};
  if (::stat(a.job.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) usage("--out must be a directory");
  a.job.policy = parse_policy(v["--policy"]);
  if (v.count("--memory-mb")) a.confinement.memory_mb = positive("--memory-mb", v["--memory-mb"]);
  if (v.count("--cpu-seconds")) a.confinement.cpu_seconds = positive("--cpu-seconds", v["--cpu-seconds"]);
  if (v.count("--max-output-mb")) a.confinement.max_output_mb = positive("--max-output-mb", v["--max-output-mb"]);
  a.job.limits.max_output_bytes = a.confinement.max_output_mb << 20;
  if (v.count("--text-of")) {
    const std::string& of = v["--text-of"];
    if (of == "delivered") a.job.text_of = TextOf::delivered;
    else if (of == "original") a.job.text_of = TextOf::original;
    else if (of == "none") a.job.text_of = TextOf::none;
    else usage("--text-of must be delivered, original or none");
  }
  a.test_hook = v.count("--test-hook") ? v["--test-hook"] : "";
  return a;
}

// Hooks for the tests of the server's handling of a failing worker, and of the
// confinement itself; they run confined. read:PATH answers instead of the job, with
// detail "opened" or "denied: <errno name>".
std::optional<Result> run_test_hook(const std::string& hook) {
  if (hook == "text-crash" || hook == "text-loop") return std::nullopt;  // in the text phase
  if (hook == "crash") std::abort();
  if (hook == "loop") {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
  }
  if (hook == "oom") {
    // Until RLIMIT_AS refuses; then die without a result, as a real worker would.
    std::vector<char*> blocks;
    for (;;) {
      char* p = static_cast<char*>(std::malloc(16 << 20));
      if (!p) std::abort();
      std::memset(p, 1, 16 << 20);
      blocks.push_back(p);
    }
  }
  if (hook == "net") {
    ::socket(AF_INET, SOCK_STREAM, 0);  // the seccomp filter kills the process here
    std::abort();
  }
  // What the filter must refuse: signalling the server, io_uring, a pidfd for the server.
  // Each answers "denied: <errno name>" (or the filter kills the process).
  if (hook == "kill-parent" || hook == "io-uring" || hook == "pidfd") {
    long rc = -1;
    if (hook == "kill-parent") {
      rc = ::kill(::getppid(), SIGSTOP);
      if (rc == 0) ::kill(::getppid(), SIGCONT);  // a failing test, not a stopped one
    } else if (hook == "io-uring") {
      alignas(8) unsigned char params[120] = {};  // struct io_uring_params
      rc = ::syscall(SYS_io_uring_setup, 8, params);
    } else {
      rc = ::syscall(SYS_pidfd_open, ::getppid(), 0);
    }
    Result r;
    r.detail = rc >= 0 ? "allowed" : std::string("denied: ") + ::strerrorname_np(errno);
    if (rc >= 0 && hook != "kill-parent") ::close(static_cast<int>(rc));
    return r;
  }
  if (hook.rfind("read:", 0) == 0) {
    const int fd = ::open(hook.c_str() + 5, O_RDONLY | O_CLOEXEC);
    Result r;
    r.detail = fd >= 0 ? "opened" : std::string("denied: ") + ::strerrorname_np(errno);
    if (fd >= 0) ::close(fd);
    return r;
  }
  usage("unknown test hook " + hook);
}

// Invalid UTF-8 (a library's message quoting a file's bytes) becomes U+FFFD, so the line
// is always valid JSON text.
std::string valid_utf8(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xc2) && !(n == 4 && c > 0xf4);
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string to_json(const Result& r) {
  json::object o;
  o["outcome"] = outcome_name(r.outcome);
  o["reason"] = valid_utf8(r.reason);
  o["detail"] = valid_utf8(r.detail);
  o["detected_type"] = valid_utf8(r.detected_type);
  o["family"] = valid_utf8(r.family);
  o["output"] = valid_utf8(base_name(r.output));
  o["output_type"] = valid_utf8(r.output_type);
  o["output_name"] = valid_utf8(r.output_name);
  o["thumbnail"] = valid_utf8(base_name(r.thumbnail));
  o["width"] = r.width;
  o["height"] = r.height;
  o["pages"] = r.pages;
  if (r.lat && r.lon) {
    o["lat"] = *r.lat;
    o["lon"] = *r.lon;
  }
  o["text"] = valid_utf8(base_name(r.text));
  o["text_note"] = valid_utf8(r.text_note);
  return json::serialize(o);
}

bool write_line(int fd, const std::string& line) {
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The text phase's way out (see the top of the file): the result line without the text,
// prepared before the phase began, written from a signal handler (write and _exit only).
const char* g_fallback = nullptr;
std::size_t g_fallback_size = 0;
int g_result_fd = -1;
constexpr int kTextPhaseSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM, SIGXCPU};

extern "C" void text_phase_failed(int) {
  const char* p = g_fallback;
  std::size_t left = g_fallback_size;
  while (left > 0) {
    const ssize_t n = ::write(g_result_fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::_exit(0);
}

void set_timer(std::chrono::microseconds after) {
  itimerval t{};
  t.it_value.tv_sec = static_cast<time_t>(after.count() / 1'000'000);
  t.it_value.tv_usec = static_cast<suseconds_t>(after.count() % 1'000'000);
  ::setitimer(ITIMER_REAL, &t, nullptr);
}

// Runs extract_text() with the way out armed: a fault or an abort in a library, or the
// hard deadline (an alarm), ends the process with `fallback` printed.
void extract_guarded(const Args& args, Result& result, const std::string& fallback, int result_fd,
                     std::chrono::steady_clock::time_point soft, std::chrono::steady_clock::time_point hard) {
  using namespace std::chrono;
  const auto left = duration_cast<microseconds>(hard - steady_clock::now());
  if (left <= microseconds(0)) {
    result.text_note = "no time left to read the text";
    return;
  }
  g_fallback = fallback.data();
  g_fallback_size = fallback.size();
  g_result_fd = result_fd;
  // A stack of its own: a runaway recursion in a parser faults on the normal one.
  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = text_phase_failed;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigfillset(&sa.sa_mask);
  for (const int sig : kTextPhaseSignals) ::sigaction(sig, &sa, nullptr);
  set_timer(left);

  if (args.allow_test_hooks && args.test_hook == "text-crash") {
    std::raise(SIGSEGV);
  } else if (args.allow_test_hooks && args.test_hook == "text-loop") {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
  }
  extract_text(args.job, result, soft);

  set_timer(microseconds(0));
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : kTextPhaseSignals) ::sigaction(sig, &dfl, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  Args args = parse(argc, argv);
  // Before any library starts: one job needs no parallelism, and glibc's per-thread
  // arenas would reserve address space that RLIMIT_AS counts. vips' temporary files
  // (images too big for memory) go into the job's directory, under RLIMIT_FSIZE.
  ::setenv("VIPS_CONCURRENCY", "1", 1);
  ::setenv("TMPDIR", args.job.out_dir.c_str(), 1);
  ::mallopt(M_ARENA_MAX, 2);

  // Standard output carries the result line and nothing else: whatever a library prints
  // there goes to standard error instead.
  const int result_fd = ::dup(STDOUT_FILENO);
  if (result_fd < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::perror("tonari-sanitize: dup");
    return 3;
  }

  std::vector<std::string> notes;
  if (const std::string error = confine_process(args.confinement, &notes); !error.empty()) {
    std::cerr << "tonari-sanitize: cannot confine the process: " << error << "\n";
    return 3;
  }
  if (std::string error; !init_runtime(&error)) {
    std::cerr << "tonari-sanitize: " << error << "\n";
    return 3;
  }
  if (const std::string error = restrict_filesystem(args.job.in, args.job.out_dir, &notes); !error.empty()) {
    std::cerr << "tonari-sanitize: cannot restrict file access: " << error << "\n";
    return 3;
  }
  for (const auto& note : notes) std::cerr << "tonari-sanitize: " << note << " (going on without it)\n";
  if (const std::string error = install_seccomp(); !error.empty()) {
    std::cerr << "tonari-sanitize: cannot install the seccomp filter: " << error << "\n";
    return 3;
  }
  std::optional<Result> hook_result;
  if (!args.test_hook.empty()) {
    if (args.allow_test_hooks)
      hook_result = run_test_hook(args.test_hook);
    else
      std::cerr << "tonari-sanitize: --test-hook ignored without --allow-test-hooks\n";
  }

  Result result = hook_result ? *hook_result : sanitize_file(args.job);
  if (!hook_result) {
    // The server kills the worker at --cpu-seconds - 1 s of wall time: the text phase ends
    // well before, by itself at 75 % of it (with the text so far), by the alarm at 90 %.
    const std::chrono::milliseconds wall =
        std::chrono::seconds(std::max<std::int64_t>(args.confinement.cpu_seconds - 1, 1));
    const auto soft = started + wall * 3 / 4, hard = started + wall * 9 / 10;
    Result without_text = result;
    without_text.text_note = "reading the text crashed or ran out of time";
    const std::string fallback = to_json(without_text) + "\n";
    extract_guarded(args, result, fallback, result_fd, soft, hard);
  }
  std::fflush(stdout);
  if (!write_line(result_fd, to_json(result) + "\n")) return 4;
  return 0;
}
