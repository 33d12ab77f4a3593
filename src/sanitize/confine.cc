#include "sanitize/confine.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

namespace tonari::sanitize {
namespace {

constexpr rlim_t kMaxFiles = 64;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit lim{soft, hard};
  return ::setrlimit(resource, &lim) == 0;
}

bool write_file(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// A user namespace where only our own ids are mapped, and an empty network namespace
// (no interface but a loopback that is down).
void enter_namespaces(std::vector<std::string>* notes) {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1"))
      notes->push_back(errno_text("user namespace id maps"));
    return;
  }
  notes->push_back(errno_text("unshare(CLONE_NEWUSER|CLONE_NEWNET) refused"));
  if (::unshare(CLONE_NEWNET) != 0) notes->push_back(errno_text("unshare(CLONE_NEWNET) refused"));
}

// Landlock rights newer than Debian 12's <linux/landlock.h> (Linux 6.1, ABI 2); the values
// are the kernel's stable UAPI.
constexpr std::uint64_t kFsTruncate = 1ULL << 14;   // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ULL << 15;   // ABI 5
constexpr std::uint64_t kNetBindTcp = 1ULL << 0;    // ABI 4
constexpr std::uint64_t kNetConnectTcp = 1ULL << 1;
constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr std::uint64_t kScopeSignal = 1ULL << 1;

// struct landlock_ruleset_attr as of ABI 6; an older kernel accepts it while the fields it
// does not know are zero.
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

constexpr std::uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
// Files and directories (zip.cc extracts members into one) in the output directory; no
// symlinks, devices, sockets or FIFOs. No REFER: nothing is linked or renamed into it from
// elsewhere (a hard link to the server's database would be an output too).
constexpr std::uint64_t kReadWrite = kRead | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
                                     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
                                     LANDLOCK_ACCESS_FS_REMOVE_DIR | kFsTruncate;
constexpr std::uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                      LANDLOCK_ACCESS_FS_READ_FILE | kFsTruncate | kFsIoctlDev;

// What the libraries read after init_runtime(): poppler (PDF pages, thumbnails) and librsvg
// (SVG text) find fonts through fontconfig on first use, and poppler reads its CJK maps
// (poppler-data) when a PDF uses a font it does not embed. Missing ones are skipped.
// gdk-pixbuf's loader modules stay out on purpose: librsvg draws embedded PNG and JPEG
// with the built-in loaders; other embedded formats are not drawn.
const char* const kLazyReads[] = {"/etc/fonts", "/usr/share/fontconfig", "/var/cache/fontconfig",
                                  "/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/poppler"};

int landlock_abi() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

// Every file-system right the kernel's ABI knows, so none is left unrestricted (ABI 4 and 6
// add network and scope rights, below; ABI 7 only audit logging, left at its default).
std::uint64_t handled_fs(int abi) {
  std::uint64_t rights = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) rights |= kFsTruncate;
  if (abi >= 5) rights |= kFsIoctlDev;
  return rights;
}

// How add_path_rule() treats a path: the input must be a regular file (a directory there
// would open everything beneath it) and is skipped otherwise, as a missing library path is;
// the output directory must exist.
enum class Target { input_file, output_dir, library_path };

// `access` (within `handled`) beneath `path`, or on it if it is not a directory. "" when
// done or skipped.
std::string add_path_rule(int ruleset, const std::string& path, Target target, std::uint64_t access,
                          std::uint64_t handled) {
  const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0 && target != Target::output_dir && errno == ENOENT) return "";
  if (fd < 0) return errno_text("Landlock rule for " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return errno_text("Landlock rule for " + path);
  }
  if (target == Target::input_file && !S_ISREG(st.st_mode)) {
    ::close(fd);
    return "";
  }
  if (!S_ISDIR(st.st_mode)) access &= kFileRights;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = access & handled;
  rule.parent_fd = fd;
  const long rc = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  ::close(fd);
  return rc == 0 ? "" : errno_text("Landlock rule for " + path);
}

// From /proc/self/status; 0 if it cannot be read (then it goes unchecked).
int thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  return 0;
}

struct SeccompRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

}  // namespace

std::string confine_process(const Confinement& c, std::vector<std::string>* notes) {
  const rlim_t mb = 1 << 20;
  const rlim_t cpu = static_cast<rlim_t>(c.cpu_seconds);
  if (!set_limit(RLIMIT_CORE, 0, 0)) return errno_text("RLIMIT_CORE");
  if (!set_limit(RLIMIT_AS, static_cast<rlim_t>(c.memory_mb) * mb, static_cast<rlim_t>(c.memory_mb) * mb))
    return errno_text("RLIMIT_AS");
  if (!set_limit(RLIMIT_CPU, cpu, cpu + 1)) return errno_text("RLIMIT_CPU");
  if (!set_limit(RLIMIT_FSIZE, static_cast<rlim_t>(c.max_output_mb) * mb, static_cast<rlim_t>(c.max_output_mb) * mb))
    return errno_text("RLIMIT_FSIZE");
  if (!set_limit(RLIMIT_NOFILE, kMaxFiles, kMaxFiles)) return errno_text("RLIMIT_NOFILE");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_text("PR_SET_NO_NEW_PRIVS");
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return errno_text("PR_SET_PDEATHSIG");
  enter_namespaces(notes);
  // Not dumpable: no ptrace by another process of the same user, no core file.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return errno_text("PR_SET_DUMPABLE");
  return "";
}

