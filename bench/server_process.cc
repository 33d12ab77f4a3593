#include "server_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "stats.h"

namespace bench {
namespace {

int run(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void exec_argv(const std::vector<std::string>& args, const std::string& path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
}

}  // namespace

std::string user_login(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "u%06d", i);
  return buf;
}

ServerProcess::ServerProcess(const ServerOptions& o) {
  char tmpl[] = "/tmp/tonari-bench-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // The admin commands and the server on the node's store: its own SQLite database in dir_,
  // or the cluster's.
  auto with_store = [&](std::vector<std::string> argv) {
    if (!o.store_url.empty()) argv.insert(argv.begin() + 2, {"--store", o.store_url});
    return argv;
  };
  if (!o.floor && o.setup &&
      run(with_store({o.binary, "admin", "--config", o.config, "create-tenant", "--data", dir_, "--code",
                      kTenant, "--name", "ベンチ市"})) != 0) {
    throw std::runtime_error("create-tenant failed");
  }
  if (!o.floor && o.setup && o.org) {
    std::string csv = dir_ + "/departments.csv";
    std::ofstream f(csv);
    f << "code,name,reading,parent_code\n";
    for (int b = 0; b < 5; ++b) {
      f << "B" << b << ",第" << b + 1 << "部,,\n";
      for (int k = 0; k < 4; ++k) {
        f << "B" << b << "K" << k << ",第" << k + 1 << "課,,B" << b << "\n";
        for (int g = 0; g < 3; ++g) f << "B" << b << "K" << k << "G" << g << ",第" << g + 1 << "係,,B" << b << "K" << k << "\n";
      }
    }
    f.close();
    if (run(with_store({o.binary, "admin", "--config", o.config, "import-departments", "--data", dir_,
                        "--tenant", kTenant, "--csv", csv})) != 0) {
      throw std::runtime_error("import-departments failed");
    }
  }
  if (!o.floor && o.setup && o.users > 0) {
    std::string csv = dir_ + "/users.csv";
    std::ofstream f(csv);
    f << "login,name,reading,department,title,password" << (o.org ? ",admin,crisis" : "") << "\n";
    for (int i = 1; i <= o.users; ++i) {
      f << user_login(i) << ",職員 " << i << ",しょくいん " << i << ",";
      if (o.org) {
        const int g = (i - 1) % 60;
        f << "B" << g / 12 << "K" << g / 3 % 4 << "G" << g % 3;
      }
      f << ",," << kPassword;
      if (o.org) f << ",," << (i == 1 ? "1" : "");
      f << "\n";
    }
    f.close();
    if (run(with_store({o.binary, "admin", "--config", o.config, "import-users", "--data", dir_,
                        "--tenant", kTenant, "--csv", csv})) != 0) {
      throw std::runtime_error("import-users failed");
    }
  }

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    // The generator has pinned itself before forking: the server gets its own core, or
    // (cpu < 0) every core, never the generator's inherited one alone.
    pin_to(o.cpu);
    dup2(out[1], 1);
    close(out[0]);
    if (o.floor) {  // this very binary, as the loopback floor's server (floor.cc)
      execl("/proc/self/exe", "tonari-loadgen", "--floor-server", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::vector<std::string> serve{o.binary, "serve", "--config", o.config, "--data", dir_,
                                   "--listen", "127.0.0.1:0"};
    if (!o.store_url.empty()) serve.insert(serve.end(), {"--store", o.store_url});
    if (!o.bus_url.empty()) serve.insert(serve.end(), {"--bus", o.bus_url});
    // TONARI_BENCH_WRAP="valgrind --tool=callgrind" (for example) runs the server under a
    // profiler; its command line is split by the shell.
    if (const char* wrap = std::getenv("TONARI_BENCH_WRAP"); wrap && *wrap) {
      std::string cmd = std::string("exec ") + wrap + " \"$@\"";
      std::vector<std::string> args{"sh", "-c", cmd, "sh"};
      args.insert(args.end(), serve.begin(), serve.end());
      exec_argv(args, "/bin/sh");
    }
    exec_argv(serve, o.binary);
    _exit(127);
  }
  close(out[1]);
  FILE* in = fdopen(out[0], "r");
  char line[512];
  while (fgets(line, sizeof line, in)) {
    std::string s(line);
    auto at = s.find("tonari listening on http://127.0.0.1:");
    if (at != std::string::npos && !port_) {
      port_ = static_cast<unsigned short>(std::stoi(s.substr(at + 37)));
    }
    if (s.rfind("tonari ready", 0) == 0) break;
  }
  // Keep draining the server's stdout so that it never blocks on a full pipe.
  std::thread([in] {
    char buf[512];
    while (fgets(buf, sizeof buf, in)) {
    }
    fclose(in);
  }).detach();
  if (!port_) throw std::runtime_error(o.floor ? "the floor server did not start" : "tonari did not start");
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    // A polite stop first, so that a profiler wrapping the server (TONARI_BENCH_WRAP) can
    // write its data; SIGKILL if it has not exited within 60 s.
    kill(pid_, SIGTERM);
    for (int i = 0; i < 600 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) usleep(100000);
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ServerProcess::mark(const char* phase) const {
  const char* cmd = std::getenv("TONARI_BENCH_MARK");
  if (!cmd || !*cmd) return;
  run({"/bin/sh", "-c", cmd, "sh", phase, std::to_string(pid_)});
}

void ServerProcess::repin(int cpu) const {
  const cpu_set_t set = cpus(cpu);
  // Threads started later inherit the mask of the thread that starts them.
  std::error_code ec;  // a server that has exited has no threads left to pin
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid_) + "/task", ec), end;
       !ec && it != end; it.increment(ec)) {
    sched_setaffinity(std::stoi(it->path().filename().string()), sizeof set, &set);
  }
}

double ServerProcess::cpu_seconds() const {
  std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close_paren = s.rfind(')');
  std::istringstream rest(s.substr(close_paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

long ServerProcess::status_kib(const char* field) const {
  std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
  const std::string key = std::string(field) + ":";
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return 0;
}

long ServerProcess::rss_bytes() const { return status_kib("VmRSS") * 1024; }
long ServerProcess::anon_rss_bytes() const { return status_kib("RssAnon") * 1024; }

}  // namespace bench
