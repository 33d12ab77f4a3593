#include "sanitize/confine.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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
      "ioperm", "quotactl", "acct"};
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
  const int rc = seccomp_load(ctx.get());
  if (rc != 0) return std::string("seccomp_load: ") + std::strerror(-rc);
  return "";
}

}  // namespace tonari::sanitize