std::string restrict_filesystem(const std::string& input, const std::string& out_dir,
                                std::vector<std::string>* notes) {
  const int abi = landlock_abi();
  if (abi < 1) {
    notes->push_back(errno_text("Landlock unavailable"));
    return "";
  }
  if (const int threads = thread_count(); threads > 1)
    return "Landlock: " + std::to_string(threads) + " threads run already, the others would stay unconfined";
  RulesetAttr attr;
  attr.handled_access_fs = handled_fs(abi);
  if (abi >= 4) attr.handled_access_net = kNetBindTcp | kNetConnectTcp;  // no rule: both refused
  if (abi >= 6) attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) return errno_text("landlock_create_ruleset");
  const int ruleset = static_cast<int>(fd);
  const std::uint64_t handled = attr.handled_access_fs;
  std::string error = add_path_rule(ruleset, input, Target::input_file, LANDLOCK_ACCESS_FS_READ_FILE, handled);
  if (error.empty()) error = add_path_rule(ruleset, out_dir, Target::output_dir, kReadWrite, handled);
  for (const char* path : kLazyReads)
    if (error.empty()) error = add_path_rule(ruleset, path, Target::library_path, kRead, handled);
  if (error.empty() && ::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
    error = errno_text("landlock_restrict_self");
  ::close(ruleset);
  return error;
}

namespace {

// EPERM for syscall `nr` when its first argument is in [lo, hi]. libseccomp takes one
// comparison per argument and rule, so the range becomes aligned power-of-two blocks, one
// masked comparison each (about two per bit of hi).
bool deny_range(scmp_filter_ctx ctx, int nr, scmp_datum_t lo, scmp_datum_t hi) {
  while (lo <= hi && lo != 0) {
    scmp_datum_t size = lo & -lo;  // the largest block aligned at lo...
    while (size > hi - lo + 1) size >>= 1;  // ...that ends by hi
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ~(size - 1), lo)) != 0)
      return false;
    if (hi - lo < size) break;
    lo += size;
  }
  return true;
}

}  // namespace

std::string install_seccomp() {
  std::unique_ptr<void, SeccompRelease> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return "seccomp_init failed";
  // Every thread gets the filter (vips and GLib may have started some already).
  if (seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1) != 0) return "seccomp: no TSYNC";
  static const char* const kKilled[] = {
      "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "execve", "execveat",
      "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
      "pivot_root", "chroot", "unshare", "setns", "kexec_load", "kexec_file_load", "init_module",
      "finit_module", "delete_module", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
      "userfaultfd", "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "iopl",
      "ioperm", "quotactl", "acct",
      // io_uring runs socket/connect/openat as ring operations the filter never sees.
      "io_uring_setup", "io_uring_enter", "io_uring_register",
      // Another process of our uid (the server): its descriptors, its memory, its signals.
      "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "process_madvise", "process_mrelease",
      "tkill", "kcmp", "migrate_pages", "move_pages",
      // File descriptors passed over an inherited Unix socket (SCM_RIGHTS).
      "sendmsg", "sendmmsg", "recvmsg", "recvmmsg"};
  for (const char* name : kKilled) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0) != 0)
      return std::string("seccomp rule for ") + name;
  }
  // Threads yes, processes no: clone without CLONE_THREAD kills. clone3 passes its flags
  // in memory a filter cannot read, so it fails with ENOSYS and glibc falls back to clone.
  if (seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) != 0)
    return "seccomp rule for clone";
  if (seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
    return "seccomp rule for clone3";
  // Signals and rlimits for ourselves only: abort() and raise() use tgkill(getpid(), ...),
  // kill(0, ...) is our own process group (the server gives the worker one of its own),
  // setrlimit() is prlimit64(0, ...). Any other process — the server runs as our uid in our
  // PID namespace — gets EPERM. The comparisons are on all 64 bits, so a pid with high bits
  // set is not our pid either.
  const scmp_datum_t self = static_cast<scmp_datum_t>(::getpid());
  for (const int nr : {SCMP_SYS(kill), SCMP_SYS(rt_sigqueueinfo), SCMP_SYS(prlimit64)})
    if (!deny_range(ctx.get(), nr, 1, self - 1) ||
        seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_GT, self)) != 0)
      return "seccomp rule for kill, rt_sigqueueinfo, prlimit64";
  for (const int nr : {SCMP_SYS(tgkill), SCMP_SYS(rt_tgsigqueueinfo)})
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_NE, self)) != 0)
      return "seccomp rule for tgkill, rt_tgsigqueueinfo";
  const int rc = seccomp_load(ctx.get());
  if (rc != 0) return std::string("seccomp_load: ") + std::strerror(-rc);
  return "";
}

}  // namespace tonari::sanitize
